"""Printable PDFs of fulfilment: pick lists (拣货单), packing slips (装箱单) and shipping labels (面单).

ReportLab with its built-in CID font STSong-Light, so Chinese renders on a fresh machine with no
font file. The label shows the consignee's phone masked unless the caller may see personal data
(reveal=True); name and address are printed in full on the label (the courier needs them), masked
on the packing slip unless revealed.
"""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics.barcode import code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from ecerp.core.crypto import mask_phone, mask_text
from ecerp.inventory.models import PickWave, Shipment

FONT = "STSong-Light"
LABEL_SIZE = (100 * mm, 150 * mm)  # the usual thermal e-waybill (电子面单)


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _fit(text, width: float, size: float) -> str:
    """text cut so it fits width at size (an ellipsis marks a cut)."""
    text = str(text)
    if pdfmetrics.stringWidth(text, _font(), size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", _font(), size) > width:
        text = text[:-1]
    return text + "…"


def _wrap(text: str, width: float, size: float, max_lines: int) -> list[str]:
    """text broken into at most max_lines lines of width at size (the last one cut if needed)."""
    lines, current = [], ""
    for char in text:
        if pdfmetrics.stringWidth(current + char, _font(), size) > width:
            lines.append(current)
            current = char
        else:
            current += char
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines - 1] + [_fit("".join(lines[max_lines - 1:]), width, size)]
    return lines


def _table(pdf: canvas.Canvas, *, top: float, left: float, widths: list[float], header: list[str],
           rows: list[list[str]], page_height: float, on_new_page) -> float:
    """Draw a simple ruled table, starting new pages as needed; return the y below it."""
    y = top
    row_height = 7 * mm

    def draw_row(values, bold=False):
        nonlocal y
        x = left
        size = 10 if bold else 9
        pdf.setFont(_font(), size)
        for width, value in zip(widths, values, strict=True):
            pdf.drawString(x + 1.5 * mm, y - 5 * mm, _fit(value, width - 3 * mm, size))
            x += width
        pdf.setStrokeColor(colors.grey)
        pdf.line(left, y - row_height, left + sum(widths), y - row_height)
        y -= row_height

    draw_row(header, bold=True)
    for row in rows:
        if y < 25 * mm:
            pdf.showPage()
            y = on_new_page()
            draw_row(header, bold=True)
        draw_row(row)
    return y


