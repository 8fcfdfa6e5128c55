"""Property test: random fulfilment sequences (receive, order = reserve + parcel, scan, ship, cancel,
intercept and return) keep the stock invariants, and stock leaves exactly once per shipped parcel."""

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecerp.core.errors import DomainError
from ecerp.inventory import services
from ecerp.inventory.carriers import SimulatedCarrier, register_carrier
from ecerp.inventory.models import MoveKind, Shipment, StockBalance, StockMove
from ecerp.inventory.services import ReserveLine
from ecerp.inventory.states import ShipmentStatus
from tests.inventory.helpers import receive, sku, warehouse
from tests.inventory.shipment_helpers import scan_all

ORDERS = 4
order = st.integers(min_value=0, max_value=ORDERS - 1)
item = st.integers(min_value=0, max_value=1)
quantity = st.integers(min_value=1, max_value=5)

operation = st.one_of(
    st.tuples(st.just("receive"), item, quantity),
    st.tuples(st.just("order"), order, item, quantity),
    st.tuples(st.just("scan"), order),
    st.tuples(st.just("ship"), order),
    st.tuples(st.just("cancel"), order),
    st.tuples(st.just("intercept"), order),
)


def _live(reference):
    return Shipment.objects.filter(reference_id=reference).exclude(
        status__in=[ShipmentStatus.CANCELLED, ShipmentStatus.RETURNED]).first()


def run(step, products, wh, model):
    kind, *args = step
    if kind == "receive":
        receive(products[args[0]], wh, args[1], unit_cost="7")
        model["on_hand"][args[0]] += args[1]
    elif kind == "order":
        reference, index, units = f"SO{args[0]}", args[1], args[2]
        if _live(reference) is not None or reference in model["open"]:
            return
        if model["on_hand"][index] - model["reserved"][index] < units:
            with pytest.raises(DomainError):
                services.reserve_stock(user=None, reference_type="sales.order", reference_id=reference,
                                       lines=[ReserveLine(products[index], wh, units)])
            return
        services.reserve_stock(user=None, reference_type="sales.order", reference_id=reference,
                               lines=[ReserveLine(products[index], wh, units)])
        services.create_shipment(user=None, reference_type="sales.order", reference_id=reference, warehouse=wh,
                                 lines=[(products[index], units)])
        model["reserved"][index] += units
        model["open"][reference] = (index, units)
    elif kind == "scan" and (shipment := _live(f"SO{args[0]}")) and shipment.status in (
            ShipmentStatus.CREATED, ShipmentStatus.PICKING):
        scan_all(shipment)
    elif kind == "ship" and (shipment := _live(f"SO{args[0]}")):
        if shipment.status != ShipmentStatus.PACKED:
            with pytest.raises(DomainError):
                services.ship_shipment(user=None, shipment=shipment, carrier_code="SIM")
            return
        services.ship_shipment(user=None, shipment=shipment, carrier_code="SIM")
        index, units = model["open"].pop(shipment.reference_id)
        model["on_hand"][index] -= units
        model["reserved"][index] -= units
        model["shipped"][shipment.pk] = (index, units)
    elif kind == "cancel" and (shipment := _live(f"SO{args[0]}")) and shipment.reference_id in model["open"]:
        # the source cancels: its parcel is cancelled and it releases its own reservation
        services.cancel_shipment(user=None, shipment=shipment)
        services.release_reservation(user=None, reference_type="sales.order", reference_id=shipment.reference_id)
        index, units = model["open"].pop(shipment.reference_id)
        model["reserved"][index] -= units
    elif kind == "intercept" and (shipment := _live(f"SO{args[0]}")) and shipment.status == ShipmentStatus.SHIPPED:
        services.intercept_shipment(user=None, shipment=shipment)
        services.record_return(user=None, shipment=shipment)
        index, units = model["shipped"].pop(shipment.pk)
        model["on_hand"][index] += units


def check(products, wh, model):
    assert services.check_stock_balances() == []
    for index, product in enumerate(products):
        row = StockBalance.objects.filter(product=product, warehouse=wh).first()
        on_hand, reserved = (row.on_hand, row.reserved) if row else (0, 0)
        assert (on_hand, reserved) == (model["on_hand"][index], model["reserved"][index])
        assert 0 <= reserved <= on_hand
    # every shipped parcel issued exactly once
    for shipment in Shipment.objects.filter(status=ShipmentStatus.SHIPPED):
        assert StockMove.objects.filter(kind=MoveKind.ISSUE, document_id=shipment.reference_id,
                                        occurred_at=shipment.shipped_at).count() == 1


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(steps=st.lists(operation, min_size=1, max_size=25))
def test_random_fulfilment_keeps_the_stock_invariants(steps):
    with transaction.atomic():
        register_carrier(SimulatedCarrier())
        products = [sku(f"商品{n}", cost_price=Decimal("5")) for n in range(2)]
        wh = warehouse()
        model = {"on_hand": [0, 0], "reserved": [0, 0], "open": {}, "shipped": {}}
        for step in steps:
            run(step, products, wh, model)
            check(products, wh, model)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_scenario_receive_reserve_pick_scan_ship_sign():
    # given 10 creams received and an order of 3 reserved
    register_carrier(SimulatedCarrier())
    cream, wh = sku("面霜"), warehouse()
    receive(cream, wh, 10, unit_cost="8")
    services.reserve_stock(user=None, reference_type="sales.order", reference_id="SO1",
                           lines=[ReserveLine(cream, wh, 3)])
    # when its parcel is waved, scanned, shipped and signed
    shipment = services.create_shipment(user=None, reference_type="sales.order", reference_id="SO1", warehouse=wh,
                                        lines=[(cream, 3)])
    services.create_pick_wave(user=None, warehouse=wh, shipments=[shipment])
    scan_all(shipment)
    shipment = services.ship_shipment(user=None, shipment=shipment, carrier_code="SIM")
    shipment = services.record_sign_off(user=None, shipment=shipment)
    # then 7 remain, nothing reserved, and the ledger agrees
    balance = StockBalance.objects.get(product=cream, warehouse=wh)
    assert (balance.on_hand, balance.reserved, balance.value) == (7, 0, Decimal("56.00"))
    assert shipment.status == ShipmentStatus.SIGNED and services.check_stock_balances() == []
