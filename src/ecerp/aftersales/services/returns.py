"""Goods back from the buyer (receive and inspect), and the replacement parcel of an exchange.

Sellable units go back into the shipping warehouse (or the one named); damaged units go into a
defective warehouse (次品仓, WarehouseType.DEFECTIVE), which allocation must never use, so they can
never be sold again. Each unit comes back as a return_in move at the unit cost it left with (the
parcel line's frozen cost). The per-line return total is raised with a conditional UPDATE whose
guard, and a CHECK, keep returned <= shipped even under concurrent receipts.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecerp.aftersales import events
from ecerp.aftersales.errors import AftersalesConflict, AftersalesError, AftersalesInvalid
from ecerp.aftersales.models import AfterSalesCase
from ecerp.aftersales.services.common import (
    CASE_REFERENCE,
    DOCUMENT_TYPE,
    add_return,
    check_move,
    locked_case,
    move_case,
)
from ecerp.aftersales.states import CaseStatus, CaseType, Condition
from ecerp.core.audit import record_change, snapshot
from ecerp.core.errors import ErrorDetail
from ecerp.core.models import AuditAction
from ecerp.inventory.models import MoveKind, ShipmentLine
from ecerp.inventory.services import Consignee, MoveLine, ReserveLine, create_shipment, receive_stock, reserve_stock
from ecerp.inventory.services.stock import bundle_components
from ecerp.masterdata.models import Product, Warehouse, WarehouseType


@dataclass
class ReceiveLineInput:
    """What came back for one case line (by its order line number): sellable and damaged units."""

    line_no: int
    sellable: int = 0
    damaged: int = 0


def _units(product: Product, quantity: int) -> list[tuple[Product, int]]:
    """The stocked units of quantity of product (a bundle comes back as its components)."""
    if product.is_bundle:
        return [(component, per_bundle * quantity) for component, per_bundle in bundle_components(product)]
    return [(product, quantity)]


def default_defective_warehouse() -> Warehouse | None:
    return Warehouse.objects.filter(type=WarehouseType.DEFECTIVE, active=True).order_by("code").first()


def _warehouses(case: AfterSalesCase, warehouse: Warehouse | None,
                damaged_warehouse: Warehouse | None, any_damaged: bool) -> tuple[Warehouse, Warehouse | None]:
    sellable_to = warehouse or (case.shipment.warehouse if case.shipment_id else None) or case.order.warehouse
    if sellable_to is None:
        raise AftersalesInvalid(AftersalesError.UNKNOWN_WAREHOUSE, _("请选择退货入库仓库"), field="warehouse")
    if sellable_to.type == WarehouseType.DEFECTIVE:
        raise AftersalesInvalid(AftersalesError.UNKNOWN_WAREHOUSE, _("良品不能入次品仓「%(code)s」"),
                                field="warehouse", code=sellable_to.code)
    if not any_damaged:
        return sellable_to, None
    damaged_to = damaged_warehouse or default_defective_warehouse()
    if damaged_to is None:
        raise AftersalesInvalid(AftersalesError.NO_DEFECTIVE_WAREHOUSE, _("没有启用的次品仓，次品不能入库"),
                                field="damaged_warehouse")
    if damaged_to.type != WarehouseType.DEFECTIVE:
        raise AftersalesInvalid(AftersalesError.NOT_DEFECTIVE_WAREHOUSE, _("仓库「%(code)s」不是次品仓"),
                                field="damaged_warehouse", code=damaged_to.code)
    return sellable_to, damaged_to


def _costs(case: AfterSalesCase) -> dict[int, object]:
    """{product id: the unit cost it left with} from the order's parcel (None: at the current average)."""
    if not case.shipment_id:
        return {}
    return dict(ShipmentLine.objects.filter(shipment_id=case.shipment_id).values_list("product_id", "unit_cost"))


