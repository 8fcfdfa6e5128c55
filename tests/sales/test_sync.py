"""Pulling from a platform by time window: the simulated platform delivers duplicates and old versions."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecerp.sales import services
from ecerp.sales.adapters.platform import SimulatedPlatform
from ecerp.sales.models import SalesOrder, SyncCursor
from ecerp.sales.normalise import BEIJING
from tests.sales.helpers import product, record, store

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2024, 5, 1, 10, 0, tzinfo=BEIJING)


def at(minutes: int) -> str:
    return (T0 + datetime.timedelta(minutes=minutes)).isoformat()


def test_windows_advance_and_overlap_is_harmless():
    # given a store and a platform with orders updated over three hours
    shop = store()
    platform = SimulatedPlatform(repeat=1)
    for n in range(6):
        platform.publish(record(f"P{n}", updated=at(30 * n)))
    # when syncing twice, one window per call
    first, since1, until1 = services.sync_store_orders(user=None, store=shop, adapter=platform,
                                                       until=T0 + datetime.timedelta(minutes=61), start=T0)
    second, since2, until2 = services.sync_store_orders(user=None, store=shop, adapter=platform,
                                                        until=T0 + datetime.timedelta(hours=4))
    # then the second window starts at the first's end (minus the overlap) and every order exists once
    assert since2 == until1 - datetime.timedelta(minutes=5)
    assert first.counts()["created"] == 3 and second.counts()["created"] == 3
    assert SalesOrder.objects.count() == 6
    assert SyncCursor.objects.get(store=shop).synced_until == until2
    assert len(platform.calls) == 2


def test_reversed_delivery_keeps_the_newest_version():
    shop = store()
    platform = SimulatedPlatform(delivery="reversed", repeat=2)
    platform.publish(record("P1", updated=at(0), address="v1"))
    platform.publish(record("P1", updated=at(10), address="v2"))
    platform.publish(record("P1", updated=at(20), address="v3"))
    result, _since, _until = services.sync_store_orders(user=None, store=shop, adapter=platform,
                                                        until=T0 + datetime.timedelta(hours=1), start=T0)
    assert SalesOrder.objects.get().address == "v3"
    assert result.counts()["created"] == 1 and result.counts()["stale"] >= 2


VERSIONS = 4


def versions_of(order_no: str) -> list[dict]:
    """Monotone versions of one order: address changes, then maybe a cancellation at the end."""
    found = [record(order_no, updated=at(n), address=f"地址{n}", seller_memo=f"备注{n}") for n in range(VERSIONS)]
    found[-1]["platform_status"] = "交易关闭" if order_no.endswith("1") else "待发货"
    return found


def final_state() -> list[tuple]:
    return sorted((order.platform_order_no, order.address, order.seller_memo, order.status, order.payload_hash,
                   order.lines.count()) for order in SalesOrder.objects.all())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_interleaving_ends_like_the_newest_version(data):
    # given two orders with four versions each, delivered in random order, with duplicates, in random batches
    deliveries = [version for number in ("O0", "O1") for version in versions_of(number)]
    extra = data.draw(st.lists(st.sampled_from(deliveries), max_size=6))
    sequence = data.draw(st.permutations(deliveries + extra))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(sequence)), max_size=4)))
    SalesOrder.objects.all().delete()
    # when delivered batch by batch
    start = 0
    for cut in [*cuts, len(sequence)]:
        services.ingest_orders(user=None, source="api", records=sequence[start:cut])
        start = cut
    got = final_state()
    # then the result equals delivering only each order's newest version
    SalesOrder.objects.all().delete()
    services.ingest_orders(user=None, source="api", records=[versions_of("O0")[-1], versions_of("O1")[-1]])
    assert got == final_state()


@pytest.fixture(autouse=True)
def _store_for_property(request):
    if request.node.name.startswith("test_any_interleaving"):
        store()
        product("SKU-A")
