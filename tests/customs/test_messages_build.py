"""Building the customs declaration messages: XSD order and validity, required fields, limits, formats."""

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from ecerp.customs.messages import (
    LAYOUTS,
    MESSAGE_TYPES,
    SPECS,
    MessageError,
    MessageInvalid,
    build_message,
)
from ecerp.customs.messages.build import format_decimal
from ecerp.customs.schema import message_type_of, validate_message
from tests.customs import documents as samples

XS = "{http://www.w3.org/2001/XMLSchema}"
CEB = "{http://www.chinaport.gov.cn/ceb}"


def _xsd_elements():
    tree = etree.parse(str(Path(settings.ECERP_CUSTOMS_XSD_DIR) / "ceb-import-202205.xsd"))
    return {element.get("name"): element for element in tree.getroot().findall(f"{XS}element")}


def _build(message_type, documents=None, **kwargs):
    documents = samples.sample_documents(message_type) if documents is None else documents
    return build_message(message_type, documents, samples.base_transfer(), **kwargs)


def _signed_if_required(message_type, xml):
    return samples.with_placeholder_signature(xml) if SPECS[message_type].signature_required else xml


def _parse(xml):
    return etree.fromstring(xml)


def test_layouts_list_the_children_of_each_element_in_xsd_order_with_xsd_requiredness():
    # given the official XSD
    elements = _xsd_elements()
    for name, layout in LAYOUTS.items():
        # when the element's sequence is read
        sequence = elements[name].find(f"{XS}complexType/{XS}sequence")
        expected = [(child.get("name"), child.get("minOccurs", "1") != "0") for child in sequence]
        # then the layout names the same children, in the same order, equally required
        assert [(element, required) for _field, element, _kind, required in layout] == expected, name


def test_every_document_field_appears_in_its_layout():
    # given each message's document and line types
    for spec in SPECS.values():
        fields = {field.name for field in dataclasses.fields(spec.document_type)} - {"lines"}
        # then the head layout covers exactly the fields
        assert fields == {field for field, *_rest in LAYOUTS[spec.head]}, spec.message_type
        if spec.line:
            line_type = type(samples.sample_documents(spec.message_type)[0].lines[0])
            assert {field.name for field in dataclasses.fields(line_type)} == {
                field for field, *_rest in LAYOUTS[spec.line]
            }


@pytest.mark.parametrize("message_type", MESSAGE_TYPES)
def test_each_message_type_built_from_sample_documents_validates_against_the_official_xsd(message_type):
    # given the sample documents of the message type
    # when the message is built (and, where the XSD requires it, a placeholder signature appended)
    xml = _signed_if_required(message_type, _build(message_type))
    # then it validates and names its type
    assert validate_message(xml) == []
    assert message_type_of(xml) == message_type


@pytest.mark.parametrize("message_type", ["CEB621", "CEB623", "CEB625", "CEB711"])
def test_messages_that_require_a_signature_are_built_without_one(message_type):
    # given a message whose XSD requires ds:Signature
    # when it is built
    problems = validate_message(_build(message_type))
    # then the only problem is the missing signature (the signer appends it as the last child)
    assert len(problems) == 1 and "ds:Signature" in problems[0]


def test_order_message_has_root_attributes_wrapper_and_base_transfer_in_order():
    # given an order
    # when CEB311 is built with a given guid
    root = _parse(_build("CEB311", guid="0C5E1F0A-6A42-4F6B-9F1E-2B7C1D3A9E11"))
    # then the root carries guid and version and holds Order then BaseTransfer
    assert root.tag == f"{CEB}CEB311Message"
    assert root.get("guid") == "0C5E1F0A-6A42-4F6B-9F1E-2B7C1D3A9E11" and root.get("version") == "1.0"
    assert [child.tag for child in root] == [f"{CEB}Order", f"{CEB}BaseTransfer"]
    assert [child.tag for child in root[0]] == [f"{CEB}OrderHead", f"{CEB}OrderList", f"{CEB}OrderList"]


def test_message_guid_is_a_new_uppercase_uuid_by_default():
    # given no guid
    guid = _parse(_build("CEB411")).get("guid")
    # then a 36-character uppercase one is made
    assert len(guid) == 36 and guid == guid.upper()


