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
import traceback
from collections import defaultdict

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


# The stages of one batch, in order; a batch's ship phase is parcels + pack + ship.
STAGES = ("ingest", "review", "allocate", "parcels", "pack", "ship")
PHASE = {"ingest": "ingest", "review": "review", "allocate": "allocate", "parcels": "ship", "pack": "ship",
         "ship": "ship"}
DETAIL = {"parcels": "ship_create_parcels", "pack": "ship_pack", "ship": "ship_issue"}
# Stages that take the same row locks (a coding-rule sequence, the stock balances) never run at the same
# time in the pipelined mode: they would only wait for each other.
LOCK_GROUP = {"ingest": "ingest", "review": "review", "allocate": "stock", "parcels": "parcels", "pack": "pack",
              "ship": "stock"}


def run_stage(stage: str, data, scan: bool = False):
    """Run one stage on one batch: data is the batch's records (ingest) or its order ids (the others).

    Returns the batch's order ids (ingest) or the units scanned (pack with --scan); else None.
    """
    from ecerp.inventory.models import Shipment
    from ecerp.inventory.services import confirm_packed, scan_item, ship_shipments
    from ecerp.sales.models import SalesOrder
    from ecerp.sales.services import allocate_orders, create_order_shipments, ingest_orders, review_orders
    from ecerp.sales.services.allocation import RESERVATION_TYPE

    if stage == "ingest":
        result = ingest_orders(user=None, source="api", records=data)
        bad = [item for item in result.results if not item.order_id]
        if bad:
            raise SystemExit(f"ingest refused records: {bad[:3]}")
        return [item.order_id for item in result.results]
    if stage == "review":
        outcomes = review_orders(user=None, orders=data)
        assert all(item.outcome == "reviewed" for item in outcomes), outcomes[:3]
    elif stage == "allocate":
        short = [item for item in allocate_orders(user=None, orders=data) if item.outcome != "allocated"]
        assert not short, short[:3]
    elif stage == "parcels":
        orders = list(SalesOrder.objects.filter(pk__in=data).order_by("pk"))
        failed = [item for item in create_order_shipments(user=None, orders=orders) if item.errors]
        assert not failed, failed[:3]
    else:
        parcels = Shipment.objects.filter(reference_type=RESERVATION_TYPE,
                                          reference_id__in=[str(pk) for pk in data]).order_by("pk")
        if stage == "pack" and scan:  # the packer's path: one scan_item per unit
            units = 0
            for parcel in parcels.prefetch_related("lines__product"):
                for line in parcel.lines.all():
                    for _unit in range(line.quantity):
                        scan_item(user=None, shipment=parcel, barcode=line.product.code)
                        units += 1
            return units
        if stage == "pack":  # whole parcels confirmed packed (整单验货)
            failed = [item for item in confirm_packed(user=None, shipments=list(parcels)) if item.error]
        else:
            failed = [item for item in ship_shipments(user=None, shipments=list(parcels), carrier_code="SIM")
                      if item.error]
        assert not failed, failed[:3]
    return None


def run_serial(records: list[dict], scan: bool) -> tuple[list[int], dict, dict, int]:
    """Phase after phase over all batches (each phase's seconds are wall-clock seconds)."""
    seconds: dict[str, float] = {}
    detail: dict[str, float] = {}
    units = 0
    started = time.perf_counter()
    order_batches = [run_stage("ingest", batch) for batch in batches(records)]
    seconds["ingest"] = time.perf_counter() - started
    print(f"ingest {seconds['ingest']:.2f} s", flush=True)
    for stage in STAGES[1:]:
        mark = time.perf_counter()
        for ids in order_batches:
            units += run_stage(stage, ids, scan) or 0
        elapsed = time.perf_counter() - mark
        if stage in DETAIL:
            detail[DETAIL[stage]] = elapsed
        seconds[PHASE[stage]] = seconds.get(PHASE[stage], 0.0) + elapsed
        print(f"{stage} {elapsed:.2f} s", flush=True)
    seconds["total"] = time.perf_counter() - started
    return [pk for ids in order_batches for pk in ids], seconds, detail, units


def _worker(pipe, scan: bool) -> None:
    from django.db import connections

    while True:
        task = pipe.recv()
        if task is None:
            break
        stage, index, data = task
        mark = time.perf_counter()
        try:
            result = run_stage(stage, data, scan)
        except BaseException:  # reported to the scheduler, which stops the run
            pipe.send(("error", index, traceback.format_exc(), 0.0))
            break
        pipe.send((stage, index, result, time.perf_counter() - mark))
    connections.close_all()