def return_rows(moves, by_line: dict[str, tuple]) -> list[dict]:
    """The OrderReturned lines of the moves: by_line maps a move's document_line to (order line, condition)."""
    rows = []
    for move in moves:
        line, condition = by_line[move.document_line]
        rows.append({
            "line_no": line.line_no, "sku_code": line.sku_code,
            "product_code": line.product.code if line.product_id else "",
            "stock_sku_code": move.product.code, "quantity": move.quantity, "unit_price": str(line.unit_price),
            "unit_cost": str(move.unit_cost), "value": str(move.value), "condition": condition,
            "warehouse_code": move.warehouse.code, "warehouse_type": move.warehouse.type, "move_id": move.pk,
        })
    return rows


def receive_return(*, user, case: AfterSalesCase, lines: list[ReceiveLineInput],
                   warehouse: Warehouse | None = None, damaged_warehouse: Warehouse | None = None,
                   occurred_at: datetime.datetime | None = None, note: str = "") -> AfterSalesCase:
    """Receive and inspect the goods of an approved return or exchange: approved -> received; OrderReturned.

    Per case line, sellable + damaged units (at least one unit in all; at most the line's units:
    INVALID_QUANTITY naming lines.<n>.<field>). Sellable units go into warehouse (default: the
    parcel's), damaged ones into damaged_warehouse (default: the first active defective warehouse;
    NO_DEFECTIVE_WAREHOUSE without one, NOT_DEFECTIVE_WAREHOUSE for another type). Units beyond
    shipped minus already returned are OVER_RETURN (409), checked by a conditional UPDATE, so two
    concurrent receipts can never return more than was shipped. INVALID_TRANSITION from other states.
    """
    occurred_at = occurred_at or timezone.now()
    with transaction.atomic():
        case = locked_case(case)
        check_move(case, CaseStatus.RECEIVED)
        case_lines = {line.order_line.line_no: line for line in
                      case.lines.select_related("order_line", "order_line__product")}
        details, wanted = [], {}
        for index, item in enumerate(lines):
            line = case_lines.get(item.line_no)
            prefix = f"lines.{index + 1}"
            if line is None:
                details.append(ErrorDetail(AftersalesError.UNKNOWN_LINE, _("售后单没有订单第 %(no)s 行")
                                           % {"no": item.line_no}, f"{prefix}.line_no"))
                continue
            bad = [name for name in ("sellable", "damaged") if isinstance(getattr(item, name), bool)
                   or not isinstance(getattr(item, name), int) or getattr(item, name) < 0]
            if bad or item.sellable + item.damaged > line.quantity or line.pk in wanted:
                details.append(ErrorDetail(AftersalesError.INVALID_QUANTITY, _(
                    "第 %(no)s 行良品加次品应为 0 到 %(max)s 件") % {"no": item.line_no, "max": line.quantity},
                    f"{prefix}.{bad[0] if bad else 'sellable'}"))
                continue
            wanted[line.pk] = (line, item.sellable, item.damaged)
        if not details and not any(sellable + damaged for _line, sellable, damaged in wanted.values()):
            details.append(ErrorDetail(AftersalesError.NO_LINES, _("请填写收到的良品或次品数量"), "lines"))
        if details:
            raise AftersalesInvalid.many(details)
        any_damaged = any(damaged for _line, _sellable, damaged in wanted.values())
        sellable_to, damaged_to = _warehouses(case, warehouse, damaged_warehouse, any_damaged)
        costs = _costs(case)
        before = snapshot(case)
        move_lines, by_line = [], {}
        for index, (line, sellable, damaged) in enumerate(wanted.values()):
            order_line = line.order_line
            if not add_return(order_line=order_line, quantity=sellable + damaged):
                raise AftersalesConflict(AftersalesError.OVER_RETURN, _(
                    "订单第 %(no)s 行退回数量超过发货数量减已退数量"), field=f"lines.{index + 1}.sellable",
                    no=order_line.line_no)
            line.sellable_quantity, line.damaged_quantity = sellable, damaged
            line.save(update_fields=["sellable_quantity", "damaged_quantity"])
            for condition, quantity, target in ((Condition.SELLABLE, sellable, sellable_to),
                                                (Condition.DAMAGED, damaged, damaged_to)):
                if not quantity:
                    continue
                key = f"{order_line.line_no}:{condition}"
                by_line[key] = (order_line, str(condition))
                for product, units in _units(order_line.product, quantity):
                    move_lines.append(MoveLine(product=product, warehouse=target, quantity=units,
                                               unit_cost=costs.get(product.pk), document_line=key))
        moves = receive_stock(user=user, kind=MoveKind.RETURN_IN, lines=move_lines, document_type=DOCUMENT_TYPE,
                              document_id=case.pk, document_code=case.code,
                              reason=_("售后退货 %(code)s") % {"code": case.code}, occurred_at=occurred_at)
        case.received_at = occurred_at
        case.note = (note or case.note or "").strip()[:300]
        case.save(update_fields=["received_at", "note", "updated_at"])
        move_case(user, case, CaseStatus.RECEIVED, note or _("退货已收货验货"))
        record_change(user=user, action=AuditAction.TRANSITION, instance=case, before=before, after=snapshot(case))
        events.publish_returned(case, return_rows(moves, by_line), occurred_at=occurred_at)
    return case


