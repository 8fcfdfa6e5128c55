"""The message documents of a declaration: order CEB311, payment CEB411, waybill CEB511, goods list CEB621,
cancellation CEB623 and return CEB625, built from the declaration's snapshot (pure mapping, no database
writes), and the BaseTransfer of the transmitting enterprise (settings customs.cop_code/cop_name/dxp_id)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from django.utils import timezone

from ecerp.core.services import get_settings
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

DECLARE = "2"


def new_guid() -> str:
    return str(uuid.uuid4()).upper()


def base_transfer() -> BaseTransfer:
    """The transmitting enterprise (copCode, copName) and its DXP id from the customs settings."""
    values = get_settings({"customs.cop_code": "", "customs.cop_name": "", "customs.dxp_id": ""})
    return BaseTransfer(cop_code=values["customs.cop_code"] or "0000000000",
                        cop_name=values["customs.cop_name"] or "ECERP",
                        dxp_id=values["customs.dxp_id"] or "DXPENT0000000000")


def _lines(declaration) -> list:
    return list(declaration.lines.all())


def order_document(declaration, lines, now) -> OrderDocument:
    return OrderDocument(
        guid=new_guid(), app_time=now, app_status=DECLARE, order_no=declaration.order_no,
        ebp_code=declaration.ebp_code, ebp_name=declaration.ebp_name, ebc_code=declaration.ebc_code,
        ebc_name=declaration.ebc_name, goods_value=declaration.goods_value, freight=declaration.freight,
        discount=declaration.discount, tax_total=declaration.tax_total, actural_paid=declaration.actural_paid,
        currency=declaration.currency, buyer_reg_no=declaration.buyer_reg_no or declaration.order_no,
        buyer_name=declaration.buyer_name, buyer_telephone=declaration.buyer_phone,
        buyer_id_number=declaration.buyer_id_number, pay_code=declaration.pay_code, pay_name=declaration.pay_name,
        pay_transaction_id=declaration.pay_transaction_id, consignee=declaration.consignee_name,
        consignee_telephone=declaration.consignee_phone, consignee_address=declaration.consignee_address,
        consignee_district=declaration.consignee_district,
        lines=tuple(OrderLineDocument(
            gnum=line.gnum, item_no=line.item_no, item_name=line.item_name or line.gname,
            gmodel=line.gmodel or line.gname, bar_code=line.bar_code, unit=line.unit, qty=Decimal(line.qty),
            price=line.price, total_price=line.total_price, currency=declaration.currency, country=line.country)
            for line in lines))


def payment_document(declaration, now) -> PaymentDocument:
    return PaymentDocument(
        guid=new_guid(), app_time=now, app_status=DECLARE, pay_code=declaration.pay_code,
        pay_name=declaration.pay_name, pay_transaction_id=declaration.pay_transaction_id,
        order_no=declaration.order_no, ebp_code=declaration.ebp_code, ebp_name=declaration.ebp_name,
        payer_id_number=declaration.payer_id_number, payer_name=declaration.payer_name,
        telephone=declaration.payer_phone, amount_paid=declaration.amount_paid, currency=declaration.currency,
        pay_time=declaration.pay_time or now)


def waybill_document(declaration, now) -> WaybillDocument:
    return WaybillDocument(
        guid=new_guid(), app_time=now, app_status=DECLARE, logistics_code=declaration.logistics_code,
        logistics_name=declaration.logistics_name, logistics_no=declaration.logistics_no,
        bill_no=declaration.bill_no, order_no=declaration.order_no, freight=declaration.freight,
        insured_fee=declaration.insured_fee, currency=declaration.currency, weight=declaration.weight,
        pack_no=declaration.pack_no, consignee=declaration.waybill_consignee_name,
        consignee_address=declaration.waybill_consignee_address,
        consignee_telephone=declaration.waybill_consignee_phone)


def inventory_document(declaration, lines, now) -> InventoryDocument:
    return InventoryDocument(
        guid=new_guid(), app_time=now, app_status=DECLARE, order_no=declaration.order_no,
        ebp_code=declaration.ebp_code, ebp_name=declaration.ebp_name, ebc_code=declaration.ebc_code,
        ebc_name=declaration.ebc_name, logistics_no=declaration.logistics_no,
        logistics_code=declaration.logistics_code, logistics_name=declaration.logistics_name,
        cop_no=declaration.cop_no, pre_no=declaration.pre_no, assure_code=declaration.assure_code,
        ems_no=declaration.ems_no, invt_no=declaration.invt_no, decl_time=declaration.decl_date,
        customs_code=declaration.customs_code, port_code=declaration.port_code,
        buyer_id_number=declaration.buyer_id_number, buyer_name=declaration.buyer_name,
        buyer_telephone=declaration.buyer_phone, consignee_address=declaration.consignee_address,
        agent_code=declaration.agent_code, agent_name=declaration.agent_name, area_code=declaration.area_code,
        area_name=declaration.area_name, trade_mode=declaration.trade_mode, traf_mode=declaration.traf_mode,
        traf_no=declaration.traf_no, voyage_no=declaration.voyage_no, bill_no=declaration.bill_no,
        loct_no=declaration.loct_no, country=declaration.country or "142", freight=declaration.freight,
        insured_fee=declaration.insured_fee, currency=declaration.currency, wrap_type=declaration.wrap_type,
        pack_no=declaration.pack_no, gross_weight=declaration.weight,
        net_weight=declaration.net_weight or declaration.weight,
        lines=tuple(InventoryLineDocument(
            gnum=line.gnum, item_record_no=line.item_record_no, item_no=line.item_no[:20],
            item_name=line.item_name, gcode=line.gcode, gname=line.gname, gmodel=line.gmodel or line.gname,
            bar_code=line.bar_code or "无", country=line.country, currency=declaration.currency,
            qty=Decimal(line.qty), unit=line.unit, qty1=line.qty1, unit1=line.unit1,
            qty2=line.qty2 if line.unit2 else None, unit2=line.unit2, price=line.price,
            total_price=line.total_price) for line in lines))


def declaration_documents(declaration, *, now=None) -> dict[str, object]:
    """{message type: document} of the four documents a declaration sends (CEB311, CEB411, CEB511, CEB621)."""
    now = now or timezone.now()
    lines = _lines(declaration)
    return {
        "CEB311": order_document(declaration, lines, now),
        "CEB411": payment_document(declaration, now),
        "CEB511": waybill_document(declaration, now),
        "CEB621": inventory_document(declaration, lines, now),
    }


def _head(declaration) -> dict:
    return {
        "customs_code": declaration.customs_code, "order_no": declaration.order_no,
        "ebp_code": declaration.ebp_code, "ebp_name": declaration.ebp_name, "ebc_code": declaration.ebc_code,
        "ebc_name": declaration.ebc_name, "logistics_no": declaration.logistics_no,
        "logistics_code": declaration.logistics_code, "logistics_name": declaration.logistics_name,
        "cop_no": declaration.cop_no, "pre_no": declaration.pre_no, "invt_no": declaration.invt_no,
        "buyer_id_number": declaration.buyer_id_number, "buyer_name": declaration.buyer_name,
        "buyer_telephone": declaration.buyer_phone, "agent_code": declaration.agent_code,
        "agent_name": declaration.agent_name,
    }


def cancel_document(declaration, *, reason: str, now=None) -> CancelDocument:
    """The cancellation application (CEB623) of a declared list."""
    return CancelDocument(guid=new_guid(), app_time=now or timezone.now(), app_status=DECLARE, reason=reason,
                          **_head(declaration))


def refund_document(declaration, *, lines: Sequence[tuple[object, int]], reason: str, now=None) -> RefundDocument:
    """The return application (CEB625): lines are (declaration line, quantity returned)."""
    return RefundDocument(
        guid=new_guid(), app_time=now or timezone.now(), app_status=DECLARE, reason=reason,
        lines=tuple(RefundLineDocument(gnum=line.gnum, gcode=line.gcode, gname=line.gname, qty=Decimal(quantity),
                                       unit=line.unit) for line, quantity in lines),
        **_head(declaration))


def sign_off_document(declaration, *, signed_at, now=None) -> WaybillStatusDocument:
    """The waybill sign-off (CEB513, logisticsStatus "S") of a declaration's parcel, signed for at signed_at."""
    return WaybillStatusDocument(
        guid=new_guid(), app_time=now or timezone.now(), app_status=DECLARE,
        logistics_code=declaration.logistics_code, logistics_name=declaration.logistics_name,
        logistics_no=declaration.logistics_no, logistics_time=signed_at)


def delivery_document(declarations: Sequence, *, bill_no: str, traf_mode: str, traf_no: str, voyage_no: str,
                      operator_code: str, operator_name: str, unload_location: str = "",
                      now=None) -> DeliveryDocument:
    """The warehouse-entry detail (CEB711) of a master bill: one DeliveryList line per declaration's waybill.

    The declarations share the customs district and the logistics company of the first one; the operator is
    the supervised site's (监管场所经营企业), which sends the message.
    """
    first = declarations[0]
    return DeliveryDocument(
        guid=new_guid(), app_time=now or timezone.now(), app_status=DECLARE, customs_code=first.customs_code,
        operator_code=operator_code, operator_name=operator_name, traf_mode=traf_mode, traf_no=traf_no,
        voyage_no=voyage_no, bill_no=bill_no, logistics_code=first.logistics_code,
        logistics_name=first.logistics_name, unload_location=unload_location,
        lines=tuple(DeliveryLineDocument(gnum=number, logistics_no=declaration.logistics_no)
                    for number, declaration in enumerate(declarations, start=1)))