def pick_list_pdf(wave: PickWave) -> bytes:
    """The pick list of a wave: one row per SKU in location order, then the parcels it serves."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4
    pdf.setTitle(f"{_('拣货单')} {wave.code}")

    def heading() -> float:
        pdf.setFont(_font(), 16)
        pdf.drawString(20 * mm, height - 20 * mm, f"{_('拣货单')} {wave.code}")
        pdf.setFont(_font(), 10)
        created = timezone.localtime(wave.created_at)
        pdf.drawString(20 * mm, height - 27 * mm, f"{_('仓库')}：{wave.warehouse.code} {wave.warehouse.name}    "
                                                 f"{_('创建时间')}：{created:%Y-%m-%d %H:%M}")
        return height - 35 * mm

    rows = [[line.sequence, line.location.code if line.location else _("未分配库位"), line.product.code,
             line.product.barcode, line.product.name, line.quantity, ""]
            for line in wave.lines.select_related("product", "location")]
    y = _table(pdf, top=heading(), left=15 * mm, widths=[10 * mm, 25 * mm, 30 * mm, 30 * mm, 60 * mm, 15 * mm,
                                                             10 * mm],
               header=["#", _("库位"), _("商品编码"), _("条码"), _("名称"), _("数量"), "✓"], rows=rows,
               page_height=height, on_new_page=heading)
    codes = ", ".join(wave.shipments.order_by("code").values_list("code", flat=True))
    pdf.setFont(_font(), 9)
    for number, text in enumerate(_wrap(f"{_('发货单')}：{codes}", width - 30 * mm, 9, 4)):
        pdf.drawString(15 * mm, max(y - (8 + 5 * number) * mm, 10 * mm), text)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def packing_slip_pdf(shipment: Shipment, *, reveal: bool = False) -> bytes:
    """The packing slip (装箱单) put into the parcel: the lines and who it goes to."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4
    pdf.setTitle(f"{_('装箱单')} {shipment.code}")
    name = shipment.consignee_name if reveal else mask_text(shipment.consignee_name)
    phone = shipment.consignee_phone if reveal else mask_phone(shipment.consignee_phone)
    address = shipment.consignee_address if reveal else mask_text(shipment.consignee_address)

    def heading() -> float:
        pdf.setFont(_font(), 16)
        pdf.drawString(20 * mm, height - 20 * mm, f"{_('装箱单')} {shipment.code}")
        pdf.setFont(_font(), 10)
        pdf.drawString(20 * mm, height - 28 * mm, f"{_('订单号')}：{shipment.reference_code or shipment.reference_id}"
                                                 f"    {_('店铺')}：{shipment.store.name if shipment.store else ''}")
        pdf.drawString(20 * mm, height - 34 * mm, _fit(f"{_('收货人')}：{name}  {phone}", width - 40 * mm, 10))
        pdf.drawString(20 * mm, height - 40 * mm, _fit(f"{_('收货地址')}：{address}", width - 40 * mm, 10))
        return height - 48 * mm

    rows = [[line.line_no, line.product.code, line.product.name, line.product.specification, line.quantity]
            for line in shipment.lines.select_related("product")]
    y = _table(pdf, top=heading(), left=15 * mm, widths=[10 * mm, 35 * mm, 80 * mm, 35 * mm, 20 * mm],
               header=["#", _("商品编码"), _("名称"), _("规格"), _("数量")], rows=rows, page_height=height,
               on_new_page=heading)
    pdf.setFont(_font(), 10)
    pdf.drawString(15 * mm, max(y - 10 * mm, 15 * mm),
                   f"{_('合计件数')}：{sum(row[4] for row in rows)}    {_('感谢您的惠顾！')}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _draw_label(pdf: canvas.Canvas, shipment: Shipment, reveal: bool) -> None:
    width, height = LABEL_SIZE
    pdf.setFont(_font(), 14)
    pdf.drawString(6 * mm, height - 12 * mm, f"{shipment.carrier_code or _('未指定承运商')}")
    if shipment.waybill_no:
        barcode = code128.Code128(shipment.waybill_no, barHeight=18 * mm, barWidth=0.35 * mm)
        barcode.drawOn(pdf, 4 * mm, height - 36 * mm)
        pdf.setFont(_font(), 11)
        pdf.drawString(8 * mm, height - 42 * mm, shipment.waybill_no)
    pdf.line(4 * mm, height - 46 * mm, width - 4 * mm, height - 46 * mm)
    phone = shipment.consignee_phone if reveal else mask_phone(shipment.consignee_phone)
    pdf.setFont(_font(), 12)
    receiver = f"{_('收')}：{shipment.consignee_name}  {phone}"
    pdf.drawString(6 * mm, height - 54 * mm, _fit(receiver, width - 12 * mm, 12))
    pdf.setFont(_font(), 10)
    for number, text in enumerate(_wrap(shipment.consignee_address, width - 12 * mm, 10, 4)):
        pdf.drawString(6 * mm, height - (61 + 6 * number) * mm, text)
    pdf.line(4 * mm, height - 88 * mm, width - 4 * mm, height - 88 * mm)
    pdf.setFont(_font(), 9)
    pdf.drawString(6 * mm, height - 95 * mm, _fit(f"{_('寄')}：{shipment.warehouse.name}", width - 12 * mm, 9))
    pdf.drawString(6 * mm, height - 101 * mm, _fit(f"{_('发货单')}：{shipment.code}  {_('订单号')}："
                                                   f"{shipment.reference_code or shipment.reference_id}",
                                                   width - 12 * mm, 9))
    items = "; ".join(f"{line.product.code}×{line.quantity}" for line in shipment.lines.select_related("product"))
    for number, text in enumerate(_wrap(items, width - 12 * mm, 9, 6)):
        pdf.drawString(6 * mm, height - (108 + 5 * number) * mm, text)
    pdf.showPage()


def labels_pdf(shipments: list[Shipment], *, reveal: bool = False) -> bytes:
    """Shipping labels (面单, 100x150 mm), one page per parcel: carrier, waybill barcode, consignee.

    The phone is masked unless reveal (the caller may see personal data); name and address are
    printed in full, as the courier needs them.
    """
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=LABEL_SIZE)
    pdf.setTitle(_("面单"))
    for shipment in shipments:
        _draw_label(pdf, shipment, reveal)
    pdf.save()
    return buffer.getvalue()


def label_pdf(shipment: Shipment, *, reveal: bool = False) -> bytes:
    """The shipping label of one parcel (see labels_pdf)."""
    return labels_pdf([shipment], reveal=reveal)