def run_pipelined(records: list[dict], scan: bool, workers: int) -> tuple[list[int], dict, dict, int]:
    """workers processes take (stage, batch) tasks from this scheduler as a pipeline.

    A batch's stages run in order; two stages of one lock group (LOCK_GROUP) never run at once;
    among the ready tasks the latest stage goes first (batches drain to shipped while new ones
    are ingested). Phase seconds are busy seconds summed over the workers; total is wall clock.
    """
    import multiprocessing
    from multiprocessing.connection import wait

    from django.db import connections

    connections.close_all()  # the children open their own connections
    context = multiprocessing.get_context("fork")
    pipes, processes = [], []
    for _number in range(workers):
        ours, theirs = context.Pipe()
        process = context.Process(target=_worker, args=(theirs, scan), daemon=True)
        process.start()
        pipes.append(ours)
        processes.append(process)
    data: list = list(batches(records))
    stage_of = [0] * len(data)  # index into STAGES of each batch's next stage
    running: dict[int, tuple[str, int]] = {}  # worker -> (stage, batch)
    busy: dict[str, float] = defaultdict(float)
    units = 0
    started = time.perf_counter()
    try:
        while True:
            groups = {LOCK_GROUP[stage] for stage, _index in running.values()}
            taken = {index for _stage, index in running.values()}
            ready = sorted((-stage_of[index], index) for index in range(len(data))
                           if stage_of[index] < len(STAGES) and index not in taken
                           and LOCK_GROUP[STAGES[stage_of[index]]] not in groups)
            for worker in range(workers):
                if worker in running or not ready:
                    continue
                _negative, index = ready.pop(0)
                stage = STAGES[stage_of[index]]
                if any(LOCK_GROUP[stage] == LOCK_GROUP[STAGES[stage_of[other]]] for _n, other in ready):
                    ready = [item for item in ready if LOCK_GROUP[STAGES[stage_of[item[1]]]] != LOCK_GROUP[stage]]
                pipes[worker].send((stage, index, data[index]))
                running[worker] = (stage, index)
            if not running:
                break
            for pipe in wait([pipes[worker] for worker in running]):
                worker = pipes.index(pipe)
                stage, index, result, elapsed = pipe.recv()
                if stage == "error":
                    raise SystemExit(f"batch {index} failed in a worker:\n{result}")
                del running[worker]
                busy[stage] += elapsed
                if stage == "ingest":
                    data[index] = result
                elif stage == "pack":
                    units += result or 0
                stage_of[index] += 1
    finally:
        for pipe in pipes:
            try:
                pipe.send(None)
            except (BrokenPipeError, OSError):
                pass
        for process in processes:
            process.join(timeout=60)
    seconds: dict[str, float] = defaultdict(float)
    for stage, value in busy.items():
        seconds[PHASE[stage]] += value
    seconds = {name: seconds[name] for name in ("ingest", "review", "allocate", "ship")}
    seconds["total"] = time.perf_counter() - started
    detail = {DETAIL[stage]: busy[stage] for stage in ("parcels", "pack", "ship")}
    return [pk for ids in data for pk in ids], seconds, detail, units


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2_000)
    parser.add_argument("--db", default="", help="database URL (default: a fresh SQLite file in a temp dir)")
    parser.add_argument("--scan", action="store_true", help="pack by scanning every unit (scan_item) instead of "
                        "confirming whole parcels packed (confirm_packed)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes; above 1 the batches go through "
                        "the stages as a pipeline (phase seconds are then busy seconds summed over the workers)")
    args = parser.parse_args()
    database = prepare_database(args.db, "w1")
    try:
        migrate()
        from ecerp.inventory.models import Shipment
        from ecerp.sales.models import SalesOrder
        from ecerp.sales.states import OrderStatus

        setup_started = time.perf_counter()
        products = make_products(SKUS)
        warehouse, store = make_warehouse_and_store()
        receive(products, warehouse, 100_000 if args.orders >= 100_000 else 1_000)
        records = build_records(args.orders, store.code)
        lines = sum(len(record["lines"]) for record in records)
        print(f"set-up {time.perf_counter() - setup_started:.1f} s ({SKUS} SKUs, {args.orders} orders, {lines} lines)",
              flush=True)
        if args.workers > 1:
            order_ids, seconds, detail, units = run_pipelined(records, args.scan, args.workers)
        else:
            order_ids, seconds, detail, units = run_serial(records, args.scan)
        parcels = Shipment.objects.count()
        shipped = SalesOrder.objects.filter(pk__in=order_ids, status=OrderStatus.SHIPPED).count()
        assert shipped == args.orders, f"{shipped} of {args.orders} orders shipped"
        floor = raw_floor(database, records)
        print("phases: " + ", ".join(f"{key} {value:.2f} s" for key, value in seconds.items()))
        print("ship split: " + ", ".join(f"{key} {value:.2f} s" for key, value in detail.items())
              + f" ({parcels} parcels, {units} units scanned)")
        print(f"raw floor {floor:.3f} s", flush=True)
        print(json.dumps({
            "workload": "W1", "db": database.vendor, "orders": args.orders, "lines": lines,
            "workers": args.workers,
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