def test_values_are_written_in_customs_formats_and_escaped():
    # given an order with an address holding & < > and a waybill
    order = samples.order_document(app_time=datetime(2026, 3, 15, 2, 30, 5, tzinfo=UTC))
    head = _parse(_build("CEB311", [order]))[0][0]
    # then the aware time is written in Beijing time, amounts as plain decimals and the text verbatim
    assert head.findtext(f"{CEB}appTime") == "20260315103005"
    assert head.findtext(f"{CEB}acturalPaid") == str(order.actural_paid)
    assert head.findtext(f"{CEB}consigneeAddress") == samples.CONSIGNEE_ADDRESS
    # and the list's dates are YYYYMMDD
    inventory_head = _parse(_build("CEB621"))[0][0]
    assert inventory_head.findtext(f"{CEB}declTime") == "20260315"


def test_optional_elements_are_left_out_when_empty():
    # given an order without payment fields, district and note
    order = samples.order_document(pay_code="", pay_name="", pay_transaction_id="", consignee_district="")
    xml = _build("CEB311", [order])
    head = _parse(xml)[0][0]
    # then those elements are absent and the message is valid
    for name in ("payCode", "payName", "payTransactionId", "consigneeDistrict", "note", "batchNumbers"):
        assert head.find(f"{CEB}{name}") is None
    assert validate_message(xml) == []


def test_waybill_freight_none_is_left_out_but_zero_is_written():
    # given a waybill without insurance and with zero freight
    waybill = samples.waybill_document(insured_fee=None, freight=Decimal("0"))
    head = _parse(_build("CEB511", [waybill]))[0][0]
    # then insuredFee is absent and freight reads 0
    assert head.find(f"{CEB}insuredFee") is None
    assert head.findtext(f"{CEB}freight") == "0"


def test_missing_required_head_field_names_message_element_and_field():
    # given an order without buyer name
    order = samples.order_document(buyer_name="")
    # when it is built
    with pytest.raises(MessageInvalid) as caught:
        _build("CEB311", [order])
    # then the error names the message type, the element and the field
    error = caught.value
    assert error.code == MessageError.MESSAGE_FIELD_MISSING
    assert error.field == "buyer_name"
    assert "CEB311" in str(error) and "OrderHead" in str(error) and "buyerName" in str(error)


def test_missing_required_line_field_names_the_gnum():
    # given a goods list whose second line has no HS code
    inventory = samples.inventory_document()
    lines = (inventory.lines[0], dataclasses.replace(inventory.lines[1], gcode=""))
    # when it is built
    with pytest.raises(MessageInvalid) as caught:
        _build("CEB621", [dataclasses.replace(inventory, lines=lines)])
    # then the error names the element, the field and the gnum
    error = caught.value
    assert error.code == MessageError.MESSAGE_FIELD_MISSING
    assert error.details[0].params["gnum"] == 2
    assert "InventoryList" in str(error) and "gcode" in str(error)


def test_ninety_nine_lines_are_accepted_and_validate():
    # given an order and its list with 99 lines
    order = samples.order_document(line_count=99)
    inventory = samples.inventory_document(order)
    # when both are built
    order_xml = _build("CEB311", [order])
    inventory_xml = samples.with_placeholder_signature(_build("CEB621", [inventory]))
    # then both validate
    assert validate_message(order_xml) == []
    assert validate_message(inventory_xml) == []


@pytest.mark.parametrize("message_type", ["CEB311", "CEB621"])
def test_one_hundred_lines_are_refused_with_a_clear_error(message_type):
    # given a document with 100 lines
    order = samples.order_document(line_count=100)
    document = order if message_type == "CEB311" else samples.inventory_document(order)
    # when it is built
    with pytest.raises(MessageInvalid) as caught:
        _build(message_type, [document])
    # then it is refused, naming the count and the limit
    assert caught.value.code == MessageError.MESSAGE_TOO_MANY_LINES
    assert caught.value.details[0].params["count"] == 100 and caught.value.details[0].params["limit"] == 99


def test_a_document_without_lines_is_refused():
    with pytest.raises(MessageInvalid) as caught:
        _build("CEB311", [samples.order_document(lines=())])
    assert caught.value.code == MessageError.MESSAGE_NO_LINES


def test_one_hundred_documents_fit_in_one_message_and_more_are_refused():
    # given 100 payments
    payments = [samples.payment_document(order_no=f"TM2026{index:08d}") for index in range(100)]
    # then they make one valid message
    xml = _build("CEB411", payments)
    assert validate_message(xml) == [] and len(_parse(xml)) == 101
    # and a 101st is refused
    with pytest.raises(MessageInvalid) as caught:
        _build("CEB411", payments + [samples.payment_document()])
    assert caught.value.code == MessageError.MESSAGE_TOO_MANY_DOCUMENTS


