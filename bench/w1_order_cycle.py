"""Benchmark W1 (order cycle): N orders ingested, reviewed, allocated and shipped through the services.

Data (not timed): 1,000 SKUs, 200 customers (buyer nicks), one warehouse holding 1,000 units of
every SKU (100,000 when N >= 100,000) received with receive_stock, one store with that default
warehouse. Work (timed per phase, fixed seed): N orders of 1-3 lines of random SKUs, 1-3 units each:
ingest (ingest_orders, 1,000 records a call), review (review_orders), allocate (allocate_orders),
ship (create_order_shipments, confirm_packed and ship_shipments with the simulated carrier "SIM",
1,000 parcels a call; with --scan one scan_item per unit instead of confirm_packed; the ship phase
is split further in the printed detail). Then the raw floor:
the same order and line rows written with the driver alone. The last line printed is one JSON object
(see ../shared/bench/WORKLOADS.md).

    .venv/bin/python bench/w1_order_cycle.py [--orders 2000] [--db URL]
"""

from __future__ import annotations

import argparse
import json
import random
import time

from common import (
    drop_database,
    make_products,
    make_warehouse_and_store,
    migrate,
    order_record,
    peak_rss_mb,
    prepare_database,
    raw_floor,
    receive,
)

SKUS, CUSTOMERS, BATCH = 1_000, 200, 1_000


def build_records(orders: int, store_code: str) -> list[dict]:
    rng = random.Random(20261129)
    records = []
    for number in range(1, orders + 1):
        codes = rng.sample(range(1, SKUS + 1), rng.randint(1, 3))
        records.append(order_record(f"W1-{number:07d}", store_code, f"buyer{rng.randint(1, CUSTOMERS):03d}",
                                    [(f"SKU{code:06d}", rng.randint(1, 3)) for code in codes]))
    return records


def batches(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2_000)
    parser.add_argument("--db", default="", help="database URL (default: a fresh SQLite file in a temp dir)")
    parser.add_argument("--scan", action="store_true", help="pack by scanning every unit (scan_item) instead of "
                        "confirming whole parcels packed (confirm_packed)")
    args = parser.parse_args()
    database = prepare_database(args.db, "w1")
    try:
        migrate()
        from ecerp.inventory.models import Shipment
        from ecerp.inventory.services import confirm_packed, scan_item, ship_shipments
        from ecerp.sales.models import SalesOrder
        from ecerp.sales.services import allocate_orders, create_order_shipments, ingest_orders, review_orders
        from ecerp.sales.states import OrderStatus

        setup_started = time.perf_counter()
        products = make_products(SKUS)
        warehouse, store = make_warehouse_and_store()
        receive(products, warehouse, 100_000 if args.orders >= 100_000 else 1_000)
        records = build_records(args.orders, store.code)
        lines = sum(len(record["lines"]) for record in records)
        print(f"set-up {time.perf_counter() - setup_started:.1f} s ({SKUS} SKUs, {args.orders} orders, {lines} lines)",
              flush=True)

        seconds: dict[str, float] = {}
        detail: dict[str, float] = {}
        started = time.perf_counter()
        order_ids: list[int] = []
        for batch in batches(records):
            result = ingest_orders(user=None, source="api", records=batch)
            bad = [item for item in result.results if not item.order_id]
            if bad:
                raise SystemExit(f"ingest refused records: {bad[:3]}")
            order_ids += [item.order_id for item in result.results]
        seconds["ingest"] = time.perf_counter() - started
        print(f"ingest {seconds['ingest']:.2f} s", flush=True)

        mark = time.perf_counter()
        for batch in batches(order_ids):
            outcomes = review_orders(user=None, orders=batch)
            assert all(item.outcome == "reviewed" for item in outcomes), outcomes[:3]
        seconds["review"] = time.perf_counter() - mark
        print(f"review {seconds['review']:.2f} s", flush=True)

        mark = time.perf_counter()
        for batch in batches(order_ids):
            outcomes = allocate_orders(user=None, orders=batch)
            short = [item for item in outcomes if item.outcome != "allocated"]
            assert not short, short[:3]
        seconds["allocate"] = time.perf_counter() - mark
        print(f"allocate {seconds['allocate']:.2f} s", flush=True)

        mark = time.perf_counter()
        for batch in batches(order_ids):
            orders = list(SalesOrder.objects.filter(pk__in=batch).order_by("pk"))
            created = create_order_shipments(user=None, orders=orders)
            failed = [item for item in created if item.errors]
            assert not failed, failed[:3]
        detail["ship_create_parcels"] = time.perf_counter() - mark
        print(f"ship: parcels created {detail['ship_create_parcels']:.2f} s", flush=True)
        parcels = list(Shipment.objects.order_by("pk").prefetch_related("lines__product"))
        scan_mark = time.perf_counter()
        units = 0
        if args.scan:  # the packer's path: one scan_item per unit
            for parcel in parcels:
                for line in parcel.lines.all():
                    for _unit in range(line.quantity):
                        scan_item(user=None, shipment=parcel, barcode=line.product.code)
                        units += 1
        else:  # whole parcels confirmed packed (整单验货), a batch at a time
            for batch in batches(parcels):
                failed = [item for item in confirm_packed(user=None, shipments=batch) if item.error]
                assert not failed, failed[:3]
        detail["ship_pack"] = time.perf_counter() - scan_mark
        print(f"ship: packed {detail['ship_pack']:.2f} s ({units} units scanned)", flush=True)
        ship_mark = time.perf_counter()
        for batch in batches(parcels):
            failed = [item for item in ship_shipments(user=None, shipments=batch, carrier_code="SIM") if item.error]
            assert not failed, failed[:3]
        detail["ship_issue"] = time.perf_counter() - ship_mark
        seconds["ship"] = time.perf_counter() - mark
        seconds["total"] = time.perf_counter() - started

        shipped = SalesOrder.objects.filter(pk__in=order_ids, status=OrderStatus.SHIPPED).count()
        assert shipped == args.orders, f"{shipped} of {args.orders} orders shipped"
        floor = raw_floor(database, records)
        print("phases: " + ", ".join(f"{key} {value:.2f} s" for key, value in seconds.items()))
        print("ship split: " + ", ".join(f"{key} {value:.2f} s" for key, value in detail.items())
              + f" ({len(parcels)} parcels, {units} units scanned)")
        print(f"raw floor {floor:.3f} s", flush=True)
        print(json.dumps({
            "workload": "W1", "db": database.vendor, "orders": args.orders, "lines": lines,
            "orders_per_s": round(args.orders / seconds["total"], 1), "raw_floor_s": round(floor, 3),
            "floor_ratio": round(seconds["total"] / floor, 1),
            "seconds": {key: round(value, 2) for key, value in seconds.items()},
            "ship_detail_s": {key: round(value, 2) for key, value in detail.items()}, "units_scanned": units,
            "peak_rss_mb": peak_rss_mb(),
        }))
    finally:
        drop_database(database)


if __name__ == "__main__":
    main()
