"""Turn one raw order record (any source, already mapped to the normalised keys) into a checked order.

Pure: no database. Every problem is collected (not just the first) as an ErrorDetail with a
stable code and a Chinese message naming the field (and the line). Store existence is checked by
the ingest service, which knows the stores.

Record keys: store, platform_order_no, buyer_nick, consignee_name, consignee_phone, province, city,
district, address, freight, discount, paid_amount, order_time, payment_time, buyer_remark,
seller_memo, platform_status, refund_status, platform_updated_at, lines: [{sku_code, title,
quantity, unit_price, discount}]. A "_row" key (file row number) is carried into error messages.
"""

from __future__ import annotations

import datetime
import functools
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from ecerp.core.errors import DomainError, ErrorDetail
from ecerp.core.money import parse_decimal, parse_quantity
from ecerp.sales import calculations
from ecerp.sales.errors import SalesError

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d",
                "%Y/%m/%d")
TEXT_LIMITS = {"platform_order_no": 64, "buyer_nick": 100, "province": 40, "city": 40, "district": 40,
               "platform_status": 60, "refund_status": 60}
TEXT_FIELDS = ("buyer_nick", "consignee_name", "consignee_phone", "province", "city", "district", "address",
               "buyer_remark", "seller_memo", "platform_status", "refund_status")


def field_labels() -> dict:
    return {
        "store": _("店铺编码"), "platform_order_no": _("平台订单号"), "freight": _("运费"), "discount": _("优惠"),
        "paid_amount": _("实付金额"), "order_time": _("下单时间"), "payment_time": _("付款时间"),
        "platform_updated_at": _("平台更新时间"), "lines": _("商品明细"), "sku_code": _("平台商品编码"),
        "quantity": _("数量"), "unit_price": _("单价"), "title": _("商品名称"),
    }


@dataclass
class NormalisedLine:
    sku_code: str
    title: str
    quantity: int
    unit_price: Decimal
    discount: Decimal = Decimal("0.00")
    amount: Decimal = Decimal("0.00")


@dataclass
class NormalisedOrder:
    store_code: str
    platform_order_no: str
    lines: list[NormalisedLine]
    freight: Decimal
    discount: Decimal
    paid_amount: Decimal
    goods_amount: Decimal
    order_time: datetime.datetime | None
    payment_time: datetime.datetime | None
    platform_updated_at: datetime.datetime | None
    texts: dict = field(default_factory=dict)
    digest: str = ""
    # canonical() as normalise_record computed it for the digest (the order is not changed after that)
    _canonical: dict | None = field(default=None, repr=False, compare=False)

    def canonical(self) -> dict:
        """The order as plain strings: what the hash covers and what the order keeps as its payload.

        Computed once by normalise_record; treat the dict as read-only (mask_record copies it)."""
        if self._canonical is not None:
            return self._canonical

        def when(value):
            return value.isoformat() if value else ""
        return {
            "store": self.store_code, "platform_order_no": self.platform_order_no,
            **{name: self.texts.get(name, "") for name in TEXT_FIELDS},
            "freight": str(self.freight), "discount": str(self.discount), "paid_amount": str(self.paid_amount),
            "order_time": when(self.order_time), "payment_time": when(self.payment_time),
            "platform_updated_at": when(self.platform_updated_at),
            "lines": [{"sku_code": line.sku_code, "title": line.title, "quantity": line.quantity,
                       "unit_price": str(line.unit_price), "discount": str(line.discount)} for line in self.lines],
        }

    @property
    def version(self) -> tuple:
        return calculations.version_key(self.platform_updated_at, self.digest)


class RecordInvalid(Exception):
    def __init__(self, details: list[ErrorDetail]):
        self.details = details
        super().__init__("; ".join(detail.message for detail in details))


def _text(value) -> str:
    if value is None:
        return ""
    return str(value).strip()


