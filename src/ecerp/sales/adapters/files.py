"""Order files: the ECERP template and the order exports of Taobao/Tmall, JD, Pinduoduo and Douyin.

Each parser turns a file into raw order records with the normalised keys (ecerp.sales.normalise)
and a "_row" (the file row of the order's first line) so quarantine messages name the row.
Headers are matched by name through alias tables (never by position: exports drift); the header
row is found by content; cells are cleaned (ecerp.sales.adapters.cells). CSV/xlsx reading and
encoding detection (UTF-8, UTF-8 BOM, GB18030/GBK) come from masterdata.importing.readers.
Amounts stay text here; the ingest service parses and checks them.
"""

from __future__ import annotations

import csv
import io
from collections import OrderedDict
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecerp.masterdata.importing.problems import ImportFailed
from ecerp.masterdata.importing.readers import read_table
from ecerp.sales.adapters.cells import clean, clean_header, split_taobao_address
from ecerp.sales.errors import SalesError, SalesInvalid

FORMATS = ("ecerp", "taobao", "jd", "pdd", "douyin")
FORMAT_LABELS = {"ecerp": gettext_lazy("ECERP 模板"), "taobao": gettext_lazy("淘宝/天猫 订单报表"),
                 "jd": gettext_lazy("京东 订单导出"), "pdd": gettext_lazy("拼多多 订单导出"),
                 "douyin": gettext_lazy("抖店 订单导出")}

# ECERP template: one row per order line; order columns repeat (the first row of an order counts).
TEMPLATE_COLUMNS = [
    ("platform_order_no", "平台订单号"), ("store", "店铺编码"), ("buyer_nick", "买家昵称"),
    ("consignee_name", "收货人"), ("consignee_phone", "联系电话"), ("province", "省"), ("city", "市"),
    ("district", "区"), ("address", "详细地址"), ("freight", "运费"), ("discount", "订单优惠"),
    ("paid_amount", "实付金额"), ("order_time", "下单时间"), ("payment_time", "付款时间"),
    ("buyer_remark", "买家留言"), ("seller_memo", "卖家备注"), ("platform_status", "平台状态"),
    ("refund_status", "退款状态"), ("platform_updated_at", "平台更新时间"),
    ("line.sku_code", "平台商品编码"), ("line.title", "商品名称"), ("line.quantity", "数量"),
    ("line.unit_price", "单价"), ("line.discount", "行优惠"),
]

# The first header each format is recognised by, and the anchor cell used to find the header row.
SIGNATURES = [
    ("ecerp", {"平台订单号", "平台商品编码"}),
    ("douyin", {"主订单编号", "子订单编号"}),
    ("pdd", {"订单号", "商品数量(件)"}),
    ("jd", {"订单号", "订购数量"}),
    ("taobao", {"订单编号", "买家会员名"}),
]
ANCHORS = {"平台订单号", "订单编号", "订单号", "商品", "主订单编号"}


@dataclass
class ParsedFile:
    file_format: str
    records: list[dict]


class Sheet:
    """Rows of a file as dicts keyed by cleaned header, with the alias table applied."""

    def __init__(self, headers: list[str], rows: list[tuple[int, list]]):
        self.headers = [clean_header(header) for header in headers]
        self.rows = rows

    def dicts(self):
        for number, values in self.rows:
            cells = {}
            for header, value in zip(self.headers, values, strict=False):
                if header and header not in cells:
                    cells[header] = clean(value)
            yield number, cells


def _read(content: bytes, filename: str) -> Sheet:
    try:
        table = read_table(content, filename)
    except ImportFailed as error:
        raise SalesInvalid(SalesError.UNREADABLE_FILE, error.details[0].message, field="file") from None
    headers = [clean_header(header) for header in table.headers]
    if headers and headers[0] in ANCHORS:
        return Sheet(table.headers, table.rows)
    # a preamble: the header is the first row whose first cell is an anchor
    for position, (_number, values) in enumerate(table.rows):
        if values and clean_header(values[0]) in ANCHORS:
            return Sheet([str(value or "") for value in values], table.rows[position + 1:])
    return Sheet(table.headers, table.rows)


def detect_format(headers: list[str]) -> str | None:
    present = set(headers)
    for name, needed in SIGNATURES:
        if needed <= present:
            return name
    return None


def _first(cells: dict, *names: str) -> str:
    for name in names:
        value = cells.get(name, "")
        if value:
            return value
    return ""


