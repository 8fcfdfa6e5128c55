"""The declaration documents ECERP sends to customs, as plain frozen dataclasses.

One dataclass per business entity of the import XSD (ceb-import-202205.xsd): the order (CEB311), the
payment voucher (CEB411), the waybill (CEB511) and its status (CEB513), the goods list (CEB621), its
cancellation (CEB623) and return (CEB625), and the warehouse-entry detail (CEB711). Field names are the
XSD element names in snake_case; where the conversion is not mechanical (none today, but the official
misspellings such as acturalPaid are kept on purpose) the table LAYOUTS says which element a field
becomes. LAYOUTS is the one place that maps fields onto elements: it lists, per XSD element, the
children in the XSD's order with their kind and whether the XSD requires them. The builder
(ecerp.customs.messages.build) walks it; the receipt parser and the simulator may read it too.

Conventions of the values:
- money and quantities are Decimal (int accepted for quantities); never float;
- times (app_time, pay_time, logistics_time) are datetimes, written as YYYYMMDDhhmmss in Beijing time
  (an aware datetime is converted to Asia/Shanghai, a naive one is taken as Beijing time);
- dates (decl_time, ie_date) are dates, written as YYYYMMDD;
- an optional element is left out when its value is "" or None.

appStatus: the specification's default is 2 (declare) for 311/411/511/513 and 1 (temporary save at
E-port) for 621/623/625/711. ECERP declares what it sends and signs every message, so every document
here defaults to "2"; pass app_status="1" to stage a document at E-port instead.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

CURRENCY_CNY = "142"
ID_TYPE_RESIDENT_CARD = "1"
DECLARE = "2"


def new_guid() -> str:
    """Return a new 36-character uppercase UUID, the form customs expects for every guid."""
    return str(uuid.uuid4()).upper()


Amount = Decimal
Quantity = Decimal | int


@dataclass(frozen=True, kw_only=True, slots=True)
class BaseTransfer:
    """The transmitting enterprise (copCode/copName) and its DXP identity, closing every declaration."""

    cop_code: str
    cop_name: str
    dxp_mode: str = "DXP"
    dxp_id: str
    note: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class OrderLineDocument:
    """One OrderList line of CEB311 (gnum counts from 1, one-to-one with the goods list)."""

    gnum: int
    item_no: str = ""
    item_name: str
    gmodel: str
    item_describe: str = ""
    bar_code: str = ""
    unit: str
    qty: Quantity
    price: Amount
    total_price: Amount
    currency: str = CURRENCY_CNY
    country: str
    note: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class OrderDocument:
    """The electronic order (CEB311 OrderHead + OrderList lines)."""

    guid: str = field(default_factory=new_guid)
    app_type: str = "1"
    app_time: datetime
    app_status: str = DECLARE
    order_type: str = "I"
    order_no: str
    ebp_code: str
    ebp_name: str
    ebc_code: str
    ebc_name: str
    goods_value: Amount
    freight: Amount = Decimal(0)
    discount: Amount = Decimal(0)
    tax_total: Amount = Decimal(0)
    actural_paid: Amount
    currency: str = CURRENCY_CNY
    buyer_reg_no: str
    buyer_name: str
    buyer_telephone: str
    buyer_id_type: str = ID_TYPE_RESIDENT_CARD
    buyer_id_number: str
    pay_code: str = ""
    pay_name: str = ""
    pay_transaction_id: str = ""
    batch_numbers: str = ""
    consignee: str
    consignee_telephone: str
    consignee_address: str
    consignee_district: str = ""
    note: str = ""
    lines: tuple[OrderLineDocument, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class PaymentDocument:
    """The payment voucher (CEB411 PaymentHead); amount_paid must equal the order's actural_paid."""

    guid: str = field(default_factory=new_guid)
    app_type: str = "1"
    app_time: datetime
    app_status: str = DECLARE
    pay_code: str
    pay_name: str
    pay_transaction_id: str
    order_no: str
    ebp_code: str
    ebp_name: str
    payer_id_type: str = ID_TYPE_RESIDENT_CARD
    payer_id_number: str
    payer_name: str
    telephone: str = ""
    amount_paid: Amount
    currency: str = CURRENCY_CNY
    pay_time: datetime
    note: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class WaybillDocument:
    """The electronic waybill (CEB511 LogisticsHead). freight/insured_fee None leaves them out."""

    guid: str = field(default_factory=new_guid)
    app_type: str = "1"
    app_time: datetime
    app_status: str = DECLARE
    logistics_code: str
    logistics_name: str
    logistics_no: str
    bill_no: str = ""
    order_no: str
    freight: Amount | None = Decimal(0)
    insured_fee: Amount | None = Decimal(0)
    currency: str = CURRENCY_CNY
    weight: Amount
    pack_no: int = 1
    goods_info: str = ""
    consignee: str
    consignee_address: str
    consignee_telephone: str
    note: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class WaybillStatusDocument:
    """The waybill status (CEB513 LogisticsStatus): only the sign-off, status "S"."""

    guid: str = field(default_factory=new_guid)
    app_type: str = "1"
    app_time: datetime
    app_status: str = DECLARE
    logistics_code: str
    logistics_name: str
    logistics_no: str
    logistics_status: str = "S"
    logistics_time: datetime
    note: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class InventoryLineDocument:
    """One InventoryList line of CEB621 (gnum one-to-one with the order's gnum)."""

    gnum: int
    item_record_no: str = ""
    item_no: str = ""
    item_name: str = ""
    gcode: str
    gname: str
    gmodel: str
    bar_code: str = ""
    country: str
    trade_country: str = ""
    currency: str = CURRENCY_CNY
    qty: Quantity
    unit: str
    qty1: Quantity
    unit1: str
    qty2: Quantity | None = None
    unit2: str = ""
    price: Amount
    total_price: Amount
    note: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class InventoryDocument:
    """The import goods list (CEB621 InventoryHead + InventoryList lines), declared by the broker."""

    guid: str = field(default_factory=new_guid)
    app_type: str = "1"
    app_time: datetime
    app_status: str = DECLARE
    order_no: str
    ebp_code: str
    ebp_name: str
    ebc_code: str
    ebc_name: str
    logistics_no: str
    logistics_code: str
    logistics_name: str
    cop_no: str = ""
    pre_no: str = ""
    assure_code: str
    ems_no: str = ""
    invt_no: str = ""
    ie_flag: str = "I"
    decl_time: date
    customs_code: str
    port_code: str
    ie_date: date | None = None
    buyer_id_type: str = ID_TYPE_RESIDENT_CARD
    buyer_id_number: str
    buyer_name: str
    buyer_telephone: str
    consignee_address: str
    agent_code: str
    agent_name: str
    area_code: str = ""
    area_name: str = ""
    trade_mode: str
    traf_mode: str
    traf_no: str = ""
    voyage_no: str = ""
    bill_no: str = ""
    loct_no: str = ""
    license_no: str = ""
    country: str
    freight: Amount = Decimal(0)
    insured_fee: Amount = Decimal(0)
    currency: str = CURRENCY_CNY
    wrap_type: str = ""
    pack_no: int = 1
    gross_weight: Amount
    net_weight: Amount
    note: str = ""
    lines: tuple[InventoryLineDocument, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class CancelDocument:
    """The cancellation of a goods list (CEB623 InvtCancel); app_type must stay "1"."""

    guid: str = field(default_factory=new_guid)
    app_type: str = "1"
    app_time: datetime
    app_status: str = DECLARE
    customs_code: str
    order_no: str
    ebp_code: str
    ebp_name: str
    ebc_code: str
    ebc_name: str
    logistics_no: str
    logistics_code: str
    logistics_name: str
    cop_no: str = ""
    pre_no: str = ""
    invt_no: str
    buyer_id_type: str = ID_TYPE_RESIDENT_CARD
    buyer_id_number: str
    buyer_name: str
    buyer_telephone: str
    agent_code: str
    agent_name: str
    reason: str
    note: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class RefundLineDocument:
    """One InvtRefundList line of CEB625 (gnum = the original list's item number)."""

    gnum: int
    gcode: str
    gname: str
    qty: Quantity
    unit: str
    note: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class RefundDocument:
    """The return of released goods (CEB625 InvtRefundHead + InvtRefundList lines)."""

    guid: str = field(default_factory=new_guid)
    app_type: str = "1"
    app_time: datetime
    app_status: str = DECLARE
    customs_code: str
    order_no: str
    ebp_code: str
    ebp_name: str
    ebc_code: str
    ebc_name: str
    logistics_no: str
    logistics_code: str
    logistics_name: str
    cop_no: str = ""
    pre_no: str = ""
    invt_no: str
    buyer_id_type: str = ID_TYPE_RESIDENT_CARD
    buyer_id_number: str
    buyer_name: str
    buyer_telephone: str
    agent_code: str
    agent_name: str
    reason: str
    note: str = ""
    lines: tuple[RefundLineDocument, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class DeliveryLineDocument:
    """One DeliveryList line of CEB711: a sub waybill (logistics_no) under the master bill."""

    gnum: int
    logistics_no: str
    note: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class DeliveryDocument:
    """The warehouse-entry detail (CEB711 DeliveryHead + DeliveryList): master bill and its parcels."""

    guid: str = field(default_factory=new_guid)
    app_type: str = "1"
    app_time: datetime
    app_status: str = DECLARE
    customs_code: str
    cop_no: str = ""
    pre_no: str = ""
    rkd_no: str = ""
    operator_code: str
    operator_name: str
    ie_flag: str = "I"
    traf_mode: str
    traf_no: str
    voyage_no: str
    bill_no: str
    logistics_code: str
    logistics_name: str
    unload_location: str = ""
    note: str = ""
    lines: tuple[DeliveryLineDocument, ...]


# Kinds of element values.
TEXT = "text"
DECIMAL = "decimal"
INT = "int"
TIME = "time"  # YYYYMMDDhhmmss
DATE = "date"  # YYYYMMDD

REQUIRED = True
OPTIONAL = False

_HEADER = (
    ("guid", "guid", TEXT, REQUIRED),
    ("app_type", "appType", TEXT, REQUIRED),
    ("app_time", "appTime", TIME, REQUIRED),
    ("app_status", "appStatus", TEXT, REQUIRED),
)

# XSD element -> its children in the XSD's order: (field, element name, kind, required by the XSD).
LAYOUTS: dict[str, tuple[tuple[str, str, str, bool], ...]] = {
    "BaseTransfer": (
        ("cop_code", "copCode", TEXT, REQUIRED),
        ("cop_name", "copName", TEXT, REQUIRED),
        ("dxp_mode", "dxpMode", TEXT, REQUIRED),
        ("dxp_id", "dxpId", TEXT, REQUIRED),
        ("note", "note", TEXT, OPTIONAL),
    ),
    "OrderHead": _HEADER + (
        ("order_type", "orderType", TEXT, REQUIRED),
        ("order_no", "orderNo", TEXT, REQUIRED),
        ("ebp_code", "ebpCode", TEXT, REQUIRED),
        ("ebp_name", "ebpName", TEXT, REQUIRED),
        ("ebc_code", "ebcCode", TEXT, REQUIRED),
        ("ebc_name", "ebcName", TEXT, REQUIRED),
        ("goods_value", "goodsValue", DECIMAL, REQUIRED),
        ("freight", "freight", DECIMAL, REQUIRED),
        ("discount", "discount", DECIMAL, REQUIRED),
        ("tax_total", "taxTotal", DECIMAL, REQUIRED),
        ("actural_paid", "acturalPaid", DECIMAL, REQUIRED),
        ("currency", "currency", TEXT, REQUIRED),
        ("buyer_reg_no", "buyerRegNo", TEXT, REQUIRED),
        ("buyer_name", "buyerName", TEXT, REQUIRED),
        ("buyer_telephone", "buyerTelephone", TEXT, REQUIRED),
        ("buyer_id_type", "buyerIdType", TEXT, REQUIRED),
        ("buyer_id_number", "buyerIdNumber", TEXT, REQUIRED),
        ("pay_code", "payCode", TEXT, OPTIONAL),
        ("pay_name", "payName", TEXT, OPTIONAL),
        ("pay_transaction_id", "payTransactionId", TEXT, OPTIONAL),
        ("batch_numbers", "batchNumbers", TEXT, OPTIONAL),
        ("consignee", "consignee", TEXT, REQUIRED),
        ("consignee_telephone", "consigneeTelephone", TEXT, REQUIRED),
        ("consignee_address", "consigneeAddress", TEXT, REQUIRED),
        ("consignee_district", "consigneeDistrict", TEXT, OPTIONAL),
        ("note", "note", TEXT, OPTIONAL),
    ),
    "OrderList": (
        ("gnum", "gnum", INT, REQUIRED),
        ("item_no", "itemNo", TEXT, OPTIONAL),
        ("item_name", "itemName", TEXT, REQUIRED),
        ("gmodel", "gmodel", TEXT, REQUIRED),
        ("item_describe", "itemDescribe", TEXT, OPTIONAL),
        ("bar_code", "barCode", TEXT, OPTIONAL),
        ("unit", "unit", TEXT, REQUIRED),
        ("qty", "qty", DECIMAL, REQUIRED),
        ("price", "price", DECIMAL, REQUIRED),
        ("total_price", "totalPrice", DECIMAL, REQUIRED),
        ("currency", "currency", TEXT, REQUIRED),
        ("country", "country", TEXT, REQUIRED),
        ("note", "note", TEXT, OPTIONAL),
    ),
    "PaymentHead": _HEADER + (
        ("pay_code", "payCode", TEXT, REQUIRED),
        ("pay_name", "payName", TEXT, REQUIRED),
        ("pay_transaction_id", "payTransactionId", TEXT, REQUIRED),
        ("order_no", "orderNo", TEXT, REQUIRED),
        ("ebp_code", "ebpCode", TEXT, REQUIRED),
        ("ebp_name", "ebpName", TEXT, REQUIRED),
        ("payer_id_type", "payerIdType", TEXT, REQUIRED),
        ("payer_id_number", "payerIdNumber", TEXT, REQUIRED),
        ("payer_name", "payerName", TEXT, REQUIRED),
        ("telephone", "telephone", TEXT, OPTIONAL),
        ("amount_paid", "amountPaid", DECIMAL, REQUIRED),
        ("currency", "currency", TEXT, REQUIRED),
        ("pay_time", "payTime", TIME, REQUIRED),
        ("note", "note", TEXT, OPTIONAL),
    ),
    "LogisticsHead": _HEADER + (
        ("logistics_code", "logisticsCode", TEXT, REQUIRED),
        ("logistics_name", "logisticsName", TEXT, REQUIRED),
        ("logistics_no", "logisticsNo", TEXT, REQUIRED),
        ("bill_no", "billNo", TEXT, OPTIONAL),
        ("order_no", "orderNo", TEXT, REQUIRED),
        ("freight", "freight", DECIMAL, OPTIONAL),
        ("insured_fee", "insuredFee", DECIMAL, OPTIONAL),
        ("currency", "currency", TEXT, REQUIRED),
        ("weight", "weight", DECIMAL, REQUIRED),
        ("pack_no", "packNo", INT, REQUIRED),
        ("goods_info", "goodsInfo", TEXT, OPTIONAL),
        ("consignee", "consignee", TEXT, REQUIRED),
        ("consignee_address", "consigneeAddress", TEXT, REQUIRED),
        ("consignee_telephone", "consigneeTelephone", TEXT, REQUIRED),
        ("note", "note", TEXT, OPTIONAL),
    ),
    "LogisticsStatus": _HEADER + (
        ("logistics_code", "logisticsCode", TEXT, REQUIRED),
        ("logistics_name", "logisticsName", TEXT, REQUIRED),
        ("logistics_no", "logisticsNo", TEXT, REQUIRED),
        ("logistics_status", "logisticsStatus", TEXT, REQUIRED),
        ("logistics_time", "logisticsTime", TIME, REQUIRED),
        ("note", "note", TEXT, OPTIONAL),
    ),
    "InventoryHead": _HEADER + (
        ("order_no", "orderNo", TEXT, REQUIRED),
        ("ebp_code", "ebpCode", TEXT, REQUIRED),
        ("ebp_name", "ebpName", TEXT, REQUIRED),
        ("ebc_code", "ebcCode", TEXT, REQUIRED),
        ("ebc_name", "ebcName", TEXT, REQUIRED),
        ("logistics_no", "logisticsNo", TEXT, REQUIRED),
        ("logistics_code", "logisticsCode", TEXT, REQUIRED),
        ("logistics_name", "logisticsName", TEXT, REQUIRED),
        ("cop_no", "copNo", TEXT, OPTIONAL),
        ("pre_no", "preNo", TEXT, OPTIONAL),
        ("assure_code", "assureCode", TEXT, REQUIRED),
        ("ems_no", "emsNo", TEXT, OPTIONAL),
        ("invt_no", "invtNo", TEXT, OPTIONAL),
        ("ie_flag", "ieFlag", TEXT, REQUIRED),
        ("decl_time", "declTime", DATE, REQUIRED),
        ("customs_code", "customsCode", TEXT, REQUIRED),
        ("port_code", "portCode", TEXT, REQUIRED),
        ("ie_date", "ieDate", DATE, OPTIONAL),
        ("buyer_id_type", "buyerIdType", TEXT, REQUIRED),
        ("buyer_id_number", "buyerIdNumber", TEXT, REQUIRED),
        ("buyer_name", "buyerName", TEXT, REQUIRED),
        ("buyer_telephone", "buyerTelephone", TEXT, REQUIRED),
        ("consignee_address", "consigneeAddress", TEXT, REQUIRED),
        ("agent_code", "agentCode", TEXT, REQUIRED),
        ("agent_name", "agentName", TEXT, REQUIRED),
        ("area_code", "areaCode", TEXT, OPTIONAL),
        ("area_name", "areaName", TEXT, OPTIONAL),
        ("trade_mode", "tradeMode", TEXT, REQUIRED),
        ("traf_mode", "trafMode", TEXT, REQUIRED),
        ("traf_no", "trafNo", TEXT, OPTIONAL),
        ("voyage_no", "voyageNo", TEXT, OPTIONAL),
        ("bill_no", "billNo", TEXT, OPTIONAL),
        ("loct_no", "loctNo", TEXT, OPTIONAL),
        ("license_no", "licenseNo", TEXT, OPTIONAL),
        ("country", "country", TEXT, REQUIRED),
        ("freight", "freight", DECIMAL, REQUIRED),
        ("insured_fee", "insuredFee", DECIMAL, REQUIRED),
        ("currency", "currency", TEXT, REQUIRED),
        ("wrap_type", "wrapType", TEXT, OPTIONAL),
        ("pack_no", "packNo", INT, REQUIRED),
        ("gross_weight", "grossWeight", DECIMAL, REQUIRED),
        ("net_weight", "netWeight", DECIMAL, REQUIRED),
        ("note", "note", TEXT, OPTIONAL),
    ),
    "InventoryList": (
        ("gnum", "gnum", INT, REQUIRED),
        ("item_record_no", "itemRecordNo", TEXT, OPTIONAL),
        ("item_no", "itemNo", TEXT, OPTIONAL),
        ("item_name", "itemName", TEXT, OPTIONAL),
        ("gcode", "gcode", TEXT, REQUIRED),
        ("gname", "gname", TEXT, REQUIRED),
        ("gmodel", "gmodel", TEXT, REQUIRED),
        ("bar_code", "barCode", TEXT, OPTIONAL),
        ("country", "country", TEXT, REQUIRED),
        ("trade_country", "tradeCountry", TEXT, OPTIONAL),
        ("currency", "currency", TEXT, REQUIRED),
        ("qty", "qty", DECIMAL, REQUIRED),
        ("unit", "unit", TEXT, REQUIRED),
        ("qty1", "qty1", DECIMAL, REQUIRED),
        ("unit1", "unit1", TEXT, REQUIRED),
        ("qty2", "qty2", DECIMAL, OPTIONAL),
        ("unit2", "unit2", TEXT, OPTIONAL),
        ("price", "price", DECIMAL, REQUIRED),
        ("total_price", "totalPrice", DECIMAL, REQUIRED),
        ("note", "note", TEXT, OPTIONAL),
    ),
    "InvtCancel": _HEADER + (
        ("customs_code", "customsCode", TEXT, REQUIRED),
        ("order_no", "orderNo", TEXT, REQUIRED),
        ("ebp_code", "ebpCode", TEXT, REQUIRED),
        ("ebp_name", "ebpName", TEXT, REQUIRED),
        ("ebc_code", "ebcCode", TEXT, REQUIRED),
        ("ebc_name", "ebcName", TEXT, REQUIRED),
        ("logistics_no", "logisticsNo", TEXT, REQUIRED),
        ("logistics_code", "logisticsCode", TEXT, REQUIRED),
        ("logistics_name", "logisticsName", TEXT, REQUIRED),
        ("cop_no", "copNo", TEXT, OPTIONAL),
        ("pre_no", "preNo", TEXT, OPTIONAL),
        ("invt_no", "invtNo", TEXT, REQUIRED),
        ("buyer_id_type", "buyerIdType", TEXT, REQUIRED),
        ("buyer_id_number", "buyerIdNumber", TEXT, REQUIRED),
        ("buyer_name", "buyerName", TEXT, REQUIRED),
        ("buyer_telephone", "buyerTelephone", TEXT, REQUIRED),
        ("agent_code", "agentCode", TEXT, REQUIRED),
        ("agent_name", "agentName", TEXT, REQUIRED),
        ("reason", "reason", TEXT, REQUIRED),
        ("note", "note", TEXT, OPTIONAL),
    ),
    "InvtRefundList": (
        ("gnum", "gnum", INT, REQUIRED),
        ("gcode", "gcode", TEXT, REQUIRED),
        ("gname", "gname", TEXT, REQUIRED),
        ("qty", "qty", DECIMAL, REQUIRED),
        ("unit", "unit", TEXT, REQUIRED),
        ("note", "note", TEXT, OPTIONAL),
    ),
    "DeliveryHead": _HEADER + (
        ("customs_code", "customsCode", TEXT, REQUIRED),
        ("cop_no", "copNo", TEXT, OPTIONAL),
        ("pre_no", "preNo", TEXT, OPTIONAL),
        ("rkd_no", "rkdNo", TEXT, OPTIONAL),
        ("operator_code", "operatorCode", TEXT, REQUIRED),
        ("operator_name", "operatorName", TEXT, REQUIRED),
        ("ie_flag", "ieFlag", TEXT, REQUIRED),
        ("traf_mode", "trafMode", TEXT, REQUIRED),
        ("traf_no", "trafNo", TEXT, REQUIRED),
        ("voyage_no", "voyageNo", TEXT, REQUIRED),
        ("bill_no", "billNo", TEXT, REQUIRED),
        ("logistics_code", "logisticsCode", TEXT, REQUIRED),
        ("logistics_name", "logisticsName", TEXT, REQUIRED),
        ("unload_location", "unloadLocation", TEXT, OPTIONAL),
        ("note", "note", TEXT, OPTIONAL),
    ),
    "DeliveryList": (
        ("gnum", "gnum", INT, REQUIRED),
        ("logistics_no", "logisticsNo", TEXT, REQUIRED),
        ("note", "note", TEXT, OPTIONAL),
    ),
}
# The return head has exactly the cancellation's fields (the XSD defines both alike).
LAYOUTS["InvtRefundHead"] = LAYOUTS["InvtCancel"]