def parse_time(value) -> datetime.datetime | None:
    """A platform time: ISO 8601 (with or without offset) or Chinese export formats, Beijing time if naive."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        parsed = value
    else:
        text = str(value).strip()
        if not text:
            return None
        parsed = None
        try:
            parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            for pattern in TIME_FORMATS:
                try:
                    parsed = datetime.datetime.strptime(text, pattern)
                    break
                except ValueError:
                    continue
        if parsed is None:
            raise ValueError(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=BEIJING)
    return parsed


# A batch repeats the same amount and time texts ("20.00", "0.00", one export time...): each distinct text
# is parsed once per process (the results are immutable; a text that fails raises each time, uncached).
@functools.lru_cache(maxsize=4096)
def _number_text(text: str, places: int) -> Decimal | None:
    return parse_decimal(text, places=places)


@functools.lru_cache(maxsize=4096)
def _time_text(text: str) -> datetime.datetime | None:
    return parse_time(text)


class _Collector:
    def __init__(self, row):
        self.details: list[ErrorDetail] = []
        self.row = row

    def label(self, name: str, line: int | None) -> str:
        text = str(field_labels().get(name, name))  # only when a record has a problem
        if line is not None:
            text = _("第 %(line)s 行明细的「%(label)s」") % {"line": line, "label": text}
        else:
            text = f"「{text}」"
        if self.row is not None:
            text = _("文件第 %(row)s 行：%(label)s") % {"row": self.row, "label": text}
        return text

    def add(self, code, name: str, reason: str, line: int | None = None) -> None:
        path = name if line is None else f"lines.{line}.{name}"
        message = _("%(label)s%(reason)s") % {"label": self.label(name, line), "reason": reason}
        self.details.append(ErrorDetail(code=str(code), message=message, field=path, row=self.row))

    def number(self, raw, name: str, *, line: int | None = None, required: bool = False, places: int = 2):
        try:
            value = _number_text(raw, places) if type(raw) is str else parse_decimal(raw, field=name, places=places)
        except DomainError:
            self.add(SalesError.INVALID_AMOUNT, name, _("不是有效的金额：%(value)s") % {"value": raw}, line)
            return None
        if value is None and required:
            self.add(SalesError.MISSING_FIELD, name, _("不能为空"), line)
        return value

    def time(self, raw, name: str):
        try:
            return _time_text(raw) if type(raw) is str else parse_time(raw)
        except ValueError:
            self.add(SalesError.INVALID_TIME, name, _("不是有效的时间：%(value)s") % {"value": raw})
            return None


def normalise_record(record, *, default_store: str = "") -> NormalisedOrder:
    """Check and normalise one raw record; raise RecordInvalid with every problem found.

    Missing discount: derived from gross + freight - paid. Missing paid amount: gross + freight - discount.
    The order discount is then spread over lines without their own discount (pro rata, to the cent).
    """
    if not isinstance(record, dict):
        raise RecordInvalid([ErrorDetail(code=SalesError.INVALID_RECORD, message=_("记录必须是 JSON 对象"))])
    check = _Collector(record.get("_row"))
    store_code = _text(record.get("store")) or default_store
    order_no = _text(record.get("platform_order_no"))
    if not store_code:
        check.add(SalesError.UNKNOWN_STORE, "store", _("不能为空"))
    if not order_no:
        check.add(SalesError.MISSING_FIELD, "platform_order_no", _("不能为空"))
    texts = {name: _text(record.get(name)) for name in TEXT_FIELDS}
    for name, limit in TEXT_LIMITS.items():
        value = order_no if name == "platform_order_no" else texts.get(name, "")
        if len(value) > limit:
            check.add(SalesError.INVALID_RECORD, name, _("最长 %(limit)s 个字符") % {"limit": limit})
    freight = check.number(record.get("freight"), "freight")
    discount = check.number(record.get("discount"), "discount")
    paid = check.number(record.get("paid_amount"), "paid_amount")
    times = {name: check.time(record.get(name), name) for name in ("order_time", "payment_time",
                                                                    "platform_updated_at")}
    raw_lines = record.get("lines")
    lines: list[NormalisedLine] = []
    own_discounts: list[Decimal | None] = []
    if not isinstance(raw_lines, list) or not raw_lines:
        check.add(SalesError.NO_LINES, "lines", _("至少需要一行商品"))
        raw_lines = []
    for number, raw in enumerate(raw_lines, start=1):
        if not isinstance(raw, dict):
            check.add(SalesError.INVALID_RECORD, "lines", _("必须是 JSON 对象"), number)
            continue
        sku = _text(raw.get("sku_code"))
        if not sku:
            check.add(SalesError.MISSING_FIELD, "sku_code", _("不能为空"), number)
        elif len(sku) > 80:
            check.add(SalesError.INVALID_RECORD, "sku_code", _("最长 %(limit)s 个字符") % {"limit": 80}, number)
        quantity = None
        try:
            quantity = parse_quantity(raw.get("quantity"), field="quantity")
        except DomainError:
            check.add(SalesError.INVALID_QUANTITY, "quantity",
                      _("必须是正整数：%(value)s") % {"value": raw.get("quantity")}, number)
        else:
            if quantity is None:
                check.add(SalesError.MISSING_FIELD, "quantity", _("不能为空"), number)
        price = check.number(raw.get("unit_price"), "unit_price", line=number, required=True, places=4)
        own = check.number(raw.get("discount"), "discount", line=number)
        if sku and quantity and price is not None:
            lines.append(NormalisedLine(sku_code=sku, title=_text(raw.get("title"))[:300], quantity=quantity,
                                        unit_price=price))
            own_discounts.append(own)
    if check.details:
        raise RecordInvalid(check.details)
    freight = freight or Decimal("0.00")
    grosses = [calculations.line_gross(line.quantity, line.unit_price) for line in lines]
    gross_total = sum(grosses, Decimal("0.00"))
    line_discounts = sum((own for own in own_discounts if own is not None), Decimal("0.00"))
    if discount is None:
        discount = (calculations.derived_discount(gross_total, freight, paid) if paid is not None
                    else line_discounts)
    if paid is None:
        paid = max(Decimal("0.00"), calculations.cents(gross_total + freight - discount))
    undiscounted = [index for index, own in enumerate(own_discounts) if own is None]
    spread = calculations.allocate_discount([grosses[index] for index in undiscounted],
                                            max(Decimal("0.00"), discount - line_discounts))
    for index, part in zip(undiscounted, spread, strict=True):
        own_discounts[index] = part
    for line, gross, own in zip(lines, grosses, own_discounts, strict=True):
        line.discount = calculations.cents(own)
        line.amount = gross - line.discount
        if line.amount < 0:
            check.add(SalesError.INVALID_AMOUNT, "discount", _("优惠不能大于商品金额"), lines.index(line) + 1)
    if check.details:
        raise RecordInvalid(check.details)
    order = NormalisedOrder(
        store_code=store_code, platform_order_no=order_no, lines=lines, freight=freight,
        discount=calculations.cents(discount), paid_amount=paid, goods_amount=gross_total,
        order_time=times["order_time"], payment_time=times["payment_time"],
        platform_updated_at=times["platform_updated_at"], texts=texts,
    )
    order._canonical = order.canonical()
    order.digest = calculations.payload_hash(order._canonical)
    return order
