"""Read side of fulfilment: shipments and pick waves inside the caller's warehouses, consignee masked
unless the caller may see personal data, and the rows the pages and the API show."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from ecerp.core.crypto import mask_phone, mask_text
from ecerp.core.errors import NotFound
from ecerp.core.models import StateHistory
from ecerp.core.permissions import has_permission
from ecerp.inventory.models import PickWave, ScanRecord, Shipment
from ecerp.inventory.states import ShipmentStatus
from ecerp.masterdata.scopes import visible_warehouses

PERSONAL_DATA = "masterdata.view_personal_data"


def may_reveal(user) -> bool:
    return has_permission(user, PERSONAL_DATA)


def list_shipments(*, user, status: str | None = None, warehouse_id: int | None = None, carrier: str | None = None,
                   q: str | None = None, wave_id: int | None = None) -> QuerySet:
    """Shipments in the caller's warehouses, newest first; q matches shipment, order or waybill number."""
    rows = Shipment.objects.filter(warehouse__in=visible_warehouses(user)).select_related("warehouse", "store", "wave")
    if status:
        rows = rows.filter(status=status)
    if warehouse_id:
        rows = rows.filter(warehouse_id=warehouse_id)
    if carrier:
        rows = rows.filter(carrier_code=carrier.strip().upper())
    if wave_id:
        rows = rows.filter(wave_id=wave_id)
    if q and q.strip():
        term = q.strip()
        rows = rows.filter(Q(code__icontains=term) | Q(reference_code__icontains=term) | Q(waybill_no__icontains=term))
    return rows.order_by("-id")


def get_shipment(*, user, pk) -> Shipment:
    """One shipment inside the caller's warehouses; NOT_FOUND (404) otherwise."""
    shipment = list_shipments(user=user).filter(pk=pk).first()
    if shipment is None:
        raise NotFound(str(_("发货单")), pk)
    return shipment


def consignee(shipment: Shipment, user) -> dict:
    """The consignee as the caller may see it."""
    if may_reveal(user):
        return {"name": shipment.consignee_name, "phone": shipment.consignee_phone,
                "address": shipment.consignee_address}
    return {"name": mask_text(shipment.consignee_name), "phone": mask_phone(shipment.consignee_phone),
            "address": mask_text(shipment.consignee_address)}


def shipment_dict(shipment: Shipment, user, *, with_lines: bool = True) -> dict:
    data = {
        "id": shipment.pk, "code": shipment.code, "status": shipment.status,
        "status_label": str(shipment.get_status_display()), "reference_type": shipment.reference_type,
        "reference_id": shipment.reference_id, "reference_code": shipment.reference_code,
        "warehouse_id": shipment.warehouse_id, "warehouse_code": shipment.warehouse.code,
        "store_code": shipment.store.code if shipment.store_id else None,
        "wave_code": shipment.wave.code if shipment.wave_id else None,
        "carrier": shipment.carrier_code, "waybill_no": shipment.waybill_no,
        "consignee": consignee(shipment, user), "created_at": shipment.created_at, "packed_at": shipment.packed_at,
        "shipped_at": shipment.shipped_at, "signed_at": shipment.signed_at,
    }
    if with_lines:
        data["lines"] = [
            {"line_no": line.line_no, "product_id": line.product_id, "sku": line.product.code,
             "barcode": line.product.barcode, "name": line.product.name, "quantity": line.quantity,
             "scanned_quantity": line.scanned_quantity,
             "unit_cost": None if line.unit_cost is None else str(line.unit_cost),
             "value": None if line.value is None else str(line.value)}
            for line in shipment.lines.select_related("product")
        ]
    return data


def timeline(shipment: Shipment) -> list[dict]:
    """What happened to a parcel, oldest first: state changes and scans."""
    labels = dict(ShipmentStatus.choices)
    events = [{"at": row.at, "kind": "state", "user": row.user, "reason": row.reason,
               "text": f"{labels.get(row.from_state, row.from_state)} → {labels.get(row.to_state, row.to_state)}"}
              for row in StateHistory.objects.filter(model="inventory.shipment", object_id=str(shipment.pk))
              .select_related("user")]
    events += [{"at": scan.scanned_at, "kind": "scan" if scan.accepted else "refused",
                "text": scan.barcode + ("" if scan.accepted else f" ({scan.error_code})"), "user": scan.user,
                "reason": ""}
               for scan in ScanRecord.objects.filter(shipment=shipment).select_related("user")]
    return sorted(events, key=lambda event: event["at"])


def list_pick_waves(*, user, warehouse_id: int | None = None) -> QuerySet:
    rows = PickWave.objects.filter(warehouse__in=visible_warehouses(user)).select_related("warehouse")
    if warehouse_id:
        rows = rows.filter(warehouse_id=warehouse_id)
    return rows.order_by("-id")


def get_pick_wave(*, user, pk) -> PickWave:
    wave = list_pick_waves(user=user).filter(pk=pk).first()
    if wave is None:
        raise NotFound(str(_("拣货波次")), pk)
    return wave


def wave_dict(wave: PickWave) -> dict:
    return {
        "id": wave.pk, "code": wave.code, "warehouse_id": wave.warehouse_id, "warehouse_code": wave.warehouse.code,
        "created_at": wave.created_at,
        "shipments": list(wave.shipments.order_by("code").values_list("code", flat=True)),
        "lines": [{"sequence": line.sequence, "sku": line.product.code, "name": line.product.name,
                   "location": line.location.code if line.location else None, "quantity": line.quantity}
                  for line in wave.lines.select_related("product", "location")],
    }
