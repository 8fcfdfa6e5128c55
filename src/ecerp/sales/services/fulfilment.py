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

from ecerp.core.errors import DomainError, ErrorDetail
from ecerp.inventory.models import Reservation
from ecerp.inventory.services import Consignee, create_shipment
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
    """Create the parcel of each allocated order, each order on its own (one failure never stops the batch).

    An order that is not allocated is refused with NOT_ALLOCATED; inventory's own errors
    (SHIPMENT_EXISTS when the order has a live parcel, RESERVATION_MISMATCH) are passed on.
    """
    results = []
    reserved: dict[str, list[Reservation]] = {}
    for row in Reservation.objects.filter(
        reference_type=RESERVATION_TYPE, reference_id__in=[str(order.pk) for order in orders],
        status=ReservationStatus.ACTIVE,
    ).select_related("product"):
        reserved.setdefault(row.reference_id, []).append(row)
    for order in orders:
        result = ShipmentResult(order_id=order.pk, order_code=order.code)
        try:
            with transaction.atomic():
                locked = (SalesOrder.objects.select_for_update(of=("self",))
                          .select_related("store", "warehouse").get(pk=order.pk))
                rows = reserved.get(str(order.pk), [])
                if locked.status != OrderStatus.ALLOCATED or locked.warehouse is None or not rows:
                    raise SalesConflict(SalesError.NOT_ALLOCATED, _("订单「%(code)s」尚未分配库存，不能生成发货单"),
                                      field="status", code=locked.code)
                shipment = create_shipment(
                    user=user, reference_type=RESERVATION_TYPE, reference_id=locked.pk, reference_code=locked.code,
                    warehouse=locked.warehouse, lines=[(row.product, row.quantity) for row in rows],
                    consignee=_consignee(locked), store=locked.store,
                )
                result.shipment_code = shipment.code
        except DomainError as error:
            result.errors = error.details
        results.append(result)
    return results
