"""Receipt building for the simulator: every type validates against the official XSD and parses back the same."""

from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from lxml import etree

from ecerp.customs.receipts import (
    ReceiptError,
    ReceiptInvalid,
    build_receipt_message,
    parse_receipts,
    receipt_as_dict,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
WHEN = datetime(2026, 3, 1, 10, 15, 30, 123000, tzinfo=SHANGHAI)
SAMPLES = Path(settings.ECERP_CUSTOMS_XSD_DIR).parent / "receipt-samples"


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(Path(settings.ECERP_CUSTOMS_XSD_DIR) / "ceb-import-202205.xsd")))


def _assert_valid(xml: bytes) -> None:
    schema = _schema()
    valid = schema.validate(etree.fromstring(xml))
    assert valid, [f"{error.line}: {error.message}" for error in schema.error_log]


def _guid(number: int) -> str:
    return f"6A1B2C3D-0000-4000-8000-{number:012d}"


LIST_KEYS = {
    "customs_code": "2244",
    "ebp_code": "3302960001",
    "ebc_code": "3302960002",
    "agent_code": "3302980001",
    "cop_no": "COP-20260301-1",
    "pre_no": "B20260301000000001",
    "invt_no": "224420261000000001",
}

RECEIPTS = {
    "CEB312": [{"ebp_code": "3302960001", "ebc_code": "3302960002", "order_no": "SO-1"}],
    "CEB412": [{"pay_code": "3302960003", "pay_transaction_id": "PAY-1"}],
    "CEB512": [{"logistics_code": "3302960004", "logistics_no": "SF100001"}],
    "CEB514": [{"logistics_code": "3302960004", "logistics_no": "SF100001", "logistics_status": "S"}],
    "CEB622": [LIST_KEYS, {**LIST_KEYS, "ebp_code": "", "ebc_code": "", "invt_no": ""}],
    "CEB624": [LIST_KEYS],
    "CEB626": [LIST_KEYS],
    "CEB712": [
        {"customs_code": "2244", "operator_code": "3302980009", "cop_no": "RK-1", "pre_no": "R20260301000000001",
         "rkd_no": "224420260301000001"},
        {"customs_code": "", "operator_code": "", "cop_no": "", "pre_no": "", "rkd_no": ""},
    ],
}

TAX_BILL = {
    "guid": _guid(816),
    "return_time": WHEN,
    "invt_no": "224420261000000001",
    "tax_no": "224420261000000001-01",
    "customs_tax": Decimal("0"),
    "value_added_tax": Decimal("63.58"),
    "consumption_tax": Decimal("14.86"),
    "status": "1",
    "ent_duty_no": "",
    "assure_code": "3302980001",
    "ebc_code": "3302960002",
    "logistics_code": "3302960004",
    "agent_code": "3302980001",
    "customs_code": "2244",
    "note": "",
    "lines": [
        {"gnum": 1, "gcode": "3304990099", "tax_price": Decimal("400.00"), "customs_tax": Decimal("0"),
         "value_added_tax": Decimal("52.00"), "consumption_tax": Decimal("12.00")},
        {"gnum": 2, "gcode": "1901101000", "tax_price": Decimal("89.10"), "customs_tax": Decimal("0"),
         "value_added_tax": Decimal("11.58"), "consumption_tax": Decimal("2.86")},
        {"gnum": 3, "gcode": "3401300000", "tax_price": Decimal("10.12345"), "customs_tax": Decimal("0.1"),
         "value_added_tax": Decimal("0"), "consumption_tax": Decimal("0")},
    ],
}

ORIGINAL = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<ceb:CEB311Message xmlns:ceb="http://www.chinaport.gov.cn/ceb">\n  <ceb:Order/>\n</ceb:CEB311Message>\n'
)


@pytest.mark.parametrize("message_type", sorted(RECEIPTS))
def test_return_receipts_validate_and_round_trip(message_type):
    # given receipts of one type with a status, a time and the key fields
    given = [
        {"guid": _guid(number), "return_status": "120", "return_time": WHEN, "return_info": "入库成功", **keys}
        for number, keys in enumerate(RECEIPTS[message_type], 1)
    ]
    # when the message is built
    xml = build_receipt_message(message_type, given)
    # then it is valid against the official XSD and parses back to the same values
    _assert_valid(xml)
    parsed = parse_receipts(xml)
    assert [receipt_as_dict(receipt) for receipt in parsed] == given
    assert all(receipt.message_type == message_type for receipt in parsed)
    assert parsed[0].message_guid == _guid(1)


