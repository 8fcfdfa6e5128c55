"""Hand allocated orders to the warehouse: one parcel (inventory shipment) per order.

The parcel carries exactly what the order reserved at allocation (bundles already exploded into
their components), under the same reference (sales_order, order id), so shipping the parcel
issues the order's reservation and inventory's ShipmentShipped marks the order shipped
(sales.services.orders). The consignee travels encrypted on the parcel.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ecerp.core.errors import ErrorDetail
from ecerp.inventory.models import Reservation
from ecerp.inventory.services import Consignee, ShipmentRequest, create_shipments
from ecerp.inventory.states import ReservationStatus
from ecerp.sales.errors import SalesConflict, SalesError
from ecerp.sales.models import SalesOrder
from ecerp.sales.services.allocation import RESERVATION_TYPE
from ecerp.sales.states import OrderStatus


@dataclass
class ShipmentResult:
    order_id: int
    order_code: str
    shipment_code: str = ""
    errors: list[ErrorDetail] | None = None

    @property
    def outcome(self) -> str:
        return "failed" if self.errors else "created"

    def as_dict(self) -> dict:
        return {"order_id": self.order_id, "order_code": self.order_code, "outcome": self.outcome,
                "shipment": self.shipment_code, "errors": [detail.as_dict() for detail in self.errors or ()]}


def _consignee(order: SalesOrder) -> Consignee:
    region = " ".join(part for part in (order.province, order.city, order.district) if part)
    return Consignee(name=order.consignee_name or "", phone=order.consignee_phone or "",
                     address=f"{region} {order.address or ''}".strip())


def create_order_shipments(*, user, orders: list[SalesOrder]) -> list[ShipmentResult]:
    """Create the parcel of each allocated order (one failure never stops the batch); one result per order.

    The orders are locked in primary-key order and their parcels created with one batch call
    (inventory.create_shipments). An order that is not allocated is refused with NOT_ALLOCATED;
    inventory's own errors (SHIPMENT_EXISTS when the order has a live parcel,
    RESERVATION_MISMATCH) are passed on.
    """
    ids = [order.pk for order in orders]
    results = {pk: None for pk in ids}
    with transaction.atomic():
        locked = {order.pk: order for order in SalesOrder.objects.select_for_update(of=("self",))
                  .select_related("store", "warehouse").filter(pk__in=ids).order_by("pk")}
        reserved: dict[str, list[Reservation]] = {}
        for row in Reservation.objects.filter(
            reference_type=RESERVATION_TYPE, reference_id__in=[str(pk) for pk in ids],
            status=ReservationStatus.ACTIVE,
        ).select_related("product"):
            reserved.setdefault(row.reference_id, []).append(row)
        requests, asked = [], []
        for pk in ids:
            order = locked.get(pk)
            if order is None:
                continue
            result = ShipmentResult(order_id=order.pk, order_code=order.code)
            results[pk] = result
            rows = reserved.get(str(order.pk), [])
            if order.status != OrderStatus.ALLOCATED or order.warehouse is None or not rows:
                result.errors = SalesConflict(SalesError.NOT_ALLOCATED,
                                              _("订单「%(code)s」尚未分配库存，不能生成发货单"),
                                              field="status", code=order.code).details
                continue
            requests.append(ShipmentRequest(
                reference_type=RESERVATION_TYPE, reference_id=order.pk, reference_code=order.code,
                warehouse=order.warehouse, lines=[(row.product, row.quantity) for row in rows],
                consignee=_consignee(order), store=order.store))
            asked.append(result)
        for result, created in zip(asked, create_shipments(user=user, requests=requests), strict=True):
            if created.error is not None:
                result.errors = created.error.details
            else:
                result.shipment_code = created.shipment.code
    return [result for result in results.values() if result is not None]