def _grouped(sheet: Sheet, *key_names: str) -> OrderedDict:
    groups: OrderedDict[str, list[tuple[int, dict]]] = OrderedDict()
    for number, cells in sheet.dicts():
        key = _first(cells, *key_names)
        groups.setdefault(key or f"#row{number}", []).append((number, cells))
    return groups


def parse_ecerp(sheet: Sheet, store: str) -> list[dict]:
    by_label = {label: name for name, label in TEMPLATE_COLUMNS}
    records = []
    for key, rows in _grouped(sheet, "平台订单号").items():
        number, first = rows[0]
        record = {"_row": number, "store": first.get("店铺编码") or store,
                  "platform_order_no": "" if key.startswith("#row") else key, "lines": []}
        for label, name in by_label.items():
            if not name.startswith("line.") and name not in ("store", "platform_order_no"):
                record[name] = first.get(label, "")
        for _number, cells in rows:
            record["lines"].append({name[5:]: cells.get(label, "") for label, name in by_label.items()
                                    if name.startswith("line.")})
        records.append(record)
    return records


def parse_taobao(sheet: Sheet, store: str, items: Sheet | None) -> list[dict]:
    lines_by_order: dict[str, list[dict]] = {}
    if items is not None:
        for _number, cells in items.dicts():
            order_no = _first(cells, "主订单编号", "订单编号")
            lines_by_order.setdefault(order_no, []).append({
                "sku_code": _first(cells, "商家编码", "外部系统编号"),
                "title": _first(cells, "商品标题", "标题"),
                "quantity": cells.get("购买数量", ""),
                "unit_price": _first(cells, "商品价格", "价格"),
            })
    records = []
    for number, cells in sheet.dicts():
        order_no = cells.get("订单编号", "")
        address = split_taobao_address(cells.get("收货地址", ""))
        records.append({
            "_row": number, "store": store, "platform_order_no": order_no,
            "buyer_nick": cells.get("买家会员名", ""), "consignee_name": cells.get("收货人姓名", ""),
            "consignee_phone": _first(cells, "联系手机", "联系电话"), **address,
            "freight": cells.get("买家应付邮费", ""), "paid_amount": _first(cells, "买家实际支付金额", "买家实付金额"),
            "order_time": cells.get("订单创建时间", ""), "payment_time": cells.get("订单付款时间", ""),
            "buyer_remark": cells.get("买家留言", ""), "seller_memo": _first(cells, "订单备注", "商家备注"),
            "platform_status": cells.get("订单状态", ""),
            "refund_status": "" if clean(cells.get("退款金额", "")) in ("", "0", "0.00") else _("退款金额 %(amount)s")
            % {"amount": cells.get("退款金额")},
            "lines": lines_by_order.get(order_no, []),
        })
    return records


def parse_jd(sheet: Sheet, store: str) -> list[dict]:
    records = []
    for key, rows in _grouped(sheet, "订单号").items():
        number, first = rows[0]
        records.append({
            "_row": number, "store": store, "platform_order_no": "" if key.startswith("#row") else key,
            "buyer_nick": first.get("下单帐号", ""), "consignee_name": first.get("客户姓名", ""),
            "consignee_phone": first.get("联系电话", ""), "address": first.get("客户地址", ""),
            "freight": first.get("运费金额", ""), "paid_amount": first.get("应付金额", ""),
            "order_time": first.get("下单时间", ""), "payment_time": first.get("付款确认时间", ""),
            "buyer_remark": first.get("订单备注", ""), "seller_memo": first.get("商家备注", ""),
            "platform_status": first.get("订单状态", ""),
            "lines": [{"sku_code": _first(cells, "货号", "商家SKUID", "商品ID"), "title": cells.get("商品名称", ""),
                       "quantity": cells.get("订购数量", ""), "unit_price": cells.get("京东价", "")}
                      for _number, cells in rows],
        })
    return records


def parse_pdd(sheet: Sheet, store: str) -> list[dict]:
    records = []
    for number, cells in sheet.dicts():
        quantity = cells.get("商品数量(件)", "")
        total = cells.get("商品总价(元)", "")
        records.append({
            "_row": number, "store": store, "platform_order_no": cells.get("订单号", ""),
            "consignee_name": cells.get("收货人", ""), "consignee_phone": _first(cells, "手机", "收货人手机号"),
            "province": cells.get("省", ""), "city": cells.get("市", ""), "district": cells.get("区", ""),
            "address": _first(cells, "街道/镇", "街道"), "freight": cells.get("邮费(元)", ""),
            "paid_amount": cells.get("用户实付金额(元)", ""), "order_time": cells.get("订单成交时间", ""),
            "payment_time": cells.get("支付时间", ""), "buyer_remark": cells.get("买家留言", ""),
            "seller_memo": cells.get("商家备注", ""), "platform_status": cells.get("订单状态", ""),
            "refund_status": "" if cells.get("售后状态", "") in ("", "无售后或售后取消") else cells["售后状态"],
            "lines": [{"sku_code": _first(cells, "商家编码-规格维度", "商家编码-SKU维度", "商家编码-商品维度"),
                       "title": " ".join(part for part in (cells.get("商品", ""), cells.get("商品规格", "")) if part),
                       "quantity": quantity, "unit_price": _unit_price(total, quantity)}],
        })
    return records


