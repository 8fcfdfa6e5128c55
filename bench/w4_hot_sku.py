"""Benchmark W4 (hot SKU contention): parallel workers allocate random orders of 10 SKUs until stock runs out.

Data (not timed): 10 SKUs with 1,000 units each in one warehouse (receive_stock), one store with that
default warehouse. Work: --workers threads (16 by default), each with its own database connection,
each repeatedly ingests one random order (1-3 lines of the SKUs still showing stock, 1-3 units each,
fixed seed per worker), reviews it and allocates it (ingest_orders, review_orders, allocate_orders:
the services the pages and API use) until no SKU shows stock. A database error (deadlock, lock
timeout, unique collision) makes the worker retry the step (counted in retries, with the retries
ingest_orders does itself); anything else is counted in errors. Afterwards the ledger is checked:
oversold_units = units reserved or issued beyond what was received (must be 0), units_left = what is
still unreserved (0 once demand exceeded stock). The last line printed is one JSON object.

PostgreSQL is the intended database; SQLite runs too but serialises every writer on one file lock.

    .venv/bin/python bench/w4_hot_sku.py [--workers 16] [--db URL] [--time-limit 900]
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import threading
import time
from collections import Counter

from common import (
    drop_database,
    make_products,
    make_warehouse_and_store,
    migrate,
    order_record,
    peak_rss_mb,
    prepare_database,
    receive,
)

SKUS, UNITS, STEP_RETRIES = 10, 1_000, 20


class RetryCounter(logging.Handler):
    """Counts the batch retries ingest_orders logs when it collides with a concurrent ingest."""

    def __init__(self, counts: Counter, lock: threading.Lock):
        super().__init__(logging.INFO)
        self.counts, self.lock = counts, lock

    def emit(self, record: logging.LogRecord) -> None:
        if "retrying" in record.getMessage():
            with self.lock:
                self.counts["retries"] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--db", default="", help="database URL (default: a fresh SQLite file in a temp dir)")
    parser.add_argument("--time-limit", type=float, default=900, help="workers stop after this many seconds")
    args = parser.parse_args()
    database = prepare_database(args.db, "w4")
    try:
        migrate()
        from django.db import DatabaseError, connection, connections

        from ecerp.inventory.models import INBOUND_KINDS, Reservation, StockBalance, StockMove
        from ecerp.sales.services import allocate_orders, ingest_orders, review_orders

        products = make_products(SKUS, prefix="HOT")
        warehouse, store = make_warehouse_and_store()
        receive(products, warehouse, UNITS)
        product_ids = {item.pk: item.code for item in products}
        counts: Counter = Counter()
        lock = threading.Lock()
        logging.getLogger("ecerp.sales.services.ingest").setLevel(logging.INFO)
        logging.getLogger("ecerp.sales.services.ingest").addHandler(RetryCounter(counts, lock))
        deadline = time.perf_counter() + args.time_limit

        def available() -> dict[str, int]:
            rows = StockBalance.objects.filter(warehouse=warehouse, product_id__in=product_ids).values_list(
                "product_id", "on_hand", "reserved")
            return {product_ids[pk]: on_hand - reserved for pk, on_hand, reserved in rows if on_hand > reserved}

        def step(name: str, call):
            for attempt in range(STEP_RETRIES):
                try:
                    return call()
                except DatabaseError:
                    if attempt == STEP_RETRIES - 1:
                        raise
                    with lock:
                        counts["retries"] += 1
                    time.sleep(0.01 * (attempt + 1))
            raise AssertionError(name)

        def worker(number: int) -> None:
            rng = random.Random(20261129 + number)
            mine: Counter = Counter()
            sequence = 0
            try:
                while time.perf_counter() < deadline:
                    try:
                        stock = available()
                        if not stock:
                            break
                        sequence += 1
                        codes = rng.sample(sorted(stock), min(len(stock), rng.randint(1, 3)))
                        record = order_record(f"W4-{number:02d}-{sequence:06d}", store.code,
                                              f"buyer{rng.randint(1, 200):03d}",
                                              [(code, rng.randint(1, 3)) for code in codes])
                        ingested = step("ingest", lambda record=record: ingest_orders(
                            user=None, source="api", records=[record]))
                        order_id = ingested.results[0].order_id
                        if not order_id:
                            raise AssertionError(ingested.results[0].errors)
                        step("review", lambda order_id=order_id: review_orders(user=None, orders=[order_id]))
                        [result] = step("allocate", lambda order_id=order_id: allocate_orders(
                            user=None, orders=[order_id]))
                        mine[result.outcome] += 1
                        if result.outcome == "allocated":
                            mine["units"] += sum(quantity for _code, quantity in
                                                 [(line["sku_code"], line["quantity"]) for line in record["lines"]])
                    except Exception as error:  # noqa: BLE001 - a benchmark counts failures, it does not stop
                        mine["errors"] += 1
                        if mine["errors"] <= 3:
                            print(f"worker {number}: {type(error).__name__}: {str(error)[:200]}", flush=True)
            finally:
                connection.close()
                with lock:
                    counts.update(mine)

        threads = [threading.Thread(target=worker, args=(number,)) for number in range(args.workers)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        run = time.perf_counter() - started

        check_started = time.perf_counter()
        received, issued, reserved = Counter(), Counter(), Counter()
        for product_id, kind, quantity in StockMove.objects.filter(product_id__in=product_ids).values_list(
                "product_id", "kind", "quantity"):
            if kind in INBOUND_KINDS:
                received[product_id] += quantity
            else:
                issued[product_id] += abs(quantity)
        for product_id, quantity in Reservation.objects.filter(product_id__in=product_ids, status="active") \
                .values_list("product_id", "quantity"):
            reserved[product_id] += quantity
        oversold = sum(max(0, reserved[pk] + issued[pk] - received[pk]) for pk in product_ids)
        left = sum(max(0, received[pk] - reserved[pk] - issued[pk]) for pk in product_ids)
        balances_agree = all(
            (row.on_hand, row.reserved) == (received[row.product_id] - issued[row.product_id], reserved[row.product_id])
            for row in StockBalance.objects.filter(product_id__in=product_ids))
        check = time.perf_counter() - check_started
        connections.close_all()
        print(f"{args.workers} workers: {counts['allocated']} orders allocated ({counts['units']} units), "
              f"{counts['out_of_stock']} short, {counts['retries']} retries, {counts['errors']} errors "
              f"in {run:.2f} s; oversold {oversold}, left {left}, balances agree with ledger: {balances_agree}",
              flush=True)
        print(json.dumps({
            "workload": "W4", "db": database.vendor, "workers": args.workers, "skus": SKUS, "units_per_sku": UNITS,
            "reservations_per_s": round(counts["allocated"] / run, 1), "orders_allocated": counts["allocated"],
            "units_reserved": counts["units"], "orders_short": counts["out_of_stock"],
            "oversold_units": oversold, "units_left": left, "balances_agree": balances_agree,
            "retries": counts["retries"], "errors": counts["errors"],
            "seconds": {"run": round(run, 2), "check": round(check, 2), "total": round(run + check, 2)},
            "peak_rss_mb": peak_rss_mb(),
        }))
    finally:
        drop_database(database)


if __name__ == "__main__":
    main()
