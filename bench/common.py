"""Shared plumbing of the workload benchmarks (bench/wN_*.py): database set-up, data, raw floor, RSS.

prepare_database(url) must run before django.setup(): it points ECERP_VAR_DIR at a temporary folder,
and DATABASE_URL at a fresh SQLite file (url empty) or at a new PostgreSQL database created next to
the one named in url (dropped again by drop_database). Then migrate() builds the schema.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


@dataclass
class BenchDatabase:
    folder: Path
    url: str
    admin_url: str | None

    @property
    def vendor(self) -> str:
        return "postgresql" if self.admin_url else "sqlite"

    @property
    def sqlite_path(self) -> Path:
        return self.folder / "bench.sqlite3"


def prepare_database(url: str, prefix: str) -> BenchDatabase:
    # a SIGTERM (e.g. from `timeout`) exits through the callers' finally blocks, which drop the database
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(143))
    folder = Path(tempfile.mkdtemp(prefix=f"ecerp-{prefix}-"))
    os.environ["ECERP_VAR_DIR"] = str(folder / "var")
    os.environ["DJANGO_SETTINGS_MODULE"] = "ecerp.settings"
    admin_url = None
    if url.startswith("postgres"):
        import psycopg

        # the named database need not exist: the server's "postgres" database is used to create
        # <name>_<pid> (or ecerp_<prefix>_<pid>), which the run then uses and drops
        base, _slash, name = url.rpartition("/")
        name = f"{name.split('?')[0] or 'ecerp_' + prefix}_{os.getpid()}"
        admin_url = f"{base}/postgres"
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        url = f"{base}/{name}"
    else:
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    return BenchDatabase(folder=folder, url=url, admin_url=admin_url)


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, skip_checks=True)
    from ecerp.core.runtime import tune_gc

    tune_gc()  # what the `ecerp` command does at start (ecerp.core.runtime)


def drop_database(database: BenchDatabase) -> None:
    from django.db import connections

    connections.close_all()
    if database.admin_url:
        import psycopg

        with psycopg.connect(database.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database.url.rpartition("/")[2]}" WITH (FORCE)')
    shutil.rmtree(database.folder, ignore_errors=True)


def peak_rss_mb() -> int:
    """The largest resident size of this process or of any of its finished children (worker processes)."""
    return round(max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                     resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024)


def make_products(count: int, prefix: str = "SKU"):
    """count stockable products through the master-data service; codes SKU000001..."""
    from ecerp.masterdata import services as masterdata

    return [masterdata.save_product(user=None, data={
        "code": f"{prefix}{number:06d}", "name": f"商品{number}", "unit": "件",
        "cost_price": Decimal("10.00"), "sale_price": Decimal("20.00")}) for number in range(1, count + 1)]


def make_warehouse_and_store(store_code: str = "TM01"):
    from ecerp.masterdata import services as masterdata

    warehouse = masterdata.save_warehouse(user=None, data={"name": "基准仓", "code": "WH01"})
    store = masterdata.save_store(user=None, data={"name": "基准店", "code": store_code, "platform": "tmall",
                                                   "shop_id": "900001", "default_warehouse": warehouse})
    return warehouse, store


def receive(products, warehouse, units: int, chunk: int = 500) -> None:
    from ecerp.inventory.services import MoveLine, receive_stock

    for start in range(0, len(products), chunk):
        receive_stock(user=None, lines=[MoveLine(product=item, warehouse=warehouse, quantity=units,
                                                 unit_cost=Decimal("10.00"))
                                        for item in products[start:start + chunk]])


def order_record(order_no: str, store_code: str, buyer: str, lines: list[tuple[str, int]]) -> dict:
    """One raw order record, the shape an API caller or a platform adapter hands to ingest_orders."""
    goods = sum(Decimal("20.00") * quantity for _code, quantity in lines)
    return {
        "store": store_code, "platform_order_no": order_no, "buyer_nick": buyer, "consignee_name": "张三",
        "consignee_phone": "13800000001", "province": "浙江省", "city": "杭州市", "district": "西湖区",
        "address": "文三路1号", "freight": "0.00", "paid_amount": str(goods),
        "payment_time": "2026-11-01 09:00:00", "platform_status": "待发货",
        "platform_updated_at": "2026-11-01 10:00:00",
        "lines": [{"sku_code": code, "title": code, "quantity": quantity, "unit_price": "20.00"}
                  for code, quantity in lines],
    }


ORDER_COLUMNS = ("store", "platform_order_no", "buyer_nick", "consignee_name", "consignee_phone", "province",
                 "city", "district", "address", "freight", "paid_amount", "payment_time", "platform_status")
LINE_COLUMNS = ("platform_order_no", "line_no", "sku_code", "title", "quantity", "unit_price")


def raw_floor(database: BenchDatabase, records: list[dict]) -> float:
    """Seconds to write the same order and line rows with the driver alone into plain tables:
    executemany in one transaction (SQLite) or COPY (PostgreSQL). Table creation is not timed."""
    orders = [tuple(str(record[name]) for name in ORDER_COLUMNS) for record in records]
    lines = [(record["platform_order_no"], index, line["sku_code"], line["title"], line["quantity"],
              line["unit_price"]) for record in records for index, line in enumerate(record["lines"], start=1)]
    order_ddl = ("CREATE TABLE raw_order (id {serial}, " + ", ".join(f"{name} text" for name in ORDER_COLUMNS)
                 + ")")
    line_ddl = ("CREATE TABLE raw_order_line (id {serial}, platform_order_no text, line_no integer, sku_code text, "
                "title text, quantity integer, unit_price numeric(12,2))")
    if database.admin_url:
        import psycopg

        with psycopg.connect(database.url) as connection:
            connection.execute(order_ddl.format(serial="bigserial primary key"))
            connection.execute(line_ddl.format(serial="bigserial primary key"))
            connection.commit()
            started = time.perf_counter()
            with connection.cursor() as cursor:
                with cursor.copy(f"COPY raw_order ({', '.join(ORDER_COLUMNS)}) FROM STDIN") as copy:
                    for row in orders:
                        copy.write_row(row)
                with cursor.copy(f"COPY raw_order_line ({', '.join(LINE_COLUMNS)}) FROM STDIN") as copy:
                    for row in lines:
                        copy.write_row(row)
            connection.commit()
            return time.perf_counter() - started
    connection = sqlite3.connect(database.sqlite_path)
    try:
        connection.execute(order_ddl.format(serial="integer primary key"))
        connection.execute(line_ddl.format(serial="integer primary key"))
        connection.commit()
        started = time.perf_counter()
        with connection:
            connection.executemany(f"INSERT INTO raw_order ({', '.join(ORDER_COLUMNS)}) VALUES "
                                   f"({', '.join('?' * len(ORDER_COLUMNS))})", orders)
            connection.executemany(f"INSERT INTO raw_order_line ({', '.join(LINE_COLUMNS)}) VALUES "
                                   f"({', '.join('?' * len(LINE_COLUMNS))})", lines)
        return time.perf_counter() - started
    finally:
        connection.close()
