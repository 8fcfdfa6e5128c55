"""Platform SKU mapping: unmapped lines hold the order; mapping releases every waiting order."""

import pytest

from ecerp.sales import services
from ecerp.sales.models import SalesOrder
from ecerp.sales.states import OrderStatus
from tests.sales.helpers import product, record, store

pytestmark = pytest.mark.django_db


def test_unmapped_line_holds_and_mapping_releases_all_waiting_orders():
    # given a store, a product, and three orders whose platform code is unknown
    shop = store()
    cream = product("CREAM-50", barcode="6901234567892")
    lines = [{"sku_code": "TB-XYZ", "quantity": 2, "unit_price": "10"}]
    services.ingest_orders(user=None, source="api", records=[record(f"T{n}", lines=lines) for n in range(3)])
    assert set(SalesOrder.objects.values_list("status", flat=True)) == {OrderStatus.PENDING_MAPPING}
    assert "TB-XYZ" in SalesOrder.objects.first().hold_reason
    # when the code is mapped to the product
    _mapping, released = services.map_platform_sku(user=None, store=shop, sku_code="TB-XYZ", product=cream)
    # then every waiting order is received, its line pointing at the product
    assert released == 3
    assert set(SalesOrder.objects.values_list("status", flat=True)) == {OrderStatus.RECEIVED}
    assert {line.product_id for order in SalesOrder.objects.all() for line in order.lines.all()} == {cream.pk}


def test_order_with_two_unmapped_codes_waits_for_both():
    shop = store()
    a, b = product("P-A"), product("P-B")
    lines = [{"sku_code": "X1", "quantity": 1, "unit_price": "1"}, {"sku_code": "X2", "quantity": 1, "unit_price": "1"}]
    services.ingest_orders(user=None, source="api", records=[record("T1", lines=lines)])
    services.map_platform_sku(user=None, store=shop, sku_code="X1", product=a)
    assert SalesOrder.objects.get().status == OrderStatus.PENDING_MAPPING
    services.map_platform_sku(user=None, store=shop, sku_code="X2", product=b)
    assert SalesOrder.objects.get().status == OrderStatus.RECEIVED


def test_barcode_and_platform_mapping_match_automatically():
    store()
    by_barcode = product("CREAM-1", barcode="6901234567885")
    mapped = product("CREAM-2")
    services.map_platform_sku(user=None, platform="tmall", sku_code="TM-CODE", product=mapped)
    lines = [{"sku_code": "6901234567885", "quantity": 1, "unit_price": "1"},
             {"sku_code": "TM-CODE", "quantity": 1, "unit_price": "1"}]
    services.ingest_orders(user=None, source="api", records=[record("T1", lines=lines)])
    order = SalesOrder.objects.get()
    assert order.status == OrderStatus.RECEIVED
    assert [line.product_id for line in order.lines.all()] == [by_barcode.pk, mapped.pk]


def test_mapping_needs_a_code_and_a_scope():
    cream = product("C")
    with pytest.raises(services.mapping.SalesInvalid):
        services.map_platform_sku(user=None, sku_code=" ", product=cream, platform="tmall")
    with pytest.raises(services.mapping.SalesInvalid):
        services.map_platform_sku(user=None, sku_code="X", product=cream)


def test_a_new_version_of_a_waiting_order_picks_up_a_product_created_since():
    # given an order waiting for code NEW-1, then a product with that code is created
    store()
    lines = [{"sku_code": "NEW-1", "quantity": 1, "unit_price": "1"}]
    services.ingest_orders(user=None, source="api", records=[record("T1", lines=lines)])
    product("NEW-1")
    # when a newer version of the order (same lines, new memo) arrives
    services.ingest_orders(user=None, source="api", records=[
        record("T1", lines=lines, updated="2024-05-01 12:00:00", seller_memo="加急")])
    # then its line is matched and the order released
    order = SalesOrder.objects.get()
    assert order.status == OrderStatus.RECEIVED and order.lines.get().product.code == "NEW-1"


def test_rematch_releases_orders_after_products_are_created():
    store()
    lines = [{"sku_code": "NEW-2", "quantity": 1, "unit_price": "1"}]
    services.ingest_orders(user=None, source="api", records=[record("T1", lines=lines), record("T2", lines=lines)])
    product("NEW-2")
    assert services.rematch_waiting_lines(user=None) == 2
    assert set(SalesOrder.objects.values_list("status", flat=True)) == {OrderStatus.RECEIVED}
