"""Receipt parsing and the returnStatus catalogue (pure, no database)."""

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import translation

from ecerp.customs.receipts import (
    ReceiptError,
    ReceiptInvalid,
    error_explanation,
    is_error,
    is_failure,
    is_final,
    parse_receipts,
    rank,
    status_label,
)

SAMPLES = Path(settings.ECERP_CUSTOMS_XSD_DIR).parent / "receipt-samples"
SHANGHAI = ZoneInfo("Asia/Shanghai")
NS = 'xmlns="http://www.chinaport.gov.cn/ceb"'
GUID = "6A1B2C3D-0000-4000-8000-00000000000A"


def _message(root: str, body: str, namespace: str = NS) -> bytes:
    declaration = '<?xml version="1.0" encoding="UTF-8"?>'
    return f'{declaration}<{root} {namespace} guid="{GUID}" version="1.0">{body}</{root}>'.encode()


def _inventory_return(status="800", time="20260301101530123", extra=""):
    return (
        f"<InventoryReturn><guid>{GUID}</guid><customsCode>2244</customsCode><agentCode>3302980001</agentCode>"
        f"<copNo>COP-1</copNo><preNo>B20260301000000001</preNo><invtNo>224420261000000001</invtNo>{extra}"
        f"<returnStatus>{status}</returnStatus><returnTime>{time}</returnTime><returnInfo>放行</returnInfo>"
        "</InventoryReturn>"
    )


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.xml")), ids=lambda path: path.name)
def test_every_official_sample_parses(path):
    # given an official receipt sample
    raw = path.read_bytes()
    # when it is parsed
    receipts = parse_receipts(raw)
    # then every receipt of it is read with its type, status, time and key fields
    assert len(receipts) == raw.count(b"<guid>")
    message_type = path.name.removesuffix("Message.xml")
    for receipt in receipts:
        assert receipt.message_type == message_type
        assert len(receipt.guid) == 36
        assert receipt.return_status
        assert receipt.return_time.tzinfo is not None
        assert receipt.return_info
        assert any(receipt.keys.values())


def test_official_samples_cover_every_return_type():
    names = {path.name for path in SAMPLES.glob("*.xml")}
    assert {f"CEB{code}Message.xml" for code in (312, 412, 512, 514, 622, 624, 626, 712)} <= names


def test_sample_values_are_read_exactly():
    # given the official order and list-cancel receipts
    order = parse_receipts((SAMPLES / "CEB312Message.xml").read_bytes())[0]
    cancel = parse_receipts((SAMPLES / "CEB624Message.xml").read_bytes())[0]
    # then the key fields come in snake_case, stripped (the sample's copNo carries a stray tab)
    assert order.document == "order"
    assert order.keys == {"ebp_code": "1105910159", "ebc_code": "1105910159", "order_no": "order20160321116420545"}
    assert order.return_status == "2"
    assert order.return_time == datetime(2016, 4, 28, 18, 22, 38, tzinfo=SHANGHAI)
    assert cancel.document == "cancel"
    assert cancel.keys["cop_no"] == "cop2016032210052"
    assert cancel.keys["invt_no"] == "150032133004000520"
    assert cancel.return_time == datetime(2016, 3, 30, 18, 48, 2, 222000, tzinfo=SHANGHAI)


def test_inventory_receipt_with_absent_optional_keys():
    # given a list receipt without ebpCode and ebcCode
    receipts = parse_receipts(_message("CEB622Message", _inventory_return()))
    # then the absent keys are empty strings and the others are read
    (receipt,) = receipts
    assert receipt.keys["ebp_code"] == ""
    assert receipt.keys["invt_no"] == "224420261000000001"
    assert receipt.message_guid == GUID
    assert receipt.return_time == datetime(2026, 3, 1, 10, 15, 30, 123000, tzinfo=SHANGHAI)


def test_fourteen_character_time_is_accepted():
    (receipt,) = parse_receipts(_message("CEB622Message", _inventory_return(time="20260301101530")))
    assert receipt.return_time == datetime(2026, 3, 1, 10, 15, 30, tzinfo=SHANGHAI)


def test_receipts_without_namespace_and_with_whitespace_are_read():
    # given a receipt without namespace, indented, with a comment
    body = "\n  <!-- from a regional gateway -->\n  " + _inventory_return(status=" 800 ") + "\n"
    (receipt,) = parse_receipts(_message("CEB622Message", body, namespace=""))
    assert receipt.return_status == "800"


