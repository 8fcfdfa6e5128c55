"""Bundles (组合商品/BOM): components with quantities, no cycles, never empty."""

import pytest

from ecerp.core.errors import DomainError
from ecerp.core.models import AuditLog
from ecerp.masterdata import services
from ecerp.masterdata.models import BundleComponent
from tests.core.factories import make_product


def components_of(bundle):
    return sorted((line.component.code, line.quantity) for line in BundleComponent.objects.filter(bundle=bundle))


@pytest.mark.django_db
def test_components_are_set_and_replaced(admin_user):
    # given a gift box and two products
    box, cream, lotion = make_product(admin_user, name="礼盒"), make_product(admin_user), make_product(admin_user)
    # when its components are set, the same product twice
    services.set_bundle_components(user=admin_user, bundle=box, components=[(cream, 1), (lotion, 2), (cream, 1)])
    # then lines are merged and the product is a bundle
    box.refresh_from_db()
    assert box.is_bundle
    assert components_of(box) == [(cream.code, 2), (lotion.code, 2)]
    # when they are replaced
    services.set_bundle_components(user=admin_user, bundle=box, components=[(lotion, 3)])
    # then only the new set remains and both changes are audited
    assert components_of(box) == [(lotion.code, 3)]
    rows = AuditLog.objects.filter(model="masterdata.product", object_id=str(box.pk), action="update")
    assert rows.count() == 2


@pytest.mark.django_db
def test_bundle_cannot_contain_itself(admin_user):
    box, cream = make_product(admin_user, name="礼盒"), make_product(admin_user)
    with pytest.raises(DomainError) as error:
        services.set_bundle_components(user=admin_user, bundle=box, components=[(cream, 1), (box, 1)])
    assert error.value.code == "BUNDLE_CYCLE" and error.value.field == "components"
    assert not BundleComponent.objects.exists()


@pytest.mark.django_db
def test_indirect_cycle_is_refused_with_its_path(admin_user):
    # given A contains B, and B contains C
    a, b, c = (make_product(admin_user, name=name) for name in ("A", "B", "C"))
    services.set_bundle_components(user=admin_user, bundle=a, components=[(b, 1)])
    services.set_bundle_components(user=admin_user, bundle=b, components=[(c, 1)])
    # when C would contain A
    with pytest.raises(DomainError) as error:
        services.set_bundle_components(user=admin_user, bundle=c, components=[(a, 2)])
    # then the cycle is refused naming the path C → A → B → C
    assert error.value.code == "BUNDLE_CYCLE"
    assert f"{c.code} → {a.code} → {b.code} → {c.code}" in str(error.value)
    assert components_of(c) == []


@pytest.mark.django_db
def test_shared_component_is_not_a_cycle(admin_user):
    # given two bundles sharing one component (a diamond, not a cycle)
    a, b, c, d = (make_product(admin_user, name=name) for name in "ABCD")
    services.set_bundle_components(user=admin_user, bundle=b, components=[(d, 1)])
    services.set_bundle_components(user=admin_user, bundle=c, components=[(d, 1)])
    services.set_bundle_components(user=admin_user, bundle=a, components=[(b, 1), (c, 1)])
    assert components_of(a) == [(b.code, 1), (c.code, 1)]


@pytest.mark.django_db
def test_empty_bundle_is_refused(admin_user):
    box = make_product(admin_user)
    with pytest.raises(DomainError) as error:
        services.set_bundle_components(user=admin_user, bundle=box, components=[])
    assert error.value.code == "BUNDLE_EMPTY"


@pytest.mark.parametrize("quantity", [0, -1, None, "2.5", "abc"])
@pytest.mark.django_db
def test_quantity_below_one_or_not_whole_is_refused(admin_user, quantity):
    box, cream = make_product(admin_user), make_product(admin_user)
    with pytest.raises(DomainError) as error:
        services.set_bundle_components(user=admin_user, bundle=box, components=[(cream, quantity)])
    assert error.value.code in ("INVALID_QUANTITY", "INVALID_DECIMAL") and error.value.field == "components"
    assert not BundleComponent.objects.exists()


@pytest.mark.django_db
def test_quantity_given_as_text_is_parsed(admin_user):
    box, cream = make_product(admin_user), make_product(admin_user)
    services.set_bundle_components(user=admin_user, bundle=box, components=[(cream, "3")])
    assert components_of(box) == [(cream.code, 3)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_cannot_close_a_cycle_together(make_user):
    import threading

    from django.db import connections

    # given 8 products P0..P7
    user = make_user("bundler", role="admin")
    products = [make_product(user, name=f"P{index}") for index in range(8)]
    refused, failures = [], []
    barrier = threading.Barrier(8)

    # when 8 connections at once make P(i) contain P(i+1), which together would close a ring
    def work(index):
        try:
            barrier.wait(timeout=30)
            services.set_bundle_components(user=user, bundle=products[index],
                                           components=[(products[(index + 1) % 8], 1)])
        except DomainError as error:
            refused.append(error.code)
        except BaseException as error:  # noqa: B036 - reported to the main thread
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # then exactly one edit was refused as a cycle, and the stored graph has no cycle
    assert failures == []
    assert refused == ["BUNDLE_CYCLE"]
    assert BundleComponent.objects.count() == 7
    graph = services.component_graph()
    from ecerp.masterdata.validation import find_bundle_cycle

    assert all(find_bundle_cycle({k: v for k, v in graph.items() if k != code}, code, children) is None
               for code, children in graph.items())
