"""Benchmark: import N products (default 100,000) from CSV through the import services.

Builds a category file and a product file (fixed seed), migrates a fresh database
(a temporary SQLite file by default; --db postgresql://... creates and drops its own
database), imports the categories, then times the products: read, validate (dry run),
commit (validation again + bulk writes + audit). The last line printed is one JSON object.

    .venv/bin/python bench/import_products.py [--rows 100000] [--db URL] [--xlsx]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

CATEGORY_TREE = {
    "美妆个护": ["面部护理", "彩妆", "身体护理", "香水"],
    "母婴": ["婴幼儿奶粉", "纸尿裤", "辅食"],
    "保健食品": ["维生素", "鱼油", "益生菌"],
    "食品饮料": ["零食", "咖啡", "茶叶"],
    "家居日用": ["厨具", "清洁用品", "收纳"],
}
CROSS_BORDER = {"面部护理": "3304990099", "彩妆": "3304100091", "香水": "3303000010",
                "婴幼儿奶粉": "1901101000", "维生素": "2106909090", "鱼油": "1504200090", "益生菌": "2106909090"}
BRANDS = ["雪肌", "花王", "资生堂", "爱他美", "Swisse", "善存", "无印良品", "三只松鼠", "星巴克", "乐扣"]
ORIGINS = ["JP", "KR", "US", "AU", "DE", "NZ", "FR", "日本", "澳大利亚"]


def ean13(number: int) -> str:
    body = f"69{number:010d}"
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(body))
    return body + str((10 - total % 10) % 10)


def build_files(rows: int, folder: Path, xlsx: bool) -> tuple[Path, Path]:
    random.seed(20261129)
    category_rows, leaves = [], []
    for top_index, (top, children) in enumerate(CATEGORY_TREE.items(), start=1):
        top_code = f"{top_index:02d}"
        category_rows.append([top_code, top, ""])
        for child_index, child in enumerate(children, start=1):
            child_code = f"{top_code}{child_index:02d}"
            category_rows.append([child_code, child, top_code])
            for leaf_index in range(1, 6):
                leaf_code = f"{child_code}{leaf_index:03d}"
                category_rows.append([leaf_code, f"{child}{leaf_index}系列", child_code])
                leaves.append((leaf_code, child))
    categories = folder / "categories.csv"
    with categories.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["编码", "名称", "上级分类编码"])
        writer.writerows(category_rows)
    header = ["商品编码", "条码", "名称", "规格", "品牌", "分类编码", "单位", "毛重(kg)", "净重(kg)", "成本价",
              "销售价", "原产国", "HS编码", "海关计量单位", "跨境商品", "启用"]
    data = []
    for number in range(1, rows + 1):
        leaf, group = random.choice(leaves)
        brand = random.choice(BRANDS)
        cost = Decimal(random.randint(300, 50000)) / 100
        net = Decimal(random.randint(20, 3000)) / 1000
        cross = group in CROSS_BORDER and random.random() < 0.6
        data.append([
            f"SKU{number:06d}", ean13(number), f"{brand}{group}{number}", f"{random.choice([50, 100, 200, 500])}g",
            brand, leaf, random.choice(["件", "瓶", "盒", "袋"]), str(net + Decimal("0.050")), str(net), str(cost),
            str((cost * Decimal("1.8")).quantize(Decimal("0.01"))),
            random.choice(ORIGINS) if cross else "", CROSS_BORDER[group] if cross else "", "035" if cross else "",
            "是" if cross else "否", "是",
        ])
    products = folder / ("products.xlsx" if xlsx else "products.csv")
    if xlsx:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("商品")
        sheet.append(header)
        for row in data:
            sheet.append(row)
        workbook.save(products)
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(data)
        products.write_text(buffer.getvalue(), encoding="utf-8")
    return categories, products


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", default="", help="database URL (default: a fresh SQLite file in a temp dir)")
    parser.add_argument("--xlsx", action="store_true", help="import an xlsx file instead of CSV")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="ecerp-bench-"))
    os.environ["ECERP_VAR_DIR"] = str(folder / "var")
    os.environ["DJANGO_SETTINGS_MODULE"] = "ecerp.settings"
    database, admin_url = args.db, None
    if database.startswith("postgres"):
        import psycopg

        base, _slash, _name = database.rpartition("/")
        name = f"ecerp_bench_{os.getpid()}"
        admin_url = database
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        database = f"{base}/{name}"
    os.environ["DATABASE_URL"] = database or f"sqlite:///{folder / 'bench.sqlite3'}"

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    try:
        call_command("migrate", verbosity=0, skip_checks=True)
        categories, products = build_files(args.rows, folder, args.xlsx)
        from ecerp.masterdata.importing.readers import read_table
        from ecerp.masterdata.importing.services import commit_import, preview_import
        from ecerp.masterdata.models import Product

        commit_import(user=None, kind="category", content=categories.read_bytes(), filename=categories.name)
        started = time.perf_counter()
        table = read_table(products.read_bytes(), products.name)
        read_done = time.perf_counter()
        preview = preview_import(kind="product", content=table, filename=products.name)
        validate_done = time.perf_counter()
        if preview.problems:
            raise SystemExit(f"unexpected problems: {preview.problems[:5]}")
        result = commit_import(user=None, kind="product", content=table, filename=products.name)
        commit_done = time.perf_counter()
        assert result.created == args.rows and Product.objects.count() == args.rows
        seconds = {"read": read_done - started, "validate": validate_done - read_done,
                   "commit": commit_done - validate_done, "total": commit_done - started}
        print(f"read {seconds['read']:.2f} s, validate (dry run) {seconds['validate']:.2f} s, "
              f"commit {seconds['commit']:.2f} s, total {seconds['total']:.2f} s")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({
            "workload": "import_products", "db": connection.vendor, "rows": args.rows,
            "format": "xlsx" if args.xlsx else "csv",
            "seconds": {key: round(value, 2) for key, value in seconds.items()},
            "rows_per_s": round(args.rows / seconds["total"]), "peak_rss_mb": round(peak),
        }))
    finally:
        connection.close()
        if admin_url:
            import psycopg

            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database.rpartition("/")[2]}"')
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
