"""Property test: random sequences of stock operations never break the stock invariants.

After every step: on hand >= 0, reserved <= on hand, the balances equal the ledger (moves and
active reservations: check_stock_balances() is empty), value = sum of move values and the
average = value / on hand; and quantities match a plain Python model of what should have
happened (refused exactly when the model says the stock is short).
"""

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecerp.core.errors import DomainError
from ecerp.inventory import calculations, services
from ecerp.inventory.models import StockBalance
from ecerp.inventory.services import MoveLine, ReserveLine
from tests.inventory.helpers import sku, warehouse

SKUS, WAREHOUSES = 2, 2

quantity = st.integers(min_value=1, max_value=6)
index_sku = st.integers(min_value=0, max_value=SKUS - 1)
index_wh = st.integers(min_value=0, max_value=WAREHOUSES - 1)
reference = st.integers(min_value=0, max_value=3)
cost = st.decimals(min_value=Decimal("0"), max_value=Decimal("50"), places=6)

operation = st.one_of(
    st.tuples(st.just("receive"), index_sku, index_wh, quantity, cost),
    st.tuples(st.just("issue"), index_sku, index_wh, quantity),
    st.tuples(st.just("reserve"), index_sku, index_wh, quantity, reference),
    st.tuples(st.just("release"), reference),
    st.tuples(st.just("consume"), reference),
    st.tuples(st.just("transfer"), index_sku, index_wh, quantity, st.booleans()),
    st.tuples(st.just("receive_transfers")),
    st.tuples(st.just("stocktake"), index_sku, index_wh, st.integers(min_value=0, max_value=8)),
)


class Model:
    """What the stock should be: on hand and reserved per (sku, warehouse), reservations per reference."""

    def __init__(self):
        self.on_hand: dict[tuple[int, int], int] = {}
        self.reserved: dict[tuple[int, int], int] = {}
        self.reservations: dict[int, tuple[tuple[int, int], int]] = {}
        self.in_transit: list[tuple[tuple[int, int], int]] = []

    def available(self, key) -> int:
        return self.on_hand.get(key, 0) - self.reserved.get(key, 0)

    def add(self, key, on_hand=0, reserved=0):
        self.on_hand[key] = self.on_hand.get(key, 0) + on_hand
        self.reserved[key] = self.reserved.get(key, 0) + reserved


def check_invariants(products, warehouses, model: Model):
    rows = list(StockBalance.objects.all())
    for row in rows:
        assert row.on_hand >= 0 and 0 <= row.reserved <= row.on_hand
        if row.on_hand > 0:
            assert row.avg_cost == calculations.average(row.on_hand, row.value, Decimal("0"))
        else:
            assert row.value == 0
    assert services.check_stock_balances() == []
    stored = {(row.product_id, row.warehouse_id): (row.on_hand, row.reserved) for row in rows}
    for (s, w), on_hand in model.on_hand.items():
        key = (products[s].pk, warehouses[w].pk)
        assert stored.get(key, (0, 0)) == (on_hand, model.reserved.get((s, w), 0))


def run(step, products, warehouses, model: Model):
    kind = step[0]
    if kind == "receive":
        _kind, s, w, q, unit_cost = step
        services.receive_stock(user=None, lines=[MoveLine(product=products[s], warehouse=warehouses[w], quantity=q,
                                                          unit_cost=unit_cost)])
        model.add((s, w), on_hand=q)
    elif kind == "issue":
        _kind, s, w, q = step
        expect_short = model.available((s, w)) < q
        try:
            services.issue_stock(user=None, lines=[MoveLine(product=products[s], warehouse=warehouses[w],
                                                            quantity=q)])
        except DomainError as error:
            assert error.code == "INSUFFICIENT_STOCK" and expect_short
            return
        assert not expect_short
        model.add((s, w), on_hand=-q)
    elif kind == "reserve":
        _kind, s, w, q, ref = step
        try:
            services.reserve_stock(user=None, reference_type="prop", reference_id=ref,
                                   lines=[ReserveLine(products[s], warehouses[w], q)])
        except DomainError as error:
            expected = "RESERVATION_EXISTS" if ref in model.reservations else "INSUFFICIENT_STOCK"
            assert error.code == expected
            assert ref in model.reservations or model.available((s, w)) < q
            return
        assert ref not in model.reservations and model.available((s, w)) >= q
        model.reservations[ref] = ((s, w), q)
        model.add((s, w), reserved=q)
    elif kind == "release":
        ref = step[1]
        released = services.release_reservation(user=None, reference_type="prop", reference_id=ref)
        if ref in model.reservations:
            key, q = model.reservations.pop(ref)
            assert released == q
            model.add(key, reserved=-q)
        else:
            assert released == 0
    elif kind == "consume":
        ref = step[1]
        try:
            services.issue_reserved_stock(user=None, reference_type="prop", reference_id=ref)
        except DomainError as error:
            assert error.code == "RESERVATION_NOT_FOUND" and ref not in model.reservations
            return
        key, q = model.reservations.pop(ref)
        model.add(key, on_hand=-q, reserved=-q)
    elif kind == "transfer":
        _kind, s, w, q, receive_now = step
        target = (w + 1) % WAREHOUSES
        transfer = services.create_transfer(user=None, from_warehouse=warehouses[w],
                                            to_warehouse=warehouses[target],
                                            lines=[{"product": products[s], "quantity": q}])
        expect_short = model.available((s, w)) < q
        try:
            services.ship_transfer(user=None, transfer=transfer)
        except DomainError as error:
            assert error.code == "INSUFFICIENT_STOCK" and expect_short
            return
        assert not expect_short
        model.add((s, w), on_hand=-q)
        if receive_now:
            services.receive_transfer(user=None, transfer=transfer)
            model.add((s, target), on_hand=q)
        else:
            model.in_transit.append((transfer, (s, target), q))
    elif kind == "receive_transfers":
        for transfer, key, q in model.in_transit:
            services.receive_transfer(user=None, transfer=transfer)
            model.add(key, on_hand=q)
        model.in_transit = []
    elif kind == "stocktake":
        _kind, s, w, counted = step
        stocktake = services.create_stocktake(user=None, warehouse=warehouses[w])
        if model.on_hand.get((s, w), 0) == 0:
            services.add_stocktake_line(user=None, stocktake=stocktake, product=products[s])
        services.start_stocktake(user=None, stocktake=stocktake)
        counts = {line.product_id: (counted if line.product_id == products[s].pk else line.book_quantity)
                  for line in stocktake.lines.all()}
        services.record_counts(user=None, stocktake=stocktake, counts=counts)
        book = model.on_hand.get((s, w), 0)
        expect_short = counted < book and book - counted > model.available((s, w))
        try:
            services.approve_stocktake(user=None, stocktake=stocktake)
        except DomainError as error:
            assert error.code == "INSUFFICIENT_STOCK" and expect_short
            return
        assert not expect_short
        model.add((s, w), on_hand=counted - book)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(steps=st.lists(operation, min_size=1, max_size=25))
def test_random_stock_operations_keep_every_invariant(steps):
    with transaction.atomic():
        products = [sku(f"商品{n}", cost_price=Decimal("5")) for n in range(SKUS)]
        warehouses = [warehouse(f"仓库{n}") for n in range(WAREHOUSES)]
        model = Model()
        for step in steps:
            run(step, products, warehouses, model)
            check_invariants(products, warehouses, model)
        transaction.set_rollback(True)
