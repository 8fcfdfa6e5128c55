"""Available-to-sell per store: (on hand - reserved - safety) x share ratio, floored, never negative."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecerp.core.errors import DomainError
from ecerp.inventory import services
from ecerp.inventory.services.availability import bundle_sellable, check_ratio, sellable_quantity
from tests.core.factories import make_store
from tests.inventory.helpers import bundle, receive, reserve, sku, warehouse

# --- pure arithmetic -------------------------------------------------------------------------------------

def test_sellable_is_floored_and_never_negative():
    assert sellable_quantity(100, 20, 10, Decimal("0.5")) == 35
    assert sellable_quantity(10, 0, 0, Decimal("0.33")) == 3  # 3.3 floors to 3
    assert sellable_quantity(5, 3, 4, Decimal("1")) == 0  # below safety stock: nothing, not -2
    assert sellable_quantity(5, 0, 0, Decimal("0")) == 0


@given(on_hand=st.integers(0, 10**6), reserved=st.integers(0, 10**6), safety=st.integers(0, 1000),
       ratio=st.decimals(min_value=0, max_value=1, places=4))
def test_sellable_never_exceeds_what_is_free(on_hand, reserved, safety, ratio):
    quantity = sellable_quantity(on_hand, min(reserved, on_hand), safety, ratio)
    assert 0 <= quantity <= max(0, on_hand - min(reserved, on_hand) - safety)


def test_a_bundle_sells_what_its_scarcest_component_allows():
    assert bundle_sellable([(10, 2), (7, 1)]) == 5
    assert bundle_sellable([(1, 2)]) == 0
    assert bundle_sellable([]) == 0


def test_a_ratio_outside_0_to_1_is_refused():
    assert check_ratio("0.25") == Decimal("0.25")
    for bad in ("1.5", "-0.1", "abc", "0.12345"):
        with pytest.raises(DomainError) as error:
            check_ratio(bad)
        assert error.value.code == "INVALID_RATIO" and error.value.field == "share_ratio"


# --- per store ---------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_store_sells_its_share_of_its_warehouses_less_safety_stock_and_bundles_follow():
    # given two warehouses feeding the store, one that does not, and a bundle of 2 creams + 1 lotion
    shanghai, guangzhou, other = warehouse("上海仓"), warehouse("广州仓"), warehouse("北京仓")
    cream, lotion = sku("面霜"), sku("乳液")
    box = bundle([(cream, 2), (lotion, 1)])
    receive(cream, shanghai, 30)
    receive(cream, guangzhou, 12)
    receive(cream, other, 500)
    receive(lotion, shanghai, 9)
    reserve(cream, shanghai, 2)
    store = make_store()
    services.save_store_stock_policy(user=None, store=store, warehouses=[shanghai, guangzhou], share_ratio="0.5",
                                     default_safety_stock=4, safety_stocks={lotion: 1})
    # when available-to-sell is asked
    rows = {row.sku: row for row in services.available_to_sell(store)}
    # then cream: floor((42 - 2 - 4) * 0.5) = 18; lotion: floor((9 - 0 - 1) * 0.5) = 4; box: min(18//2, 4) = 4
    assert rows[cream.code].quantity == 18 and (rows[cream.code].on_hand, rows[cream.code].reserved) == (42, 2)
    assert rows[lotion.code].quantity == 4
    assert rows[box.code].quantity == 4 and rows[box.code].is_bundle


@pytest.mark.django_db
def test_changed_since_lists_only_skus_whose_stock_moved_unless_the_policy_changed():
    wh, cream, lotion = warehouse(), sku("面霜"), sku("乳液")
    receive(cream, wh, 10)
    receive(lotion, wh, 10)
    store = make_store()
    services.save_store_stock_policy(user=None, store=store, warehouses=[wh])
    after_policy = datetime.datetime.now(datetime.UTC)
    # when only the cream moves afterwards
    reserve(cream, wh, 3)
    changed = services.available_to_sell(store, changed_since=after_policy)
    # then only the cream is listed
    assert [(row.sku, row.quantity) for row in changed] == [(cream.code, 7)]
    # and a policy change lists everything again
    services.save_store_stock_policy(user=None, store=store, warehouses=[wh], share_ratio="0.5")
    assert {row.sku for row in services.available_to_sell(store, changed_since=after_policy)} == {
        cream.code, lotion.code}


@pytest.mark.django_db
def test_a_store_without_policy_or_with_bad_input_is_refused():
    store, wh = make_store(), warehouse()
    with pytest.raises(DomainError) as error:
        services.available_to_sell(store)
    assert error.value.code == "NO_POLICY" and error.value.http_status == 404
    with pytest.raises(DomainError) as error:
        services.save_store_stock_policy(user=None, store=store, warehouses=[])
    assert error.value.code == "NO_LINES"
    with pytest.raises(DomainError) as error:
        services.save_store_stock_policy(user=None, store=store, warehouses=[wh], default_safety_stock=-1)
    assert error.value.code == "NEGATIVE_QUANTITY" and error.value.field == "default_safety_stock"


@pytest.mark.django_db
def test_a_defective_warehouse_never_feeds_a_store():
    from tests.core.factories import make_warehouse
    store = make_store()
    damaged = make_warehouse(name="次品仓", code="WH-BAD", type="defective")
    with pytest.raises(DomainError) as error:
        services.save_store_stock_policy(user=None, store=store, warehouses=[warehouse(), damaged])
    assert error.value.code == "NOT_SELLABLE_WAREHOUSE" and error.value.field == "warehouses"
    assert "WH-BAD" in str(error.value)