def _consignee(order) -> Consignee:
    region = " ".join(part for part in (order.province, order.city, order.district) if part)
    return Consignee(name=order.consignee_name or "", phone=order.consignee_phone or "",
                     address=f"{region} {order.address or ''}".strip())


def reship_exchange(*, user, case: AfterSalesCase, warehouse: Warehouse | None = None) -> AfterSalesCase:
    """Send the replacement goods of a received exchange: reserve them and create a new parcel; received -> reshipped.

    The parcel (reference aftersales_case / case id) carries, per line, the units received back of
    the replacement product (default: the same product), bundles as their components, from
    warehouse (default: the original parcel's). INSUFFICIENT_STOCK (409) when the warehouse lacks
    them; nothing is reserved then. Shipping the parcel completes the case (handlers.py).
    """
    with transaction.atomic():
        case = locked_case(case)
        if case.type != CaseType.EXCHANGE:
            check_move(case, CaseStatus.RESHIPPED)
        if case.status == CaseStatus.RESHIPPED:
            return case
        check_move(case, CaseStatus.RESHIPPED)
        source = warehouse or (case.shipment.warehouse if case.shipment_id else None) or case.order.warehouse
        if source is None:
            raise AftersalesInvalid(AftersalesError.UNKNOWN_WAREHOUSE, _("请选择补发仓库"), field="warehouse")
        units: dict[int, list] = {}
        for line in case.lines.select_related("order_line__product", "replacement_product"):
            received = line.sellable_quantity + line.damaged_quantity
            if not received:
                continue
            for product, quantity in _units(line.replacement_product or line.order_line.product, received):
                entry = units.setdefault(product.pk, [product, 0])
                entry[1] += quantity
        if not units:
            raise AftersalesInvalid(AftersalesError.NO_LINES, _("没有收到退回的商品，不能补发"), field="lines")
        before = snapshot(case)
        lines = [(product, quantity) for product, quantity in units.values()]
        reserve_stock(user=user, reference_type=CASE_REFERENCE, reference_id=case.pk, reference_code=case.code,
                      lines=[ReserveLine(product, source, quantity) for product, quantity in lines])
        parcel = create_shipment(user=user, reference_type=CASE_REFERENCE, reference_id=case.pk,
                                 reference_code=case.code, warehouse=source, lines=lines,
                                 consignee=_consignee(case.order), store=case.store)
        case.replacement_shipment = parcel
        case.save(update_fields=["replacement_shipment", "updated_at"])
        move_case(user, case, CaseStatus.RESHIPPED, _("补发包裹 %(code)s") % {"code": parcel.code})
        record_change(user=user, action=AuditAction.TRANSITION, instance=case, before=before, after=snapshot(case))
    return case


def complete_exchange(*, user, case: AfterSalesCase, reason: str = "") -> AfterSalesCase:
    """The replacement parcel left the warehouse: reshipped -> done (a second call is a no-op)."""
    with transaction.atomic():
        case = locked_case(case)
        if case.status == CaseStatus.DONE:
            return case
        check_move(case, CaseStatus.DONE)
        before = snapshot(case)
        move_case(user, case, CaseStatus.DONE, reason or _("补发包裹已发出"))
        record_change(user=user, action=AuditAction.TRANSITION, instance=case, before=before, after=snapshot(case))
    return case
