"""Property test across sales and inventory: random order and stock cycles keep every stock invariant.

A hypothesis RuleBasedStateMachine drives the real services. Each example starts from random opening
stock in two warehouses and a few orders reviewed and allocated, then runs random steps: receipts;
platform deliveries (the same version again, a later version with no change, a new address, a new
quantity, or closed); cancellation by hand; review and allocation; parcels (create, scan check,
ship, or all three for an allocated order); interception with return; transfers (ship, later
receive); stocktakes (start with random counts, later approve). A plain Python model says what each
step must do; a step the model says must be refused has to raise a DomainError with the expected
code and leave the database unchanged (nothing half-written).

After every step: on hand >= 0, 0 <= reserved <= on hand; balances equal the ledger (ORM sums of
moves and active reservations, and inventory's check_stock_balances); on hand and reserved per
SKU x warehouse equal the model; no order ships twice and a shipped order issued exactly its lines;
each order is in exactly one state (the model's, and the last state history row); cancelled orders
hold no active reservation; every event was delivered without a handler error.

Events are delivered after commit; the examples run inside one rolled-back transaction, so every
step delivers the outbox itself (core.events.deliver_pending), as the scenario tests do.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from ecerp.core.errors import DomainError
from ecerp.core.events import deliver_pending
from ecerp.core.models import OutboxEvent, StateHistory
from ecerp.inventory import services as inventory
from ecerp.inventory.carriers import SimulatedCarrier, register_carrier
from ecerp.inventory.models import (
    MoveKind,
    Reservation,
    Shipment,
    ShipmentLine,
    StockBalance,
    StockMove,
    Stocktake,
    Transfer,
)
from ecerp.inventory.services import MoveLine
from ecerp.inventory.states import ReservationStatus, ShipmentStatus
from ecerp.sales import services as sales
from ecerp.sales.models import SalesOrder
from ecerp.sales.states import OrderStatus
from tests.core.factories import make_product, make_store, make_warehouse
from tests.sales.helpers import record

SKUS = ("SKU-A", "SKU-B")
WAREHOUSES = ("WH1", "WH2")  # WH1 is the store's default warehouse
STORE = "TM01"
RESERVATION_TYPE = "sales_order"
SHIPPED_PARCEL_STATES = (ShipmentStatus.SHIPPED, ShipmentStatus.SIGNED, ShipmentStatus.INTERCEPTING,
                         ShipmentStatus.RETURNED)
BASE_TIME = datetime.datetime(2024, 5, 1, 10, 0, 0)

sku_index = st.integers(min_value=0, max_value=len(SKUS) - 1)
warehouse_index = st.integers(min_value=0, max_value=len(WAREHOUSES) - 1)
pick = st.integers(min_value=0, max_value=7)
line_units = st.integers(min_value=0, max_value=3)  # which order / document, modulo how many there are


@dataclass
class Parcel:
    pk: int
    warehouse: int
    needs: dict[int, int]
    state: str = "open"  # open (created or picking) | packed | shipped | returned | cancelled


@dataclass
class Order:
    """What one sales order should be, as the model sees it."""

    number: str
    lines: dict[int, int]  # sku index -> units, as the platform's latest version says
    kept_lines: dict[int, int]  # the order's lines in ECERP (a shipped order keeps the lines it shipped)
    pk: int = 0
    version: int = 1
    status: str = OrderStatus.RECEIVED
    address: str = "文三路1号"
    platform_status: str = "待发货"
    warehouse: int | None = None  # the warehouse allocation chose last (kept after release)
    reserved: tuple[int, dict[int, int]] | None = None  # (warehouse index, {sku index: units})
    parcel: Parcel | None = None
    shipped: dict[int, int] = field(default_factory=dict)  # sku index -> units issued by shipping

    def raw(self) -> dict:
        updated = (BASE_TIME + datetime.timedelta(minutes=self.version)).strftime("%Y-%m-%d %H:%M:%S")
        return record(self.number, STORE, updated=updated, status=self.platform_status, address=self.address,
                      lines=[{"sku_code": SKUS[index], "title": SKUS[index], "quantity": units,
                              "unit_price": "20.00"} for index, units in sorted(self.lines.items())])


def database_state() -> tuple:
    """Everything a refused operation must leave as it was (refused scans are recorded by design)."""
    return (
        sorted(StockBalance.objects.values_list("product_id", "warehouse_id", "on_hand", "reserved", "value")),
        StockMove.objects.count(),
        sorted(Reservation.objects.values_list("pk", "status", "quantity")),
        sorted(SalesOrder.objects.values_list("pk", "status", "warehouse_id", "payload_hash", "has_exception")),
        sorted(Shipment.objects.values_list("pk", "status", "waybill_no")),
        sorted(ShipmentLine.objects.values_list("pk", "scanned_quantity")),
        sorted(Transfer.objects.values_list("pk", "status")),
        sorted(Stocktake.objects.values_list("pk", "status")),
        OutboxEvent.objects.count(),
        StateHistory.objects.count(),
    )


def refused(call, codes: set[str]) -> DomainError:
    """call must raise one of these DomainError codes and write nothing."""
    before = database_state()
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code in codes, (caught.value.code, codes)
    assert database_state() == before, "a refused operation wrote something"
    return caught.value


class StockCycle(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        # each example runs in its own transaction, rolled back in teardown (as the @given tests do)
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        register_carrier(SimulatedCarrier())  # a fresh in-memory carrier per example
        self.warehouses = [make_warehouse(name=code, code=code) for code in WAREHOUSES]
        make_store(code=STORE, platform="tmall", shop_id="7001", default_warehouse=self.warehouses[0])
        self.products = [make_product(code=code, name=code) for code in SKUS]
        self.on_hand = {(s, w): 0 for s in range(len(SKUS)) for w in range(len(WAREHOUSES))}
        self.orders: list[Order] = []
        self.in_transit: list[tuple[Transfer, int, int, int]] = []  # transfer, sku, to warehouse, units
        self.stocktakes: list[tuple[Stocktake, int, dict[int, int], dict[int, int]]] = []  # sheet, wh, book, counted

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- the model ------------------------------------------------------------------------------------

    def reserved(self, key: tuple[int, int]) -> int:
        s, w = key
        return sum(order.reserved[1].get(s, 0) for order in self.orders
                   if order.reserved is not None and order.reserved[0] == w)

    def available(self, key: tuple[int, int]) -> int:
        return self.on_hand[key] - self.reserved(key)

    def order(self, index: int) -> Order:
        return self.orders[index % len(self.orders)]

    def sales_order(self, order: Order) -> SalesOrder:
        return SalesOrder.objects.get(pk=order.pk)

    def parcel(self, order: Order) -> Shipment:
        return Shipment.objects.get(pk=order.parcel.pk)

    def settle(self):
        """What commit would do: deliver the outbox (platform cancellations release, shipped parcels ship orders)."""
        deliver_pending(limit=10_000)

    def ingest(self, order: Order, outcome: str):
        result = sales.ingest_orders(user=None, source="api", records=[order.raw()])
        [one] = result.results
        assert one.outcome == outcome, (one.outcome, one.errors, order)
        self.settle()
        return one

    @initialize(units=st.tuples(*(st.integers(min_value=0, max_value=6) for _key in range(len(SKUS) * len(WAREHOUSES))
                                  )),
                orders=st.lists(st.tuples(line_units, line_units), min_size=1, max_size=3))
    def business_in_flight(self, units, orders):
        """Start from opening stock and a few orders, reviewed and allocated where the stock allows."""
        for (s, w), quantity in zip(sorted(self.on_hand), units, strict=True):
            if quantity:
                self.receive(s, w, quantity)
        for a, b in orders:
            self.ingest_new_order(a, b)
        self.review_and_allocate(review=True)

    # --- stock in --------------------------------------------------------------------------------------

    @rule(s=sku_index, w=warehouse_index, units=st.integers(min_value=1, max_value=6))
    def receive(self, s, w, units):
        inventory.receive_stock(user=None, lines=[MoveLine(product=self.products[s], warehouse=self.warehouses[w],
                                                           quantity=units, unit_cost=Decimal("10"))])
        self.settle()
        self.on_hand[(s, w)] += units

    # --- orders: ingest --------------------------------------------------------------------------------

    @rule(a=st.integers(min_value=0, max_value=3), b=st.integers(min_value=0, max_value=3))
    def ingest_new_order(self, a, b):
        lines = {index: units for index, units in enumerate((a, b)) if units} or {0: 1}
        order = Order(number=f"P{len(self.orders) + 1}", lines=lines, kept_lines=dict(lines))
        order.pk = self.ingest(order, "created").order_id
        self.orders.append(order)

    @precondition(lambda self: self.orders)
    @rule(index=pick, change=st.sampled_from(["same", "none", "address", "quantity", "closed"]), s=sku_index,
          units=st.integers(min_value=1, max_value=3))
    def platform_delivers(self, index, change, s, units):
        """The platform delivers an order again: the same version, or a later one with no change but its
        update time, a new address, a new quantity of one SKU, or closed (cancelled)."""
        order = self.order(index)
        if change == "same":
            before = database_state()
            self.ingest(order, "unchanged")
            assert database_state() == before, "a re-delivered order changed something"
            return
        order.version += 1
        material = False
        if change == "address":
            order.address, material = f"文三路{order.version}号", True
        elif change == "quantity":
            order.lines = {**order.lines, s: units}
            material = order.lines != order.kept_lines
        elif change == "closed":
            order.platform_status = "交易关闭"
        if order.status == OrderStatus.SHIPPED:
            self.ingest(order, "exception")  # the order itself no longer changes; it is flagged
            return
        self.ingest(order, "updated")
        if order.status == OrderStatus.CANCELLED:
            return  # the platform facts are kept, the order stays cancelled
        order.kept_lines = dict(order.lines)
        if change == "closed":
            self.back_to_review(order)
            order.status, order.reserved = OrderStatus.CANCELLED, None  # released by the OrderCancelled handler
        elif material:
            self.back_to_review(order)

    @precondition(lambda self: self.orders)
    @rule(index=pick)
    def cancel_by_hand(self, index):
        """Staff cancel an order: its reservation is released and its unshipped parcel cancelled."""
        order = self.order(index)
        if order.status == OrderStatus.SHIPPED:
            refused(lambda: sales.cancel_order(user=None, order=self.sales_order(order), reason="客户要求"),
                    {"ORDER_NOT_OPEN"})
            return
        sales.cancel_order(user=None, order=self.sales_order(order), reason="客户要求")
        self.settle()
        if order.parcel is not None and order.parcel.state in ("open", "packed"):
            order.parcel.state = "cancelled"
        order.status, order.reserved = OrderStatus.CANCELLED, None

    def back_to_review(self, order: Order):
        """A changed open order leaves review and allocation: its stock is released, its unshipped parcel
        cancelled, and it is received again."""
        if order.status in (OrderStatus.HELD, OrderStatus.REVIEWED, OrderStatus.ALLOCATED):
            order.reserved = None
            if order.parcel is not None and order.parcel.state in ("open", "packed"):
                order.parcel.state = "cancelled"
        order.status = OrderStatus.RECEIVED

    # --- orders: review and allocate ---------------------------------------------------------------------

    @precondition(lambda self: self.orders)
    @rule(review=st.booleans())
    def review_and_allocate(self, review):
        """Review every order (no rules: all pass), then allocate every reviewed one."""
        if review:
            results = sales.review_orders(user=None, orders=[order.pk for order in self.orders])
            self.settle()
            outcomes = {result.order_id: result.outcome for result in results}
            for order in self.orders:
                if order.status in (OrderStatus.RECEIVED, OrderStatus.HELD):
                    assert outcomes[order.pk] == "reviewed"
                    order.status = OrderStatus.REVIEWED
                else:
                    assert outcomes[order.pk] == "skipped"
        results = sales.allocate_orders(user=None, orders=[order.pk for order in self.orders])
        self.settle()
        outcomes = {result.order_id: result for result in results}
        for order in sorted(self.orders, key=lambda item: item.pk):
            result = outcomes[order.pk]
            if order.status != OrderStatus.REVIEWED:
                assert result.outcome == "skipped"
                continue
            # the order's own warehouse, the store's default, then every warehouse by code
            order.reserved = None
            candidates = []
            for w in (order.warehouse, 0, *range(len(WAREHOUSES))):
                if w is not None and w not in candidates:
                    candidates.append(w)
            chosen = next((w for w in candidates
                           if all(self.available((s, w)) >= units for s, units in order.kept_lines.items())), None)
            if chosen is None:
                assert result.outcome == "out_of_stock", (result, order)
                continue
            assert (result.outcome, result.warehouse) == ("allocated", WAREHOUSES[chosen]), (result, order)
            order.status, order.warehouse = OrderStatus.ALLOCATED, chosen
            order.reserved = (chosen, dict(order.kept_lines))

    # --- parcels: create, scan, ship, intercept and return ---------------------------------------------------

    def with_parcel(self, index: int) -> Order:
        orders = [order for order in self.orders if order.parcel]
        return orders[index % len(orders)]

    def create_parcel_for(self, order: Order):
        live = order.parcel is not None and order.parcel.state not in ("returned", "cancelled")
        before = database_state()
        [result] = sales.create_order_shipments(user=None, orders=[self.sales_order(order)])
        if order.status != OrderStatus.ALLOCATED or live:
            expected = "NOT_ALLOCATED" if order.status != OrderStatus.ALLOCATED else "SHIPMENT_EXISTS"
            assert [error.code for error in result.errors or ()] == [expected], (result, order)
            assert database_state() == before, "a refused parcel wrote something"
            return
        assert result.outcome == "created", (result.errors, order)
        warehouse, needs = order.reserved
        shipment = Shipment.objects.get(code=result.shipment_code)
        order.parcel = Parcel(pk=shipment.pk, warehouse=warehouse, needs=dict(needs))

    def scan_parcel_of(self, order: Order):
        parcel = order.parcel
        if parcel.state == "open":
            for s, units in parcel.needs.items():
                for _unit in range(units):
                    inventory.scan_item(user=None, shipment=self.parcel(order), barcode=SKUS[s])
            assert self.parcel(order).status == ShipmentStatus.PACKED
            parcel.state = "packed"
            return
        # a packed parcel refuses one unit more; a shipped, returned or cancelled one refuses any scan
        s = next(iter(parcel.needs))
        codes = {"EXTRA_ITEM"} if parcel.state == "packed" else {"SHIPMENT_NOT_OPEN"}
        refused(lambda: inventory.scan_item(user=None, shipment=self.parcel(order), barcode=SKUS[s]), codes)

    def ship_parcel_of(self, order: Order):
        parcel = order.parcel

        def ship():
            return inventory.ship_shipment(user=None, shipment=self.parcel(order), carrier_code="SIM")

        if parcel.state in ("shipped", "returned"):
            refused(ship, {"ALREADY_SHIPPED"})  # never issued twice
            return
        if parcel.state == "cancelled":
            refused(ship, {"INVALID_TRANSITION"})
            return
        if parcel.state == "open":
            refused(ship, {"NOT_FULLY_SCANNED"})
            return
        if order.reserved != (parcel.warehouse, parcel.needs):
            refused(ship, {"RESERVATION_MISMATCH"})  # the order was cancelled by hand after packing
            return
        ship()
        self.settle()
        for s, units in parcel.needs.items():
            self.on_hand[(s, parcel.warehouse)] -= units
            order.shipped[s] = order.shipped.get(s, 0) + units
        order.reserved = None
        parcel.state = "shipped"
        assert order.status != OrderStatus.CANCELLED
        order.status = OrderStatus.SHIPPED

    @precondition(lambda self: self.orders)
    @rule(index=pick)
    def create_parcel(self, index):
        self.create_parcel_for(self.order(index))

    @precondition(lambda self: any(order.parcel for order in self.orders))
    @rule(index=pick)
    def scan_parcel(self, index):
        self.scan_parcel_of(self.with_parcel(index))

    @precondition(lambda self: any(order.parcel for order in self.orders))
    @rule(index=pick)
    def ship_parcel(self, index):
        self.ship_parcel_of(self.with_parcel(index))

    @precondition(lambda self: any(order.status == OrderStatus.ALLOCATED for order in self.orders))
    @rule(index=pick)
    def fulfil_allocated_order(self, index):
        """The whole warehouse round for one allocated order: parcel, scan check, ship."""
        allocated = [order for order in self.orders if order.status == OrderStatus.ALLOCATED]
        order = allocated[index % len(allocated)]
        self.create_parcel_for(order)
        self.scan_parcel_of(order)
        self.ship_parcel_of(order)

    @precondition(lambda self: any(order.parcel for order in self.orders))
    @rule(index=pick)
    def intercept_and_return(self, index):
        order = self.with_parcel(index)
        parcel = order.parcel
        if parcel.state != "shipped":
            refused(lambda: inventory.intercept_shipment(user=None, shipment=self.parcel(order)),
                    {"INVALID_TRANSITION"})
            return
        inventory.intercept_shipment(user=None, shipment=self.parcel(order), reason="买家拒收")
        inventory.record_return(user=None, shipment=self.parcel(order))
        self.settle()
        for s, units in parcel.needs.items():
            self.on_hand[(s, parcel.warehouse)] += units
        parcel.state = "returned"

    # --- transfers ----------------------------------------------------------------------------------------

    @rule(s=sku_index, w=warehouse_index, units=st.integers(min_value=1, max_value=5))
    def ship_transfer(self, s, w, units):
        target = (w + 1) % len(WAREHOUSES)
        transfer = inventory.create_transfer(user=None, from_warehouse=self.warehouses[w],
                                             to_warehouse=self.warehouses[target],
                                             lines=[{"product": self.products[s], "quantity": units}])
        if self.available((s, w)) < units:
            refused(lambda: inventory.ship_transfer(user=None, transfer=transfer), {"INSUFFICIENT_STOCK"})
            inventory.cancel_transfer(user=None, transfer=transfer, reason="库存不足")
            return
        inventory.ship_transfer(user=None, transfer=transfer)
        self.settle()
        self.on_hand[(s, w)] -= units
        self.in_transit.append((transfer, s, target, units))

    @precondition(lambda self: self.in_transit)
    @rule(index=pick)
    def receive_transfer(self, index):
        transfer, s, target, units = self.in_transit.pop(index % len(self.in_transit))
        inventory.receive_transfer(user=None, transfer=transfer)
        self.settle()
        self.on_hand[(s, target)] += units

    # --- stocktakes -----------------------------------------------------------------------------------------

    @rule(w=warehouse_index, counts=st.tuples(*(st.integers(min_value=0, max_value=8) for _sku in SKUS)))
    def start_stocktake(self, w, counts):
        sheet = inventory.create_stocktake(user=None, warehouse=self.warehouses[w], reason="循环盘点")
        for product in self.products:
            inventory.add_stocktake_line(user=None, stocktake=sheet, product=product)
        inventory.start_stocktake(user=None, stocktake=sheet)
        book = {s: self.on_hand[(s, w)] for s in range(len(SKUS))}
        lines = {line.product_id: line.book_quantity for line in sheet.lines.all()}
        assert lines == {self.products[s].pk: units for s, units in book.items()}
        inventory.record_counts(user=None, stocktake=sheet,
                                counts={self.products[s].pk: counted for s, counted in enumerate(counts)})
        self.stocktakes.append((sheet, w, book, dict(enumerate(counts))))

    @precondition(lambda self: self.stocktakes)
    @rule(index=pick)
    def approve_stocktake(self, index):
        sheet, w, book, counted = self.stocktakes.pop(index % len(self.stocktakes))
        # the difference is counted - book at the start; a loss may take only available stock
        differences = {s: counted[s] - book[s] for s in book}
        if any(-difference > self.available((s, w)) for s, difference in differences.items() if difference < 0):
            refused(lambda: inventory.approve_stocktake(user=None, stocktake=sheet), {"INSUFFICIENT_STOCK"})
            inventory.cancel_stocktake(user=None, stocktake=sheet, reason="库存已变")
            return
        inventory.approve_stocktake(user=None, stocktake=sheet)
        self.settle()
        for s, difference in differences.items():
            self.on_hand[(s, w)] += difference

    # --- invariants -------------------------------------------------------------------------------------------

    @invariant()
    def balances_are_sane_and_equal_the_ledger(self):
        balances = {(row.product_id, row.warehouse_id): row for row in StockBalance.objects.all()}
        for row in balances.values():
            assert row.on_hand >= 0 and row.reserved >= 0 and row.reserved <= row.on_hand, row
        moved = {(row["product_id"], row["warehouse_id"]): row["q"] for row in
                 StockMove.objects.values("product_id", "warehouse_id").annotate(q=Sum("quantity"))}
        held = {(row["product_id"], row["warehouse_id"]): row["q"] for row in
                Reservation.objects.filter(status=ReservationStatus.ACTIVE)
                .values("product_id", "warehouse_id").annotate(q=Sum("quantity"))}
        for key in set(balances) | set(moved) | set(held):
            row = balances.get(key)
            stored = (row.on_hand, row.reserved) if row else (0, 0)
            assert stored == (moved.get(key, 0), held.get(key, 0)), key
        assert inventory.check_stock_balances() == []

    @invariant()
    def stock_equals_the_model(self):
        for (s, w), on_hand in self.on_hand.items():
            row = StockBalance.objects.filter(product=self.products[s], warehouse=self.warehouses[w]).first()
            stored = (row.on_hand, row.reserved) if row else (0, 0)
            assert stored == (on_hand, self.reserved((s, w))), (SKUS[s], WAREHOUSES[w])

    @invariant()
    def orders_are_in_one_state_and_ship_once(self):
        stored = {order.pk: order for order in SalesOrder.objects.all()}
        assert set(stored) == {order.pk for order in self.orders}
        for order in self.orders:
            saved = stored[order.pk]
            assert saved.status == order.status, (saved.code, saved.status, order)
            last = StateHistory.objects.filter(model="sales.salesorder", object_id=str(order.pk),
                                               field="status").order_by("-id").first()
            assert last is not None and last.to_state == saved.status
            active = {(row.warehouse_id, row.product_id): row.quantity for row in Reservation.objects.filter(
                reference_type=RESERVATION_TYPE, reference_id=str(order.pk), status=ReservationStatus.ACTIVE)}
            expected = {} if order.reserved is None else {
                (self.warehouses[order.reserved[0]].pk, self.products[s].pk): units
                for s, units in order.reserved[1].items()}
            assert active == expected, order
            if saved.status == OrderStatus.CANCELLED:
                assert not active
            shipped_parcels = Shipment.objects.filter(reference_type=RESERVATION_TYPE, reference_id=str(order.pk),
                                                      status__in=SHIPPED_PARCEL_STATES).count()
            assert shipped_parcels == (1 if saved.status == OrderStatus.SHIPPED else 0), order
            issued = {row["product_id"]: -row["q"] for row in StockMove.objects.filter(
                kind=MoveKind.ISSUE, document_type=RESERVATION_TYPE, document_id=str(order.pk))
                .values("product_id").annotate(q=Sum("quantity"))}
            lines = {self.products[s].pk: units for s, units in order.kept_lines.items()}
            assert issued == (lines if saved.status == OrderStatus.SHIPPED else {}), order
            assert issued == {self.products[s].pk: units for s, units in order.shipped.items()}

    @invariant()
    def every_event_was_delivered(self):
        assert not OutboxEvent.objects.filter(delivered_at__isnull=True).exists()


@pytest.mark.django_db
def test_random_order_and_stock_cycles_keep_every_invariant():
    run_state_machine_as_test(StockCycle, settings=settings(max_examples=25, stateful_step_count=20, deadline=None))
