"""Schemas (django-ninja) of the inventory API. Money and unit costs travel as decimal strings."""

import datetime

from ninja import Field, Schema

from ecerp.masterdata.schemas import DecimalText, OptionalDecimalIn, OptionalDecimalText


def _code(obj, attribute: str) -> str | None:
    related = getattr(obj, attribute, None)
    return related.code if related is not None else None


class BalanceOut(Schema):
    product_id: int
    sku: str = Field(..., alias="product.code")
    name: str = Field(..., alias="product.name")
    warehouse_id: int
    warehouse: str = Field(..., alias="warehouse.code")
    on_hand: int
    reserved: int
    available: int
    value: DecimalText = Field(..., description="book value in yuan (decimal string)")
    avg_cost: DecimalText = Field(..., description="moving-average unit cost, 6 places (decimal string)")
    updated_at: datetime.datetime


class BalanceFilter(Schema):
    sku: str | None = Field(None, description="exact SKU code")
    product_id: int | None = None
    warehouse_id: int | None = None
    category_id: int | None = Field(None, description="a category and everything below it")
    q: str | None = Field(None, description="SKU code or name contains, or exact barcode")
    only_with_stock: bool = False
    changed_since: datetime.datetime | None = Field(None, description="balances changed at or after this time")


class MoveOut(Schema):
    id: int
    kind: str
    product_id: int
    sku: str = Field(..., alias="product.code")
    warehouse_id: int
    warehouse: str = Field(..., alias="warehouse.code")
    location: str | None = None
    quantity: int = Field(..., description="signed: + in, - out")
    unit_cost: DecimalText
    value: DecimalText = Field(..., description="signed value in yuan")
    balance_quantity: int
    balance_value: DecimalText
    document_type: str
    document_id: str
    document_code: str
    document_line: str
    occurred_at: datetime.datetime
    user: str | None = None
    reason: str

    @staticmethod
    def resolve_location(obj) -> str | None:
        return _code(obj, "location")

    @staticmethod
    def resolve_user(obj) -> str | None:
        return obj.user.username if obj.user_id else None


class MoveFilter(Schema):
    product_id: int | None = None
    sku: str | None = None
    warehouse_id: int | None = None
    kind: str | None = None
    document_code: str | None = None
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None


class ReportFilter(Schema):
    start: datetime.date
    end: datetime.date
    warehouse_id: int | None = None
    product_id: int | None = None
    q: str | None = None


class ReportRowOut(Schema):
    product_id: int
    product_code: str
    product_name: str
    warehouse_id: int
    warehouse_code: str
    warehouse_name: str
    opening_quantity: int
    opening_value: DecimalText
    in_quantity: int
    in_value: DecimalText
    out_quantity: int
    out_value: DecimalText
    closing_quantity: int
    closing_value: DecimalText


class InTransitOut(Schema):
    product_id: int
    sku: str = Field(..., alias="product__code")
    to_warehouse_id: int = Field(..., alias="transfer__to_warehouse_id")
    to_warehouse: str = Field(..., alias="transfer__to_warehouse__code")
    quantity: int
    value: OptionalDecimalText


class BundleAvailableOut(Schema):
    product_id: int
    warehouse_id: int
    available: int


# --- documents -----------------------------------------------------------------------------------------

class LineIn(Schema):
    product_id: int | None = Field(None, description="the SKU by id, or give sku")
    sku: str | None = Field(None, description="the SKU by code")
    quantity: int
    unit_cost: OptionalDecimalIn = Field(None, description="receipts only; blank: the book's average")
    location_id: int | None = None


class StockDocumentIn(Schema):
    direction: str = Field(..., description="receipt (其他入库) or issue (其他出库)")
    warehouse_id: int
    reason: str = Field("", max_length=200)
    lines: list[LineIn] = Field(default_factory=list)
    confirm: bool = Field(False, description="confirm (post) at once")


class DocumentLineOut(Schema):
    line_no: int
    product_id: int
    sku: str = Field(..., alias="product.code")
    quantity: int
    unit_cost: OptionalDecimalText
    value: OptionalDecimalText
    location: str | None = None

    @staticmethod
    def resolve_location(obj) -> str | None:
        return _code(obj, "location")


class StockDocumentOut(Schema):
    id: int
    code: str
    direction: str
    warehouse_id: int
    warehouse: str = Field(..., alias="warehouse.code")
    status: str
    reason: str
    created_at: datetime.datetime
    confirmed_at: datetime.datetime | None
    lines: list[DocumentLineOut]

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.select_related("product", "location"))


class TransferIn(Schema):
    from_warehouse_id: int
    to_warehouse_id: int
    reason: str = Field("", max_length=200)
    lines: list[LineIn] = Field(default_factory=list)
    ship: bool = Field(False, description="ship at once")


class TransferLineOut(Schema):
    line_no: int
    product_id: int
    sku: str = Field(..., alias="product.code")
    quantity: int
    unit_cost: OptionalDecimalText
    value: OptionalDecimalText


class TransferOut(Schema):
    id: int
    code: str
    from_warehouse_id: int
    from_warehouse: str = Field(..., alias="from_warehouse.code")
    to_warehouse_id: int
    to_warehouse: str = Field(..., alias="to_warehouse.code")
    status: str
    reason: str
    created_at: datetime.datetime
    shipped_at: datetime.datetime | None
    received_at: datetime.datetime | None
    lines: list[TransferLineOut]

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.select_related("product"))


class StocktakeIn(Schema):
    warehouse_id: int
    reason: str = Field("", max_length=200)
    start: bool = Field(False, description="start counting at once (snapshot the book)")


class StocktakeLineIn(Schema):
    product_id: int | None = None
    sku: str | None = None
    location_id: int | None = None
    counted_quantity: int | None = None


class CountIn(Schema):
    product_id: int | None = None
    sku: str | None = None
    counted_quantity: int


class CountsIn(Schema):
    counts: list[CountIn]


class StocktakeLineOut(Schema):
    product_id: int
    sku: str = Field(..., alias="product.code")
    location: str | None = None
    book_quantity: int
    counted_quantity: int | None
    difference: int | None
    unit_cost: OptionalDecimalText
    value: OptionalDecimalText

    @staticmethod
    def resolve_location(obj) -> str | None:
        return _code(obj, "location")


class StocktakeOut(Schema):
    id: int
    code: str
    warehouse_id: int
    warehouse: str = Field(..., alias="warehouse.code")
    status: str
    reason: str
    created_at: datetime.datetime
    counting_at: datetime.datetime | None
    approved_at: datetime.datetime | None
    lines: list[StocktakeLineOut]

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.select_related("product", "location"))