def _unit_price(total: str, quantity: str) -> str:
    """PDD gives the line total only: unit price = total / quantity (kept as text when not numbers)."""
    from decimal import Decimal, InvalidOperation

    try:
        count = int(quantity)
        return str((Decimal(total) / count).quantize(Decimal("0.0001"))) if count > 0 else total
    except (ValueError, InvalidOperation, ZeroDivisionError):
        return total


def parse_douyin(sheet: Sheet, store: str) -> list[dict]:
    records = []
    for key, rows in _grouped(sheet, "主订单编号").items():
        number, first = rows[0]
        records.append({
            "_row": number, "store": store, "platform_order_no": "" if key.startswith("#row") else key,
            "consignee_name": first.get("收件人", ""), "consignee_phone": first.get("收件人手机号", ""),
            "province": first.get("省", ""), "city": first.get("市", ""), "district": first.get("区", ""),
            "address": " ".join(part for part in (first.get("街道", ""), first.get("详细地址", "")) if part),
            "freight": first.get("运费", ""), "paid_amount": first.get("订单应付金额", ""),
            "discount": first.get("优惠总金额", ""), "order_time": first.get("订单提交时间", ""),
            "payment_time": first.get("支付完成时间", ""), "buyer_remark": first.get("买家留言", ""),
            "seller_memo": first.get("商家备注", ""), "platform_status": first.get("订单状态", ""),
            "refund_status": first.get("售后状态", ""),
            "lines": [{"sku_code": _first(cells, "商家编码", "货号"),
                       "title": " ".join(part for part in (cells.get("选购商品", ""), cells.get("商品规格", ""))
                                         if part),
                       "quantity": cells.get("商品数量", ""), "unit_price": _first(cells, "商品单价", "商品金额")}
                      for _number, cells in rows],
        })
    return records


def parse_order_file(content: bytes, filename: str = "", *, store: str = "", file_format: str = "auto",
                     items_content: bytes | None = None, items_filename: str = "") -> ParsedFile:
    """Parse an order file into raw records; raise SalesInvalid UNREADABLE_FILE / UNKNOWN_FORMAT.

    Taobao's 订单报表 has no SKU lines: pass its 宝贝报表 as items_content (without it every order
    is quarantined with NO_LINES, since the ERP cannot know what to ship).
    """
    sheet = _read(content, filename)
    detected = detect_format(sheet.headers)
    chosen = detected if file_format in ("", "auto") else file_format
    if chosen not in FORMATS or (file_format not in ("", "auto") and detected not in (None, file_format)):
        raise SalesInvalid(SalesError.UNKNOWN_FORMAT,
                           _("无法识别的订单文件格式（表头：%(headers)s）") % {"headers": "、".join(sheet.headers[:6])},
                           field="file")
    if chosen == "ecerp":
        records = parse_ecerp(sheet, store)
    elif chosen == "taobao":
        items = _read(items_content, items_filename) if items_content else None
        records = parse_taobao(sheet, store, items)
    elif chosen == "jd":
        records = parse_jd(sheet, store)
    elif chosen == "pdd":
        records = parse_pdd(sheet, store)
    else:
        records = parse_douyin(sheet, store)
    return ParsedFile(file_format=chosen, records=records)


def template_csv() -> bytes:
    """The ECERP order template (UTF-8 with BOM so Excel shows the Chinese headers), with one example row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for _name, label in TEMPLATE_COLUMNS])
    writer.writerow(["EX-0001", "", "buyer_demo", "张三", "13800000000", "浙江省", "杭州市", "西湖区",
                     "文三路1号", "0.00", "5.00", "94.00", "2024-05-01 10:00:00", "2024-05-01 10:00:10", "", "",
                     "待发货", "", "2024-05-01 10:00:10", "SKU-001", "示例商品", "1", "99.00", ""])
    return buffer.getvalue().encode("utf-8-sig")
