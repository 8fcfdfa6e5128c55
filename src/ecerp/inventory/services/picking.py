"""Pick waves (拣货波次): many parcels of one warehouse picked in one walk, SKU by SKU, in location order.

A SKU's location is the location of its latest inbound move with a location in that warehouse
(where it was last put away); SKUs without one are listed last, as unassigned.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from ecerp.core.audit import record_change, snapshot
from ecerp.core.models import AuditAction
from ecerp.core.states import move
from ecerp.inventory.errors import InventoryError, InventoryInvalid
from ecerp.inventory.models import INBOUND_KINDS, PickWave, PickWaveLine, Shipment, ShipmentLine, StockMove
from ecerp.inventory.services.codes import next_document_code
from ecerp.inventory.states import SHIPMENT_TRANSITIONS, ShipmentStatus
from ecerp.masterdata.models import Location, Warehouse

LABELS = dict(ShipmentStatus.choices)


def put_away_locations(warehouse: Warehouse, product_ids) -> dict[int, Location]:
    """{product_id: location} of the latest inbound move with a location of each SKU in warehouse."""
    latest = (StockMove.objects.filter(warehouse=warehouse, product_id__in=list(product_ids),
                                       kind__in=[str(kind) for kind in INBOUND_KINDS], location__isnull=False)
              .values("product_id").annotate(last=Max("id")))
    move_ids = [row["last"] for row in latest]
    return {move.product_id: move.location for move in
            StockMove.objects.filter(pk__in=move_ids).select_related("location")}


def pick_order(items: list[tuple[int, Location | None]]) -> list[tuple[int, Location | None]]:
    """Sort (product_id, location) by the location's pick sequence and code; no location last."""
    return sorted(items, key=lambda item: (item[1] is None, item[1].pick_sequence if item[1] else 0,
                                           item[1].code if item[1] else "", item[0]))


def create_pick_wave(*, user, warehouse: Warehouse, shipments: list[Shipment]) -> PickWave:
    """Group open parcels of one warehouse into a pick wave (code BC...), lines summed per SKU.

    Raises NO_LINES without parcels, WAVE_WAREHOUSE_MISMATCH for a parcel of another
    warehouse, SHIPMENT_NOT_OPEN for one that is not waiting to be picked (created). Each parcel
    moves created -> picking and points at the wave. Audited.
    """
    if not shipments:
        raise InventoryInvalid(InventoryError.NO_LINES, _("请选择要拣货的发货单"), field="shipments")
    with transaction.atomic():
        locked = list(Shipment.objects.select_for_update().filter(pk__in=[s.pk for s in shipments]).order_by("pk"))
        for shipment in locked:
            if shipment.warehouse_id != warehouse.pk:
                raise InventoryInvalid(InventoryError.WAVE_WAREHOUSE_MISMATCH,
                                       _("发货单「%(shipment)s」不属于仓库「%(warehouse)s」"), field="shipments",
                                       shipment=shipment.code, warehouse=warehouse.code)
            if shipment.status != ShipmentStatus.CREATED:
                raise InventoryInvalid(InventoryError.SHIPMENT_NOT_OPEN,
                                       _("发货单「%(shipment)s」状态为「%(status)s」，不能加入拣货波次"),
                                       field="shipments", shipment=shipment.code,
                                       status=shipment.get_status_display())
        wave = PickWave.objects.create(code=next_document_code("pick_wave"), warehouse=warehouse,
                                       created_by=user if getattr(user, "pk", None) else None)
        totals: dict[int, int] = {}
        for product_id, quantity in ShipmentLine.objects.filter(shipment__in=locked).values_list("product_id",
                                                                                               "quantity"):
            totals[product_id] = totals.get(product_id, 0) + quantity
        locations = put_away_locations(warehouse, totals)
        ordered = pick_order([(product_id, locations.get(product_id)) for product_id in totals])
        PickWaveLine.objects.bulk_create([
            PickWaveLine(wave=wave, sequence=number, product_id=product_id, location=location,
                         quantity=totals[product_id])
            for number, (product_id, location) in enumerate(ordered, start=1)
        ])
        for shipment in locked:
            move(user=user, obj=shipment, to_state=ShipmentStatus.PICKING, transitions=SHIPMENT_TRANSITIONS,
                 labels=LABELS, reason=wave.code)
        Shipment.objects.filter(pk__in=[s.pk for s in locked]).update(wave=wave)
        record_change(user=user, action=AuditAction.CREATE, instance=wave, after=snapshot(wave))
        return wave
