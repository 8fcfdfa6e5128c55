"""Reservations: conditional, all or nothing, released or issued exactly once."""

from decimal import Decimal

import pytest

from ecerp.core.errors import DomainError
from ecerp.core.models import OutboxEvent
from ecerp.inventory import services
from ecerp.inventory.models import Reservation
from ecerp.inventory.services import ReserveLine
from ecerp.inventory.states import ReservationStatus
from tests.inventory.helpers import balance, receive, reserve, sku, warehouse

pytestmark = pytest.mark.django_db


def test_reserving_sets_stock_aside_and_reserved_is_the_sum_of_active_reservations():
    product, wh = sku(), warehouse()
    receive(product, wh, 10)
    reserve(product, wh, 3, "SO1")
    reserve(product, wh, 4, "SO2")
    assert balance(product, wh)[:2] == (10, 7)
    assert sum(r.quantity for r in Reservation.objects.filter(status="active")) == 7


def test_reserving_more_than_available_is_refused_and_nothing_is_reserved():
    first, second, wh = sku("A"), sku("B"), warehouse()
    receive(first, wh, 5)
    receive(second, wh, 1)
    with pytest.raises(DomainError) as error:
        services.reserve_stock(user=None, reference_type="test.order", reference_id=1,
                               lines=[ReserveLine(first, wh, 5), ReserveLine(second, wh, 2)])
    assert error.value.code == "INSUFFICIENT_STOCK" and error.value.field == "lines.2.quantity"
    assert error.value.details[0].params == {"sku": second.code, "warehouse": wh.code, "wanted": 2, "available": 1}
    # all or nothing: the first line is not reserved either
    assert balance(first, wh)[1] == 0 and not Reservation.objects.exists()


def test_lines_of_the_same_sku_are_merged_before_the_check():
    product, wh = sku(), warehouse()
    receive(product, wh, 3)
    with pytest.raises(DomainError):
        services.reserve_stock(user=None, reference_type="t", reference_id=1,
                               lines=[ReserveLine(product, wh, 2), ReserveLine(product, wh, 2)])
    services.reserve_stock(user=None, reference_type="t", reference_id=1,
                           lines=[ReserveLine(product, wh, 1), ReserveLine(product, wh, 2)])
    assert Reservation.objects.get().quantity == 3


def test_a_document_cannot_reserve_twice_but_can_again_after_release():
    product, wh = sku(), warehouse()
    receive(product, wh, 10)
    reserve(product, wh, 2, "SO1")
    with pytest.raises(DomainError) as error:
        reserve(product, wh, 2, "SO1")
    assert error.value.code == "RESERVATION_EXISTS" and error.value.http_status == 409
    assert services.release_reservation(user=None, reference_type="test.order", reference_id="SO1") == 2
    reserve(product, wh, 5, "SO1")
    assert balance(product, wh)[1] == 5


def test_release_is_idempotent():
    product, wh = sku(), warehouse()
    receive(product, wh, 10)
    reserve(product, wh, 4)
    assert services.release_reservation(user=None, reference_type="test.order", reference_id="SO1") == 4
    assert services.release_reservation(user=None, reference_type="test.order", reference_id="SO1") == 0
    assert balance(product, wh)[:2] == (10, 0)
    assert Reservation.objects.get().status == ReservationStatus.RELEASED


def test_issuing_a_reservation_takes_on_hand_and_reserved_down_at_the_average_once():
    product, wh = sku(), warehouse()
    receive(product, wh, 10, "6")
    reserve(product, wh, 4)
    moves = services.issue_reserved_stock(user=None, reference_type="test.order", reference_id="SO1",
                                          reference_code="SO1")
    assert (moves[0].quantity, moves[0].value) == (-4, Decimal("-24.00"))
    assert balance(product, wh)[:3] == (6, 0, Decimal("36.00"))
    assert Reservation.objects.get().status == ReservationStatus.CONSUMED
    assert OutboxEvent.objects.filter(event_type="StockIssued").count() == 1
    # a retry is refused, never doubled
    with pytest.raises(DomainError) as error:
        services.issue_reserved_stock(user=None, reference_type="test.order", reference_id="SO1")
    assert error.value.code == "RESERVATION_NOT_FOUND" and error.value.http_status == 404
    assert balance(product, wh)[0] == 6


def test_reserving_a_bundle_is_refused_and_reserve_bundle_reserves_its_components():
    from tests.inventory.helpers import bundle

    cream, lotion, wh = sku("面霜"), sku("乳液"), warehouse()
    box = bundle([(cream, 1), (lotion, 2)])
    receive(cream, wh, 5)
    receive(lotion, wh, 5)
    with pytest.raises(DomainError) as error:
        reserve(box, wh, 1)
    assert error.value.code == "BUNDLE_NOT_STOCKED"
    assert services.bundle_available(box, wh) == 2
    services.reserve_bundle(user=None, bundle=box, warehouse=wh, quantity=2, reference_type="t", reference_id=1)
    assert balance(cream, wh)[1] == 2 and balance(lotion, wh)[1] == 4
    assert services.bundle_available(box, wh) == 0
    # a third bundle has not enough lotion: nothing of it is reserved
    with pytest.raises(DomainError) as error:
        services.reserve_bundle(user=None, bundle=box, warehouse=wh, quantity=1, reference_type="t",
                                reference_id=2)
    assert error.value.details[0].params["sku"] == lotion.code
    assert balance(cream, wh)[1] == 2
