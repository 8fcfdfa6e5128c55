"""Bundles: availability from components, issue of components, all or nothing."""

import pytest

from ecerp.core.errors import DomainError
from ecerp.inventory import services
from tests.inventory.helpers import balance, bundle, receive, reserve, sku, warehouse

pytestmark = pytest.mark.django_db


def test_bundle_availability_is_the_least_whole_number_over_components():
    cream, lotion, wh = sku("面霜"), sku("乳液"), warehouse()
    box = bundle([(cream, 2), (lotion, 3)])
    # no stock at all: zero
    assert services.bundle_available(box, wh) == 0
    receive(cream, wh, 9)
    receive(lotion, wh, 10)
    # 9 // 2 = 4, 10 // 3 = 3
    assert services.bundle_available(box, wh) == 3
    # reserved components are not available
    reserve(lotion, wh, 2)
    assert services.bundle_available(box, wh) == 2


def test_issuing_bundles_issues_components_all_or_nothing():
    cream, lotion, wh = sku("面霜"), sku("乳液"), warehouse()
    box = bundle([(cream, 1), (lotion, 2)])
    receive(cream, wh, 10)
    receive(lotion, wh, 5)
    moves = services.issue_bundle(user=None, bundle=box, warehouse=wh, quantity=2, document_code="SO9")
    assert sorted((m.product_id, m.quantity) for m in moves) == sorted([(cream.pk, -2), (lotion.pk, -4)])
    with pytest.raises(DomainError) as error:
        services.issue_bundle(user=None, bundle=box, warehouse=wh, quantity=1)
    assert error.value.code == "INSUFFICIENT_STOCK"
    assert balance(cream, wh)[0] == 8 and balance(lotion, wh)[0] == 1


def test_a_plain_product_is_no_bundle():
    product, wh = sku(), warehouse()
    with pytest.raises(DomainError) as error:
        services.bundle_available(product, wh)
    assert error.value.code == "BUNDLE_EMPTY"
