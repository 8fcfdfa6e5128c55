"""Packing slip and shipping label PDFs: Chinese font embedded, one page per label, phone masked unless allowed."""

import base64
import re
import zlib

import pytest

from ecerp.inventory import pdf, services
from tests.inventory.helpers import sku, warehouse
from tests.inventory.shipment_helpers import fresh_carrier, reserved_shipment, scan_all  # noqa: F401

pytestmark = pytest.mark.django_db


def page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page[^s]", data))


def _unescape(literal: bytes) -> bytes:
    out, index = bytearray(), 0
    while index < len(literal):
        if literal[index] == 0x5C:  # backslash: octal or a character escape
            octal = re.match(rb"[0-7]{1,3}", literal[index + 1:index + 4])
            if octal:
                out.append(int(octal.group(), 8) & 0xFF)
                index += 1 + len(octal.group())
                continue
            following = literal[index + 1:index + 2]
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(following, following)
            index += 2
            continue
        out.append(literal[index])
        index += 1
    return bytes(out)


def page_text(data: bytes) -> str:
    """The text drawn on the pages: content streams inflated, each Tj string decoded two ways
    (the CID font's UTF-16BE and plain Latin-1), so a test can look for Chinese and ASCII alike."""
    text = []
    for stream in re.findall(rb"/Filter \[ /ASCII85Decode /FlateDecode \][^>]*>>\s*stream\r?\n(.*?)endstream",
                             data, re.S):
        content = zlib.decompress(base64.a85decode(stream.strip(), adobe=True))
        for literal in re.findall(rb"\(((?:[^\\)]|\\.)*)\) Tj", content, re.S):
            raw = _unescape(literal)
            text.append(raw.decode("utf-16-be", "replace"))
            text.append(raw.decode("latin-1"))
    return "\n".join(text)


def test_labels_are_one_page_each_with_the_waybill_and_a_masked_phone():
    wh, cream = warehouse(), sku()
    parcels = []
    for reference in ("SO1", "SO2"):
        shipment = reserved_shipment([(cream, 1)], wh, reference=reference)
        scan_all(shipment)
        parcels.append(services.ship_shipment(user=None, shipment=shipment, carrier_code="SIM"))
    data = pdf.labels_pdf(parcels)
    assert data.startswith(b"%PDF") and page_count(data) == 2
    text = page_text(data)
    assert parcels[0].waybill_no in text and parcels[1].waybill_no in text
    assert "13812345678" not in text and "138****5678" in text and "张三" in text
    assert "13812345678" in page_text(pdf.label_pdf(parcels[0], reveal=True))


def test_the_packing_slip_lists_the_lines_in_chinese_with_the_consignee_masked():
    wh, cream = warehouse(), sku("保湿面霜")
    shipment = reserved_shipment([(cream, 3)], wh)
    data = pdf.packing_slip_pdf(shipment)
    assert data.startswith(b"%PDF") and page_count(data) == 1
    text = page_text(data)
    assert "保湿面霜" in text and "装箱单" in text
    assert "13812345678" not in text and "世纪大道100号" not in text
    assert "13812345678" in page_text(pdf.packing_slip_pdf(shipment, reveal=True))


def test_long_chinese_text_is_wrapped_or_cut_to_fit_the_label():
    from reportlab.pdfbase import pdfmetrics

    from ecerp.inventory.pdf import LABEL_SIZE, _fit, _wrap

    address = "浙江省杭州市西湖区文三路" * 10
    lines = _wrap(address, LABEL_SIZE[0] - 34, 10, 4)
    assert len(lines) == 4 and lines[-1].endswith("…")
    assert all(pdfmetrics.stringWidth(line, "STSong-Light", 10) <= LABEL_SIZE[0] - 34 for line in lines)
    assert "".join(lines[:3]) == address[:len("".join(lines[:3]))]
    assert _fit("短", 100, 10) == "短"
