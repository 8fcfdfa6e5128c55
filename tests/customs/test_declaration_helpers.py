"""Helpers of the declaration, pre-check and quote tests (no tests here): a cross-border store with its
channel profile and filed products, sales orders, buyer identities, and receipts built like customs does."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from ecerp.customs.models import CustomsChannel, ProductFiling
from ecerp.customs.receipts.build import build_receipt_message
from ecerp.customs.services.declarations import create_declarations
from ecerp.customs.states import FilingState
from ecerp.masterdata.models import Partner, Product, Store
from ecerp.sales.models import SalesOrder, SalesOrderLine

DECL_DATE = datetime.date(2026, 11, 30)
BUYER_ID = "110101199003071233"
OTHER_ID = "110105198505121238"
_numbers = itertools.count(1)


def partner(short_name: str, code: str, **roles) -> Partner:
    found = Partner.objects.filter(code=f"P-{short_name}").first()
    if found:
        return found
    return Partner.objects.create(code=f"P-{short_name}", name=f"{short_name}有限公司", short_name=short_name,
                                  customs_code=code, **roles)


def cross_border_store(code="CB-9610", *, regime="comprehensive", departure_country="116") -> Store:
    """A 9610 store with a channel profile (all parties with customs codes)."""
    store = Store.objects.filter(code=code).first()
    if store is not None:
        return store
    platform = partner("平台", "3301960002", is_platform=True)
    ebc = partner("电商", "3301960003", is_ecommerce=True)
    logistics = partner("物流", "3301960004", is_logistics=True)
    payment = partner("支付", "3301960005", is_payment=True)
    agent = partner("报关", "4101980006", is_customs_broker=True)
    store = Store.objects.create(code=code, name=f"跨境店{code}", platform="tmall_global", shop_id=code,
                                 type="cbec_9610", platform_partner=platform, ecommerce_company=ebc)
    CustomsChannel.objects.create(
        store=store, regime=regime, trade_mode="9610", customs_code="2991", port_code="2233", platform=platform,
        ecommerce_company=ebc, logistics=logistics, payment=payment, agent=agent, guarantor=ebc,
        departure_country=departure_country, transport_mode="5", wrap_type="2")
    return store


def filed_product(code="MILK-1", *, hs_code="1901101000", state=FilingState.APPROVED, vat_kind="standard",
                  consumption_tax_rule="none", consumption_tax_rate=Decimal(0), postal_tier=1, tariff_rate=Decimal(0),
                  net_content=None, content_unit="", origin="116", gross=Decimal("1.0")) -> Product:
    product = Product.objects.create(code=code, name=f"商品{code}", hs_code=hs_code, is_cross_border=True,
                                     customs_unit="122", origin_country="JP", gross_weight=gross,
                                     net_weight=gross * Decimal("0.8"))
    if state is not None:
        ProductFiling.objects.create(
            product=product, hs_code=hs_code, gname=f"品名{code}", gmodel=f"品牌|规格|{code}", unit="122",
            unit1="035", qty1_per_unit=Decimal("0.8"), origin_country=origin, vat_kind=vat_kind,
            tariff_rate=tariff_rate, consumption_tax_rule=consumption_tax_rule,
            consumption_tax_rate=consumption_tax_rate, net_content=net_content, content_unit=content_unit,
            postal_tier=postal_tier, state=state, rejection_reason="x" if state == FilingState.REJECTED else "")
    return product


def sales_order(store: Store, lines, *, freight=Decimal(0), discount=Decimal(0), name="张三",
                phone="13800000001") -> SalesOrder:
    """A sales order of store with lines [(product, quantity, unit price)]."""
    number = next(_numbers)
    goods = sum((Decimal(price) * quantity for _product, quantity, price in lines), Decimal(0))
    order = SalesOrder.objects.create(
        code=f"SO{number:06d}", store=store, platform_order_no=f"T{number:08d}", buyer_nick="buyer",
        consignee_name=name, consignee_phone=phone, province="浙江省", city="杭州市", district="西湖区",
        address="文三路1号", goods_amount=goods, freight=freight, discount=discount,
        paid_amount=goods + freight - discount, payload_hash=f"h{number}")
    for line_no, (product, quantity, price) in enumerate(lines, start=1):
        SalesOrderLine.objects.create(order=order, line_no=line_no, sku_code=product.code, title=product.name,
                                      quantity=quantity, unit_price=Decimal(price),
                                      amount=Decimal(price) * quantity, product=product)
    return order


def identity(**extra) -> dict:
    number = next(_numbers)
    data = {"buyer_name": "张三", "buyer_id_number": BUYER_ID, "buyer_phone": "13800000001",
            "logistics_no": f"YT{number:010d}", "decl_date": DECL_DATE.isoformat(),
            "pay_transaction_id": f"PAY{number:010d}"}
    data.update(extra)
    return data


def declare(user, store, lines, *, order_extra=None, **identity_extra):
    """Create (and pre-check) the declaration of a new order of store."""
    order = sales_order(store, lines, **(order_extra or {}))
    return create_declarations(user=user, orders=[order], identities={order.pk: identity(**identity_extra)})[0]


def list_receipt(declaration, status: str, *, info: str = "", invt_no: str = "") -> bytes:
    """A CEB622 list receipt for the declaration, as customs would send it."""
    return build_receipt_message("CEB622", [{
        "customs_code": declaration.customs_code, "ebp_code": declaration.ebp_code,
        "ebc_code": declaration.ebc_code, "agent_code": declaration.agent_code, "cop_no": declaration.cop_no,
        "pre_no": declaration.pre_no or f"B{declaration.pk:017d}",
        "invt_no": invt_no or declaration.invt_no or f"29912026I{declaration.pk:09d}", "return_status": status,
        "return_time": datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC),
        "return_info": info or f"status {status}"}])