def test_foreign_elements_are_skipped_but_unexpected_ceb_elements_are_not():
    # given a receipt message with a signature (foreign namespace): it is skipped
    signature = '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/>'
    assert len(parse_receipts(_message("CEB622Message", _inventory_return() + signature))) == 1
    # given a CEB element that does not belong there: it is an error
    with pytest.raises(ReceiptInvalid) as error:
        parse_receipts(_message("CEB622Message", _inventory_return() + "<OrderReturn/>"))
    assert error.value.code == ReceiptError.UNEXPECTED_ELEMENT


def test_tax_bill_with_several_lines():
    # given a CEB816 with one bill of two lines
    body = (
        "<Tax><TaxHeadRd>"
        f"<guid>{GUID}</guid><returnTime>20260302120000000</returnTime><invtNo>224420261000000001</invtNo>"
        "<taxNo>224420261000000001-01</taxNo><customsTax>0</customsTax><valueAddedTax>63.5810</valueAddedTax>"
        "<consumptionTax>14.86</consumptionTax><status>1</status><assureCode>3302980001</assureCode>"
        "</TaxHeadRd>"
        "<TaxListRd><gnum>1</gnum><gcode>3304990099</gcode><taxPrice>400.00</taxPrice><customsTax>0</customsTax>"
        "<valueAddedTax>52.00</valueAddedTax><consumptionTax>12.00</consumptionTax></TaxListRd>"
        "<TaxListRd><gnum>2</gnum><gcode>1901101000</gcode><taxPrice>89.10</taxPrice><customsTax>0</customsTax>"
        "<valueAddedTax>11.5810</valueAddedTax><consumptionTax>2.86</consumptionTax></TaxListRd>"
        "</Tax>"
    )
    (bill,) = parse_receipts(_message("CEB816Message", body))
    # then amounts are Decimal, the bill's status is the receipt's status, lines are kept in order
    assert bill.document == "tax"
    assert bill.return_status == "1"
    assert bill.keys["tax_no"] == "224420261000000001-01"
    assert bill.details["value_added_tax"] == Decimal("63.5810")
    assert bill.details["total_tax"] == Decimal("78.4410")
    assert [line["gnum"] for line in bill.details["lines"]] == [1, 2]
    assert bill.details["lines"][1]["value_added_tax"] == Decimal("11.5810")
    assert bill.details["assure_code"] == "3302980001"
    assert bill.details["ent_duty_no"] == ""


def test_tax_bill_with_an_unreadable_amount_is_refused():
    body = (
        f"<Tax><TaxHeadRd><guid>{GUID}</guid><returnTime>20260302120000000</returnTime><invtNo>1</invtNo>"
        "<taxNo>T1</taxNo><customsTax>x</customsTax><valueAddedTax>0</valueAddedTax>"
        "<consumptionTax>0</consumptionTax><status>1</status></TaxHeadRd></Tax>"
    )
    with pytest.raises(ReceiptInvalid) as error:
        parse_receipts(_message("CEB816Message", body))
    assert error.value.code == ReceiptError.INVALID_AMOUNT
    assert error.value.field == "customs_tax"


def test_tax_status():
    body = (
        f"<Tax><TaxHeadStatus><guid>{GUID}</guid><returnTime>20260310090000000</returnTime>"
        "<invtNo>224420261000000001</invtNo><taxNo>T1</taxNo><status>2</status><entDutyNo>JK-9</entDutyNo>"
        "</TaxHeadStatus></Tax>"
    )
    (status,) = parse_receipts(_message("CEB818Message", body))
    assert status.document == "tax_status"
    assert status.return_status == "2"
    assert status.details == {"status": "2", "ent_duty_no": "JK-9", "assure_code": ""}


def test_format_error_keeps_the_original_message():
    # given a CEB900 carrying the rejected message in CDATA
    original = '<?xml version="1.0"?>\n<CEB311Message guid="x">  <Order/> </CEB311Message>'
    body = (
        f"<MessageReturn><guid>{GUID}</guid><returnStatus>-1</returnStatus><returnInfo>报文格式错误</returnInfo>"
        "<returnTime>20260301101530123</returnTime><oriCopMsgId>MSG-1</oriCopMsgId>"
        f"<oriMessageType>CEB311Message</oriMessageType><oriBizMessage><![CDATA[{original}]]></oriBizMessage>"
        "</MessageReturn>"
    )
    (receipt,) = parse_receipts(_message("CEB900Message", body))
    # then the original is kept verbatim and the receipt is an error
    assert receipt.document == "format_error"
    assert receipt.details["ori_biz_message"] == original
    assert receipt.details["ori_cop_msg_id"] == "MSG-1"
    assert receipt.details["ori_message_type"] == "CEB311Message"
    assert is_error(receipt.return_status)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"not xml", ReceiptError.MALFORMED_XML),
        (b"", ReceiptError.MALFORMED_XML),
        (_message("CEB311Message", ""), ReceiptError.UNKNOWN_MESSAGE),
        (_message("CEB622Message", "", namespace='xmlns="urn:other"'), ReceiptError.UNKNOWN_MESSAGE),
        (_message("CEB622Message", ""), ReceiptError.NO_RECEIPTS),
        (_message("CEB622Message", f"<InventoryReturn><guid>{GUID}</guid></InventoryReturn>"),
         ReceiptError.MISSING_FIELD),
        (_message("CEB622Message", _inventory_return(time="2026-03-01")), ReceiptError.INVALID_TIME),
        (_message("CEB622Message", _inventory_return(time="20261301101530123")), ReceiptError.INVALID_TIME),
        (_message("CEB816Message", "<Tax/>"), ReceiptError.MISSING_FIELD),
    ],
)
def test_malformed_messages_raise_a_named_error(raw, code):
    with pytest.raises(ReceiptInvalid) as error:
        parse_receipts(raw)
    assert error.value.code == code


