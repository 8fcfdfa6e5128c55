"""Balances are a cache: recompute them from the movements and reservations, report or fix differences."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from ecerp.core.money import round_money
from ecerp.inventory import calculations
from ecerp.inventory.models import Reservation, StockBalance, StockMove
from ecerp.inventory.states import ReservationStatus

FIELDS = ("on_hand", "reserved", "value", "avg_cost")


@dataclass(frozen=True)
class BalanceDifference:
    """One field of one balance that differs from what the ledger says."""

    product_id: int
    warehouse_id: int
    field: str
    stored: object
    expected: object

    def as_dict(self) -> dict:
        return {"product_id": self.product_id, "warehouse_id": self.warehouse_id, "field": self.field,
                "stored": str(self.stored), "expected": str(self.expected)}


def expected_balances() -> dict[tuple[int, int], dict]:
    """What every balance should hold, from the moves (on hand, value, average) and active reservations.

    The average at zero stock is the unit cost of the last move (the average it left at).
    """
    expected: dict[tuple[int, int], dict] = {}
    sums = StockMove.objects.values("product_id", "warehouse_id").annotate(q=Sum("quantity"), v=Sum("value"))
    for row in sums:
        value = round_money(Decimal(row["v"]))  # SQLite sums decimals as floats
        expected[(row["product_id"], row["warehouse_id"])] = {
            "on_hand": row["q"], "reserved": 0, "value": value, "avg_cost": None,
        }
    empty = [key for key, row in expected.items() if row["on_hand"] <= 0]
    if empty:
        last_ids = (StockMove.objects.filter(product_id__in={p for p, _w in empty})
                    .values("product_id", "warehouse_id").annotate(last=Max("id")))
        empty_keys = set(empty)
        wanted = [row["last"] for row in last_ids if (row["product_id"], row["warehouse_id"]) in empty_keys]
        for product_id, warehouse_id, unit_cost in StockMove.objects.filter(pk__in=wanted).values_list(
                "product_id", "warehouse_id", "unit_cost"):
            expected[(product_id, warehouse_id)]["avg_cost"] = unit_cost
    for row in expected.values():
        if row["avg_cost"] is None:
            row["avg_cost"] = calculations.average(row["on_hand"], row["value"], Decimal("0"))
    reserved = (Reservation.objects.filter(status=ReservationStatus.ACTIVE)
                .values("product_id", "warehouse_id").annotate(q=Sum("quantity")))
    for row in reserved:
        key = (row["product_id"], row["warehouse_id"])
        expected.setdefault(key, {"on_hand": 0, "reserved": 0, "value": Decimal("0.00"), "avg_cost": Decimal("0")})
        expected[key]["reserved"] = row["q"]
    return expected


def _equal(field: str, stored, expected) -> bool:
    if field in ("value", "avg_cost"):
        return Decimal(stored).compare(Decimal(expected)) == 0 if stored is not None else False
    return stored == expected


def check_stock_balances() -> list[BalanceDifference]:
    """Return every difference between the stored balances and the ledger (empty: they agree)."""
    expected = expected_balances()
    differences = []
    seen = set()
    zero = {"on_hand": 0, "reserved": 0, "value": Decimal("0"), "avg_cost": None}
    for balance in StockBalance.objects.order_by("pk"):
        key = (balance.product_id, balance.warehouse_id)
        seen.add(key)
        want = expected.get(key, zero)
        for field in FIELDS:
            if want[field] is None:  # a row without moves keeps whatever average it was given
                continue
            if not _equal(field, getattr(balance, field), want[field]):
                differences.append(BalanceDifference(*key, field, getattr(balance, field), want[field]))
    for key in sorted(set(expected) - seen):
        for field in FIELDS:
            differences.append(BalanceDifference(*key, field, None, expected[key][field]))
    return differences


def rebuild_stock_balances() -> list[BalanceDifference]:
    """Rewrite the balances from the ledger; return the differences that were fixed.

    Locks every balance row (in primary-key order) for the rebuild, so no movement posts halfway.
    """
    with transaction.atomic():
        list(StockBalance.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
        differences = check_stock_balances()
        expected = expected_balances()
        now = timezone.now()
        for product_id, warehouse_id in sorted({(d.product_id, d.warehouse_id) for d in differences}):
            want = expected.get((product_id, warehouse_id),
                                {"on_hand": 0, "reserved": 0, "value": Decimal("0"), "avg_cost": Decimal("0")})
            StockBalance.objects.update_or_create(
                product_id=product_id, warehouse_id=warehouse_id,
                defaults={**{field: want[field] for field in FIELDS}, "updated_at": now},
            )
        return differences