def test_warehouse_entry_detail_carries_exactly_one_document():
    with pytest.raises(MessageInvalid) as caught:
        _build("CEB711", [samples.delivery_document(), samples.delivery_document()])
    assert caught.value.code == MessageError.MESSAGE_TOO_MANY_DOCUMENTS
    with pytest.raises(MessageInvalid) as caught:
        _build("CEB711", [])
    assert caught.value.code == MessageError.MESSAGE_NO_DOCUMENTS


def test_warehouse_entry_detail_accepts_more_than_ninety_nine_parcels():
    xml = samples.with_placeholder_signature(_build("CEB711", [samples.delivery_document(parcel_count=150)]))
    assert validate_message(xml) == []


def test_unknown_message_type_and_wrong_document_type_are_refused():
    with pytest.raises(MessageInvalid) as caught:
        _build("CEB999", [samples.order_document()])
    assert caught.value.code == MessageError.MESSAGE_TYPE_UNKNOWN
    with pytest.raises(MessageInvalid) as caught:
        _build("CEB411", [samples.order_document()])
    assert caught.value.code == MessageError.MESSAGE_DOCUMENT_MISMATCH


def test_message_type_may_be_given_with_the_message_suffix():
    assert message_type_of(_build("CEB513Message")) == "CEB513"


def test_control_characters_and_floats_are_refused_with_the_field_named():
    # given a buyer name holding a control character
    with pytest.raises(MessageInvalid) as caught:
        _build("CEB311", [samples.order_document(buyer_name="张\x07三")])
    assert caught.value.code == MessageError.MESSAGE_VALUE_INVALID and caught.value.field == "buyer_name"
    # given an amount as float
    with pytest.raises(MessageInvalid) as caught:
        _build("CEB411", [samples.payment_document(amount_paid=12.5)])
    assert caught.value.code == MessageError.MESSAGE_VALUE_INVALID and caught.value.field == "amount_paid"


def test_carriage_return_and_newline_survive_a_parse():
    # given a note with CR LF and an ampersand
    note = "第一行\r\n第二行 & 更多"
    head = _parse(_build("CEB411", [samples.payment_document(note=note)]))[0][0]
    # then the parsed text is the same
    assert head.findtext(f"{CEB}note") == note


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("12.50"), "12.50"),
        (Decimal("1E+2"), "100"),
        (Decimal("0.000001"), "0.00000"),
        (Decimal("1.234565"), "1.23457"),
        (Decimal("-3.2"), "-3.2"),
        (7, "7"),
    ],
)
def test_decimals_are_plain_with_at_most_five_fraction_digits(value, expected):
    assert format_decimal(value) == expected


def test_generated_writers_write_what_the_generic_writer_writes():
    # given every sample document and line, plus values that take the escaping path
    from ecerp.customs.messages import build

    objects = [samples.base_transfer()]
    for message_type in MESSAGE_TYPES:
        document = samples.sample_documents(message_type)[0]
        objects += [document, *getattr(document, "lines", ())]
    objects.append(samples.payment_document(note="a & b < c > d\r\n", telephone=13812345678))
    names = {spec.document_type: spec.head for spec in SPECS.values()}
    for spec in SPECS.values():
        if spec.line:
            names[type(samples.sample_documents(spec.message_type)[0].lines[0])] = spec.line
    names[type(samples.base_transfer())] = "BaseTransfer"
    for obj in objects:
        name = names[type(obj)]
        generic: list[str] = []
        build._write(generic, build._ELEMENTS[name], obj, "TEST", None)
        # then the fast writer gives the same text
        assert build._WRITERS[name](obj) == "".join(generic), name


def test_an_empty_string_for_an_optional_amount_is_left_out():
    head = _parse(_build("CEB511", [samples.waybill_document(insured_fee="")]))[0][0]
    assert head.find(f"{CEB}insuredFee") is None


XML_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\x01\x02\x03\x04\x05\x06"
                           "\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a"
                           "\x1b\x1c\x1d\x1e\x1f\ufffe\uffff"),
    min_size=1, max_size=40,
)


@given(name=XML_TEXT, note=XML_TEXT)
def test_any_xml_text_is_read_back_unchanged(name, note):
    # given a buyer name and a note of arbitrary XML characters
    order = samples.order_document(buyer_name=name, note=note)
    # when the order is built and parsed
    head = _parse(_build("CEB311", [order]))[0][0]
    # then the values are read back as given
    assert head.findtext(f"{CEB}buyerName") == name
    assert head.findtext(f"{CEB}note") == note
