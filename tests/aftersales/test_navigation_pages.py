"""Pages link the modules together: order -> its parcels and cases, parcel -> its order, case -> its parcel."""

import pytest
from django.test import Client

from ecerp.aftersales.services import CaseLineInput, create_case
from tests.aftersales.flow import parcel_of, setup_shop, shipped_order

pytestmark = pytest.mark.django_db


def _client(make_user, role):
    make_user(f"nav-{role}", role=role)
    client = Client()
    assert client.login(username=f"nav-{role}", password="Secret-pass-123")
    return client


def test_order_parcel_and_case_pages_link_to_each_other(make_user):
    setup_shop()
    order = shipped_order(paid_amount="100.00")
    parcel = parcel_of(order)
    case = create_case(user=None, order=order, type="return_refund", lines=[CaseLineInput(1, 1)], reason="破损")
    operations = _client(make_user, "operations")
    page = operations.get(f"/sales/orders/{order.pk}/").content.decode()
    assert f'href="/inventory/shipments/{parcel.pk}/"' in page and parcel.waybill_no in page
    assert f'href="/aftersales/cases/{case.pk}/"' in page and case.code in page
    # ingest and batch work shows as 系统, the source of a version as people say it
    assert ">system<" not in page and "系统" in page and "接口" in page
    shipment_page = operations.get(f"/inventory/shipments/{parcel.pk}/").content.decode()
    assert f'href="/sales/orders/{order.pk}/"' in shipment_page
    case.refresh_from_db()
    assert case.shipment_id == parcel.pk
    case_page = operations.get(f"/aftersales/cases/{case.pk}/").content.decode()
    assert f'href="/inventory/shipments/{parcel.pk}/"' in case_page


def test_roles_see_only_the_links_they_may_follow(make_user):
    setup_shop()
    order = shipped_order(paid_amount="100.00")
    parcel = parcel_of(order)
    # purchasing sees the parcel (inventory) but no sales order: no link back to the order
    purchasing = _client(make_user, "purchasing")
    shipment_page = purchasing.get(f"/inventory/shipments/{parcel.pk}/").content.decode()
    assert order.code in shipment_page and f'href="/sales/orders/{order.pk}/"' not in shipment_page
    # the warehouse sees orders but may not import them: no import link in the sales navigation
    warehouse = _client(make_user, "warehouse")
    page = warehouse.get(f"/sales/orders/{order.pk}/").content.decode()
    assert 'href="/sales/upload/"' not in page and f'href="/inventory/shipments/{parcel.pk}/"' in page
    assert 'href="/sales/upload/"' in _client(make_user, "operations").get("/sales/").content.decode()


def test_case_timeline_shows_work_without_a_user_as_system(make_user):
    setup_shop()
    order = shipped_order(paid_amount="100.00")
    case = create_case(user=None, order=order, type="refund_only", lines=[CaseLineInput(1, 1)])
    page = _client(make_user, "operations").get(f"/aftersales/cases/{case.pk}/").content.decode()
    assert '<td class="as-nowrap">系统</td>' in page and ">system<" not in page


def test_admin_history_of_orders_parcels_and_cases_is_the_audit_trail(make_user):
    setup_shop()
    order = shipped_order(paid_amount="100.00")
    parcel = parcel_of(order)
    case = create_case(user=None, order=order, type="refund_only", lines=[CaseLineInput(1, 1)])
    admin = _client(make_user, "admin")
    for url, code in ((f"/admin/sales/salesorder/{order.pk}/history/", order.code),
                      (f"/admin/inventory/shipment/{parcel.pk}/history/", parcel.code),
                      (f"/admin/aftersales/aftersalescase/{case.pk}/history/", case.code)):
        page = admin.get(url).content.decode()
        assert code in page and "此对象没有修改历史" not in page, url
        assert "状态" in page, url
