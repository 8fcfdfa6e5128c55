"""Helpers of the sales tests: stores, products and order records in the normalised shape."""

from __future__ import annotations

import itertools
from pathlib import Path

from tests.core.factories import make_product, make_store

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "platform-files"
_shop_ids = itertools.count(5000)


def store(code="TM01", platform="tmall", **data):
    return make_store(code=code, platform=platform, shop_id=str(next(_shop_ids)), **data)


def product(code, name=None, **data):
    return make_product(code=code, name=name or code, **data)


def record(order_no="T1", store_code="TM01", *, updated="2024-05-01 10:00:00", status="待发货", lines=None,
           **fields):
    """A raw order record as an API caller or adapter sends it."""
    return {
        "store": store_code, "platform_order_no": order_no, "buyer_nick": "buyer1", "consignee_name": "张三",
        "consignee_phone": "13800000001", "province": "浙江省", "city": "杭州市", "district": "西湖区",
        "address": "文三路1号", "freight": "0.00", "paid_amount": fields.pop("paid_amount", "90.00"),
        "payment_time": "2024-05-01 09:00:00", "platform_status": status, "platform_updated_at": updated,
        "lines": lines if lines is not None else [{"sku_code": "SKU-A", "title": "面霜", "quantity": 1,
                                                   "unit_price": "100.00"}],
        **fields,
    }
