"""Sample customs documents for tests: one cross-border order with its payment, waybill and goods list,
plus the cancellation, return, waybill sign-off and warehouse-entry detail that follow it.

Values are realistic and consistent with each other: valid resident ID numbers and social credit
codes, 10-digit HS codes, customs unit and country codes, currency 142, acturalPaid = goodsValue +
freight + taxTotal - discount, the payment's amountPaid = acturalPaid, the same consignee on order
and waybill, list lines one-to-one with order lines. Every builder takes keyword overrides, e.g.
order_document(line_count=99) or order_document(buyer_name="").

with_placeholder_signature(xml) appends a structurally valid (cryptographically meaningless)
ds:Signature, so that the messages whose XSD requires one (621/623/625/711) can be schema-checked
without a signer.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from ecerp.customs.messages.documents import (
    BaseTransfer,
    CancelDocument,
    DeliveryDocument,
    DeliveryLineDocument,
    InventoryDocument,
    InventoryLineDocument,
    OrderDocument,
    OrderLineDocument,
    PaymentDocument,
    RefundDocument,
    RefundLineDocument,
    WaybillDocument,
    WaybillStatusDocument,
)
from ecerp.customs.schema import PLACEHOLDER_SIGNATURE, with_placeholder_signature  # noqa: F401 - re-exported for the tests

# Parties (customs registration codes, 10 characters; the platform's transmitting code a USCC).
EBP_CODE, EBP_NAME = "3301964J31", "杭州云帆跨境电子商务平台有限公司"
EBC_CODE, EBC_NAME = "3122480063", "上海海澜国际贸易有限公司"
PAY_CODE, PAY_NAME = "31222699S7", "示例支付科技有限公司"
LOGISTICS_CODE, LOGISTICS_NAME = "3120980105", "上海迅捷国际物流有限公司"
AGENT_CODE, AGENT_NAME = "3110980071", "上海通关报关有限公司"
COP_CODE, COP_NAME = "91310000MA1FL5X10G", "上海海澜国际贸易有限公司"
DXP_ID = "DXPENT0000012345"
OPERATOR_CODE, OPERATOR_NAME = "3122960017", "浦东机场跨境监管中心运营有限公司"

# Buyer (a valid resident ID number, GB 11643 checksum).
BUYER_ID = "330106199003071236"
BUYER_NAME = "张晓明"
BUYER_PHONE = "13812345678"
CONSIGNEE_ADDRESS = "浙江省杭州市西湖区文三路 138 号 & 东部软件园 2 号楼 <3 单元>"

CUSTOMS_CODE = "2233"  # 浦东机场海关
PORT_CODE = "2233"
APP_TIME = datetime(2026, 3, 15, 10, 30, 0)
PAY_TIME = datetime(2026, 3, 15, 10, 28, 41)

# (sku, item name, gmodel, HS code, unit, price, origin country, legal unit, legal qty per unit, barcode)
PRODUCTS = (
    ("SKU-MILK-900", "爱他美婴儿配方奶粉 3 段 900g", "婴儿配方奶粉|爱他美|3段|900克/罐|乳粉、乳糖、植物油",
     "1901101000", "122", Decimal("228.00"), "304", "035", Decimal("0.9"), "4008976022343"),
    ("SKU-SERUM-50", "雅诗兰黛特润修护精华露 50ml", "精华露|雅诗兰黛|50毫升/瓶|水、双叉杆菌酵素",
     "3304990099", "142", Decimal("560.00"), "502", "035", Decimal("0.05"), "0887167485471"),
    ("SKU-FISHOIL-180", "Swisse 深海鱼油软胶囊 180 粒", "鱼油软胶囊|Swisse|400毫克×180粒/瓶|鱼油、明胶",
     "2106909090", "142", Decimal("139.90"), "601", "035", Decimal("0.32"), "9311770592069"),
)
VAT_COMPREHENSIVE = Decimal("0.091")  # 13% VAT at 70%, tariff 0 within limits
FEN = Decimal("0.01")


def base_transfer(**overrides) -> BaseTransfer:
    values = {"cop_code": COP_CODE, "cop_name": COP_NAME, "dxp_id": DXP_ID}
    values.update(overrides)
    return BaseTransfer(**values)


def order_line(gnum: int = 1, **overrides) -> OrderLineDocument:
    sku, name, gmodel, _hs, unit, price, country, _unit1, _qty1, barcode = PRODUCTS[(gnum - 1) % len(PRODUCTS)]
    qty = overrides.pop("qty", 1)
    price = overrides.pop("price", price)
    values = {
        "gnum": gnum, "item_no": sku, "item_name": name, "gmodel": gmodel, "bar_code": barcode, "unit": unit,
        "qty": qty, "price": price, "total_price": (price * qty).quantize(FEN), "country": country,
    }
    values.update(overrides)
    return OrderLineDocument(**values)


def order_document(*, line_count: int = 2, lines=None, **overrides) -> OrderDocument:
    lines = tuple(lines) if lines is not None else tuple(order_line(gnum) for gnum in range(1, line_count + 1))
    goods_value = sum((line.total_price for line in lines), Decimal(0))
    freight = overrides.pop("freight", Decimal("0"))
    discount = overrides.pop("discount", Decimal("10.00"))
    tax_total = overrides.pop("tax_total", (goods_value * VAT_COMPREHENSIVE).quantize(FEN, ROUND_HALF_UP))
    values = {
        "app_time": APP_TIME, "order_no": "TM20260315103000001", "ebp_code": EBP_CODE, "ebp_name": EBP_NAME,
        "ebc_code": EBC_CODE, "ebc_name": EBC_NAME, "goods_value": goods_value, "freight": freight,
        "discount": discount, "tax_total": tax_total, "actural_paid": goods_value + freight + tax_total - discount,
        "buyer_reg_no": "tb_zxm1990", "buyer_name": BUYER_NAME, "buyer_telephone": BUYER_PHONE,
        "buyer_id_number": BUYER_ID, "pay_code": PAY_CODE, "pay_name": PAY_NAME,
        "pay_transaction_id": "2026031522001412345678901234", "consignee": BUYER_NAME,
        "consignee_telephone": BUYER_PHONE, "consignee_address": CONSIGNEE_ADDRESS, "consignee_district": "330106",
        "lines": lines,
    }
    values.update(overrides)
    return OrderDocument(**values)


def payment_document(order: OrderDocument | None = None, **overrides) -> PaymentDocument:
    order = order or order_document()
    values = {
        "app_time": APP_TIME, "pay_code": PAY_CODE, "pay_name": PAY_NAME,
        "pay_transaction_id": order.pay_transaction_id, "order_no": order.order_no, "ebp_code": order.ebp_code,
        "ebp_name": order.ebp_name, "payer_id_number": order.buyer_id_number, "payer_name": order.buyer_name,
        "telephone": order.buyer_telephone, "amount_paid": order.actural_paid, "pay_time": PAY_TIME,
    }
    values.update(overrides)
    return PaymentDocument(**values)


def waybill_document(order: OrderDocument | None = None, **overrides) -> WaybillDocument:
    order = order or order_document()
    values = {
        "app_time": APP_TIME, "logistics_code": LOGISTICS_CODE, "logistics_name": LOGISTICS_NAME,
        "logistics_no": "SF1402838475612", "bill_no": "784-12345675", "order_no": order.order_no,
        "freight": order.freight, "insured_fee": Decimal("0"), "weight": Decimal("1.35"),
        "goods_info": "奶粉、护肤品", "consignee": order.consignee, "consignee_address": order.consignee_address,
        "consignee_telephone": order.consignee_telephone,
    }
    values.update(overrides)
    return WaybillDocument(**values)


def waybill_status_document(**overrides) -> WaybillStatusDocument:
    values = {
        "app_time": datetime(2026, 3, 18, 15, 2, 11), "logistics_code": LOGISTICS_CODE,
        "logistics_name": LOGISTICS_NAME, "logistics_no": "SF1402838475612",
        "logistics_time": datetime(2026, 3, 18, 14, 55, 0),
    }
    values.update(overrides)
    return WaybillStatusDocument(**values)


def inventory_line(order_line_document: OrderLineDocument, **overrides) -> InventoryLineDocument:
    line = order_line_document
    product = next((p for p in PRODUCTS if p[0] == line.item_no), PRODUCTS[0])
    values = {
        "gnum": line.gnum, "item_no": line.item_no, "item_name": line.item_name, "gcode": product[3],
        "gname": line.item_name, "gmodel": line.gmodel, "bar_code": line.bar_code or "无", "country": line.country,
        "trade_country": line.country, "qty": line.qty, "unit": line.unit,
        "qty1": (product[8] * line.qty).normalize(), "unit1": product[7], "price": line.price,
        "total_price": line.total_price,
    }
    values.update(overrides)
    return InventoryLineDocument(**values)


def inventory_document(order: OrderDocument | None = None, **overrides) -> InventoryDocument:
    order = order or order_document()
    lines = overrides.pop("lines", None)
    if lines is None:
        lines = tuple(inventory_line(line) for line in order.lines)
    values = {
        "app_time": APP_TIME, "order_no": order.order_no, "ebp_code": order.ebp_code, "ebp_name": order.ebp_name,
        "ebc_code": order.ebc_code, "ebc_name": order.ebc_name, "logistics_no": "SF1402838475612",
        "logistics_code": LOGISTICS_CODE, "logistics_name": LOGISTICS_NAME, "cop_no": "ECERP2026031500001",
        "assure_code": EBC_CODE, "decl_time": date(2026, 3, 15), "customs_code": CUSTOMS_CODE,
        "port_code": PORT_CODE, "buyer_id_number": order.buyer_id_number, "buyer_name": order.buyer_name,
        "buyer_telephone": order.buyer_telephone, "consignee_address": order.consignee_address,
        "agent_code": AGENT_CODE, "agent_name": AGENT_NAME, "trade_mode": "9610", "traf_mode": "5",
        "traf_no": "CA1017", "voyage_no": "CA1017", "bill_no": "784-12345675", "country": "304",
        "freight": order.freight, "insured_fee": Decimal("0"), "wrap_type": "2", "gross_weight": Decimal("1.35"),
        "net_weight": Decimal("1.2"), "lines": tuple(lines),
    }
    values.update(overrides)
    return InventoryDocument(**values)


def _list_parties(inventory: InventoryDocument) -> dict:
    return {
        "app_time": datetime(2026, 3, 16, 9, 0, 0), "customs_code": inventory.customs_code,
        "order_no": inventory.order_no, "ebp_code": inventory.ebp_code, "ebp_name": inventory.ebp_name,
        "ebc_code": inventory.ebc_code, "ebc_name": inventory.ebc_name, "logistics_no": inventory.logistics_no,
        "logistics_code": inventory.logistics_code, "logistics_name": inventory.logistics_name,
        "cop_no": inventory.cop_no, "pre_no": "B20260315000012345", "invt_no": "22332026I000012345",
        "buyer_id_number": inventory.buyer_id_number, "buyer_name": inventory.buyer_name,
        "buyer_telephone": inventory.buyer_telephone, "agent_code": inventory.agent_code,
        "agent_name": inventory.agent_name,
    }


def cancel_document(inventory: InventoryDocument | None = None, **overrides) -> CancelDocument:
    values = _list_parties(inventory or inventory_document())
    values["reason"] = "消费者取消订单"
    values.update(overrides)
    return CancelDocument(**values)


def refund_document(inventory: InventoryDocument | None = None, **overrides) -> RefundDocument:
    inventory = inventory or inventory_document()
    values = _list_parties(inventory)
    values["app_time"] = datetime(2026, 3, 25, 11, 0, 0)
    values["reason"] = "商品破损，消费者退货"
    values["lines"] = tuple(
        RefundLineDocument(gnum=line.gnum, gcode=line.gcode, gname=line.gname, qty=line.qty, unit=line.unit)
        for line in inventory.lines[:1]
    )
    values.update(overrides)
    return RefundDocument(**values)


def delivery_document(*, parcel_count: int = 3, **overrides) -> DeliveryDocument:
    values = {
        "app_time": datetime(2026, 3, 14, 22, 40, 0), "customs_code": CUSTOMS_CODE, "cop_no": "RK2026031400001",
        "operator_code": OPERATOR_CODE, "operator_name": OPERATOR_NAME, "traf_mode": "5", "traf_no": "CA1017",
        "voyage_no": "CA1017", "bill_no": "784-12345675", "logistics_code": LOGISTICS_CODE,
        "logistics_name": LOGISTICS_NAME, "unload_location": "浦东机场西货运区",
        "lines": tuple(
            DeliveryLineDocument(gnum=gnum, logistics_no=f"SF14028384756{gnum + 11:02d}")
            for gnum in range(1, parcel_count + 1)
        ),
    }
    values.update(overrides)
    return DeliveryDocument(**values)


def sample_documents(message_type: str) -> list:
    """Return the list of sample documents a message of message_type carries ("CEB311" ... "CEB711")."""
    order = order_document()
    inventory = inventory_document(order)
    samples = {
        "CEB311": lambda: [order],
        "CEB411": lambda: [payment_document(order)],
        "CEB511": lambda: [waybill_document(order)],
        "CEB513": lambda: [waybill_status_document()],
        "CEB621": lambda: [inventory],
        "CEB623": lambda: [cancel_document(inventory)],
        "CEB625": lambda: [refund_document(inventory)],
        "CEB711": lambda: [delivery_document()],
    }
    return samples[message_type.removesuffix("Message")]()


def replace(document, **changes):
    """A copy of a frozen document with some fields changed (dataclasses.replace, re-exported for tests)."""
    return dataclasses.replace(document, **changes)