def test_tax_bill_with_several_lines_validates_and_round_trips():
    # given two tax bills, the first with three lines
    second = {**TAX_BILL, "guid": _guid(817), "status": "2", "ent_duty_no": "JK-2026-1", "note": "汇总",
              "lines": TAX_BILL["lines"][:1]}
    xml = build_receipt_message("CEB816", [TAX_BILL, second])
    _assert_valid(xml)
    parsed = parse_receipts(xml)
    # then every value comes back, amounts as equal Decimals
    assert [receipt_as_dict(receipt) for receipt in parsed] == [TAX_BILL, second]
    assert parsed[0].details["total_tax"] == Decimal("78.44")
    assert parsed[1].return_status == "2"


def test_tax_status_validates_and_round_trips():
    given = [{"guid": _guid(818), "return_time": WHEN, "invt_no": "224420261000000001", "tax_no": "T-1",
              "status": "2", "ent_duty_no": "JK-1", "assure_code": ""}]
    xml = build_receipt_message("CEB818Message", given)
    _assert_valid(xml)
    assert [receipt_as_dict(receipt) for receipt in parse_receipts(xml)] == given


def test_format_error_carries_the_original_message_in_cdata():
    # given a CEB900 answering a broken CEB311
    given = {"guid": _guid(900), "return_status": "-1", "return_info": "报文格式错误：缺少 BaseTransfer",
             "return_time": WHEN, "ori_cop_msg_id": "MSG-1", "ori_message_type": "CEB311Message",
             "ori_biz_message": ORIGINAL}
    xml = build_receipt_message("CEB900", [given])
    # then it validates, holds a CDATA section and gives the original back verbatim
    _assert_valid(xml)
    assert b"<![CDATA[<?xml" in xml
    assert [receipt_as_dict(receipt) for receipt in parse_receipts(xml)] == [given]


def test_format_error_accepts_bytes_and_text_that_cannot_be_cdata():
    for original in (ORIGINAL.encode(), "<a><![CDATA[x]]></a>"):
        given = {"return_status": "-2", "return_info": "", "ori_cop_msg_id": "", "ori_message_type": "Unknown",
                 "ori_biz_message": original}
        xml = build_receipt_message("CEB900", [given])
        _assert_valid(xml)
        (receipt,) = parse_receipts(xml)
        expected = original.decode() if isinstance(original, bytes) else original
        assert receipt.details["ori_biz_message"] == expected


def test_guid_time_and_info_are_filled_when_absent():
    # given a receipt with only its status and keys
    xml = build_receipt_message("CEB312", [{"return_status": "800", **RECEIPTS["CEB312"][0]}])
    _assert_valid(xml)
    (receipt,) = parse_receipts(xml)
    # then it gets a 36-character upper-case guid, the current time and the Chinese label as info
    assert len(receipt.guid) == 36 and receipt.guid == receipt.guid.upper()
    assert receipt.message_guid == receipt.guid
    assert abs((datetime.now(SHANGHAI) - receipt.return_time).total_seconds()) < 60
    assert receipt.return_info == "放行"


def test_official_samples_rebuild_identically():
    # given every official sample: parse, rebuild, parse again
    for path in sorted(SAMPLES.glob("*.xml")):
        first = parse_receipts(path.read_bytes())
        rebuilt = parse_receipts(
            build_receipt_message(first[0].message_type, [receipt_as_dict(receipt) for receipt in first],
                                  guid=first[0].message_guid)
        )
        assert rebuilt == first, path.name


@pytest.mark.parametrize(
    ("message_type", "receipts", "code"),
    [
        ("CEB311", [{}], ReceiptError.UNKNOWN_MESSAGE),
        ("CEB312", [], ReceiptError.NO_RECEIPTS),
        ("CEB312", [{"return_status": "2", **RECEIPTS["CEB312"][0]}] * 101, ReceiptError.TOO_MANY_RECEIPTS),
        ("CEB900", [{"return_status": "-1"}] * 2, ReceiptError.TOO_MANY_RECEIPTS),
        ("CEB312", [{"return_status": "2", "ebp_code": "1", "ebc_code": "2"}], ReceiptError.MISSING_FIELD),
        ("CEB312", [RECEIPTS["CEB312"][0]], ReceiptError.MISSING_FIELD),
        ("CEB816", [{**TAX_BILL, "lines": []}], ReceiptError.MISSING_FIELD),
        ("CEB816", [{**TAX_BILL, "customs_tax": None}], ReceiptError.MISSING_FIELD),
        ("CEB816", [{**TAX_BILL, "lines": TAX_BILL["lines"][:1] * 100}], ReceiptError.TOO_MANY_LINES),
    ],
)
def test_building_refuses_what_the_xsd_would_refuse(message_type, receipts, code):
    with pytest.raises(ReceiptInvalid) as error:
        build_receipt_message(message_type, receipts)
    assert error.value.code == code
