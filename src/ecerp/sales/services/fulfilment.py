"""Hand allocated orders to the warehouse: one parcel (inventory shipment) per order.

The parcel carries exactly what the order reserved at allocation (bundles already exploded into
their components), under the same reference (sales_order, order id), so shipping the parcel
issues the order's reservation and inventory's ShipmentShipped marks the order shipped
(sales.services.orders). The consignee travels encrypted on the parcel.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import ExpressionWrapper, F, TextField
from django.utils.translation import gettext_lazy as _

from ecerp.core.crypto import Undecryptable, decrypt
from ecerp.core.errors import ErrorDetail
from ecerp.inventory.models import Reservation
from ecerp.inventory.services import Consignee, ShipmentRequest, create_shipments
from ecerp.inventory.services.shipments import Sealed
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


def _clear(stored: str | None) -> str:
    """The clear text of an encrypted column read raw (what the field would give, "" for an empty one)."""
    return decrypt(stored) if stored else (stored or "")


def _sealed(stored: str | None) -> str:
    clear = _clear(stored)
    return clear if not clear or isinstance(clear, Undecryptable) else Sealed(clear, stored)


def _consignee(name: str | None, phone: str | None, province: str, city: str, district: str,
               address: str | None) -> Consignee:
    """The parcel's consignee from an order's columns (personal data as read raw, still encrypted).

    Name and phone go on as they are stored (Sealed: the ciphertext is copied, not made again);
    the address is composed of the region and the street, so it is a new text (encrypted for the parcel).
    """
    region = " ".join(part for part in (province, city, district) if part)
    street = _sealed(address) if not region else _clear(address)
    return Consignee(name=_sealed(name), phone=_sealed(phone),
                     address=f"{region} {street}".strip() if region else street)


def _raw(name: str) -> ExpressionWrapper:
    """An encrypted column as stored (a plain text output field: nothing is decrypted on load)."""
    return ExpressionWrapper(F(name), output_field=TextField())


def create_order_shipments(*, user, orders: list[SalesOrder]) -> list[ShipmentResult]:
    """Create the parcel of each allocated order (one failure never stops the batch); one result per order.

    The orders are locked in primary-key order and their parcels created with one batch call
    (inventory.create_shipments). An order that is not allocated is refused with NOT_ALLOCATED;
    inventory's own errors (SHIPMENT_EXISTS when the order has a live parcel,
    RESERVATION_MISMATCH) are passed on. The orders and their reservations are read as tuples
    of the columns needed (ids, not instances, go to inventory).
    """
    ids = [order.pk for order in orders]
    results = {pk: None for pk in ids}
    with transaction.atomic():
        locked = {row[0]: row for row in SalesOrder.objects.select_for_update().filter(pk__any=ids).order_by("pk")
                  .annotate(raw_name=_raw("consignee_name"), raw_phone=_raw("consignee_phone"),
                            raw_address=_raw("address"))
                  .values_list("pk", "code", "status", "warehouse_id", "store_id", "raw_name", "raw_phone",
                               "province", "city", "district", "raw_address")}
        reserved: dict[str, list[tuple[int, int]]] = {}
        for reference_id, product_id, quantity in Reservation.objects.filter(
            reference_type=RESERVATION_TYPE, reference_id__any=[str(pk) for pk in ids],
            status=ReservationStatus.ACTIVE,
        ).order_by("pk").values_list("reference_id", "product_id", "quantity"):
            reserved.setdefault(reference_id, []).append((product_id, quantity))
        requests, asked = [], []
        for pk in ids:
            row = locked.get(pk)
            if row is None:
                continue
            _pk, code, status, warehouse_id, store_id = row[:5]
            result = ShipmentResult(order_id=pk, order_code=code)
            results[pk] = result
            lines = reserved.get(str(pk), [])
            if status != OrderStatus.ALLOCATED or warehouse_id is None or not lines:
                result.errors = SalesConflict(SalesError.NOT_ALLOCATED,
                                              _("订单「%(code)s」尚未分配库存，不能生成发货单"),
                                              field="status", code=code).details
                continue
            requests.append(ShipmentRequest(
                reference_type=RESERVATION_TYPE, reference_id=pk, reference_code=code,
                warehouse=warehouse_id, lines=lines, consignee=_consignee(*row[5:]), store=store_id))
            asked.append(result)
        for result, created in zip(asked, create_shipments(user=user, requests=requests), strict=True):
            if created.error is not None:
                result.errors = created.error.details
            else:
                result.shipment_code = created.shipment.code
    return [result for result in results.values() if result is not None]