def test_error_message_names_the_missing_field_in_chinese_and_english():
    raw = _message("CEB622Message", f"<InventoryReturn><guid>{GUID}</guid></InventoryReturn>")
    with pytest.raises(ReceiptInvalid) as error:
        parse_receipts(raw)
    assert error.value.field == "return_status"
    assert "returnStatus" in str(error.value)
    with translation.override("en"), pytest.raises(ReceiptInvalid) as english:
        parse_receipts(raw)
    assert "returnStatus" in str(english.value)
    assert str(english.value) != str(error.value)


def test_entities_are_not_expanded():
    # given a receipt trying to pull a local file in through an external entity
    body = _inventory_return().replace("<returnInfo>放行</returnInfo>", "<returnInfo>&x;</returnInfo>")
    raw = _message("CEB622Message", body).replace(
        b"?>", b'?><!DOCTYPE CEB622Message [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1
    )
    (receipt,) = parse_receipts(raw)
    assert "root:" not in receipt.return_info
    # and an entity reference between the receipts is skipped
    (receipt,) = parse_receipts(raw.replace(b"<InventoryReturn>", b"&x;<InventoryReturn>"))
    assert receipt.return_status == "800"


def test_status_labels():
    with translation.override("zh-hans"):
        assert status_label("800") == "放行"
        assert status_label("-621018") == "处理异常：个人年度已用额度加本次交易超过年度交易限值"
        assert status_label("-621999") == "处理异常：申报清单处理异常"
        assert status_label("18") == "未知状态（18）"
        assert status_label("3", "tax") == "税单已作废"
    with translation.override("en"):
        assert status_label("800") == "Released"


def test_error_codes():
    assert is_error("-621005") and is_error(" -1 ")
    assert not is_error("800") and not is_error("-") and not is_error("")
    assert is_failure("100") and is_failure("4") and is_failure("-301010")
    assert not is_failure("800")
    with translation.override("zh-hans"):
        assert error_explanation("-621005") == "订购金额超过单次交易限值"
        assert error_explanation("-621029") == "验签失败"
        assert error_explanation("-301010") == "订单编号重复"
        assert error_explanation("-504001") == "电子运单处理异常"
        assert error_explanation("-999") == "处理异常"
        assert error_explanation("800") == ""


def test_inventory_ranks_never_move_backwards():
    # the goods list's normal path, in order
    path = ["1", "2", "3", "120", "300", "500", "501", "399", "800", "899"]
    ranks = [rank("inventory", code) for code in path]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    # a late 120 after 800 ranks lower: it must not be applied
    assert rank("inventory", "120") < rank("inventory", "800")
    # a resent 3 after 4 (E-port failed to send, then succeeded) moves forward
    assert rank("inventory", "4") < rank("inventory", "3")
    # unknown codes rank 0 like "no receipt yet"
    assert rank("inventory", "18") == rank("inventory", "") == 0


def test_terminal_outcomes():
    for code in ("899", "100", "700", "-621018"):
        assert is_final("inventory", code), code
    for code in ("2", "120", "300", "500", "399", "800"):
        assert not is_final("inventory", code), code
    # the first terminal outcome sticks: another terminal code does not rank above it
    assert rank("inventory", "100") == rank("inventory", "899")
    for document in ("order", "payment", "waybill", "waybill_status", "cancel", "refund", "delivery"):
        assert is_final(document, "399") and is_final(document, "100") and is_final(document, "-1")
        assert rank(document, "2") < rank(document, "3") < rank(document, "120") < rank(document, "399")
    assert rank("tax", "1") < rank("tax", "2") < rank("tax", "3") and is_final("tax", "3")
    assert is_final("format_error", "-1")
