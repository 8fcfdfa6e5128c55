"""XSD validation of customs messages: official samples, problems named by line and element, missing XSDs."""

import shutil
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from ecerp.customs import schema
from ecerp.customs.messages import MessageError, MessageInvalid, SchemaMissing, build_message
from tests.customs import documents as samples

RECEIPT_SAMPLES = sorted((Path(settings.ECERP_CUSTOMS_XSD_DIR).parent / "receipt-samples").glob("*.xml"))


def _order_xml(**overrides):
    return build_message("CEB311", [samples.order_document(**overrides)], samples.base_transfer())


@pytest.mark.parametrize("path", RECEIPT_SAMPLES, ids=lambda path: path.stem)
def test_official_receipt_samples_validate_and_name_their_type(path):
    # given an official receipt sample
    xml = path.read_bytes()
    # then it is valid and its type is read from the root
    assert schema.validate_message(xml) == []
    assert schema.message_type_of(xml) == path.stem.removesuffix("Message")


def test_receipt_samples_are_present():
    assert len(RECEIPT_SAMPLES) == 8


def test_a_too_long_value_is_reported_with_its_line_and_element():
    # given an order number over 60 characters
    xml = _order_xml(order_no="X" * 61)
    # when it is validated
    problems = schema.validate_message(xml)
    # then the problem names the line of orderNo and the element
    line = next(number for number, text in enumerate(xml.decode().splitlines(), 1) if "<ceb:orderNo>" in text)
    assert len(problems) == 1
    assert problems[0].startswith(f"line {line}:") and "ceb:orderNo" in problems[0]


def test_elements_out_of_xsd_order_are_reported():
    # given a message where freight comes before goodsValue
    xml = _order_xml().replace(b"<ceb:goodsValue>", b"<ceb:tmp>", 1)
    head, rest = xml.split(b"<ceb:tmp>", 1)
    value, rest = rest.split(b"</ceb:goodsValue>\n", 1)
    freight, rest = rest.split(b"\n", 1)
    swapped = head + freight + b"\n<ceb:goodsValue>" + value + b"</ceb:goodsValue>\n" + rest
    # when it is validated
    problems = schema.validate_message(swapped)
    # then the misplaced element is named
    assert problems and "ceb:freight" in problems[0]


def test_not_well_formed_xml_gives_one_problem():
    problems = schema.validate_message(b"<ceb:CEB311Message xmlns:ceb='http://www.chinaport.gov.cn/ceb'>")
    assert len(problems) == 1 and problems[0].startswith("line ")


def test_assert_valid_raises_one_detail_per_problem():
    # given an order with a 2-character currency and a 7-character district
    xml = _order_xml(currency="14", consignee_district="3301061")
    # when asserted valid
    with pytest.raises(MessageInvalid) as caught:
        schema.assert_valid(xml)
    # then each problem is a MESSAGE_SCHEMA_INVALID detail
    assert [detail.code for detail in caught.value.details] == [MessageError.MESSAGE_SCHEMA_INVALID] * 2
    schema.assert_valid(_order_xml())


def test_message_type_of_refuses_what_is_not_a_customs_message():
    for xml in (b"<html/>", b"not xml", b'<x:CEB311Message xmlns:x="urn:other"/>'):
        with pytest.raises(MessageInvalid) as caught:
            schema.message_type_of(xml)
        assert caught.value.code == MessageError.MESSAGE_NOT_CUSTOMS


def test_missing_xsd_folder_raises_a_clear_error_naming_setting_and_path(tmp_path):
    # given a setting pointing at an empty folder
    with override_settings(ECERP_CUSTOMS_XSD_DIR=tmp_path / "nowhere"):
        # when a message is validated
        with pytest.raises(SchemaMissing) as caught:
            schema.validate_message(_order_xml())
    # then the error names the setting and the path
    assert caught.value.code == MessageError.SCHEMA_MISSING
    assert "ECERP_CUSTOMS_XSD_DIR" in str(caught.value) and "nowhere" in str(caught.value)


def test_missing_xmldsig_schema_is_reported_too(tmp_path):
    shutil.copy(Path(settings.ECERP_CUSTOMS_XSD_DIR) / schema.CEB_XSD, tmp_path)
    with override_settings(ECERP_CUSTOMS_XSD_DIR=tmp_path), pytest.raises(SchemaMissing) as caught:
        schema.get_schema()
    assert schema.XMLDSIG_XSD in str(caught.value)


def test_xmldsig_import_resolves_beside_the_xsd_in_any_folder(tmp_path):
    # given a copy of the official XSDs in another folder
    for name in (schema.CEB_XSD, schema.DXP_XSD, schema.XMLDSIG_XSD):
        shutil.copy(Path(settings.ECERP_CUSTOMS_XSD_DIR) / name, tmp_path)
    # when a signed-shape message is validated against it
    xml = samples.with_placeholder_signature(
        build_message("CEB621", samples.sample_documents("CEB621"), samples.base_transfer())
    )
    with override_settings(ECERP_CUSTOMS_XSD_DIR=tmp_path):
        # then the ds:Signature is checked against the local xmldsig schema
        assert schema.validate_message(xml) == []
        broken = xml.replace(b"<ds:SignatureValue>", b"<ds:SignatureValu>").replace(
            b"</ds:SignatureValue>", b"</ds:SignatureValu>"
        )
        assert any("ds:SignatureValu" in problem for problem in schema.validate_message(broken))


def test_validation_from_several_threads_reports_each_message_own_problems():
    # given a valid and an invalid message validated concurrently
    valid, invalid = _order_xml(), _order_xml(order_no="X" * 61)
    results = []

    def work():
        for _ in range(50):
            results.append((schema.validate_message(valid), schema.validate_message(invalid)))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then every result is right
    assert all(ok == [] and len(bad) == 1 and "ceb:orderNo" in bad[0] for ok, bad in results)
