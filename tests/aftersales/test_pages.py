"""Pages: case list with filters, new case from the order page, detail with its timeline and buttons per role."""

import pytest
from django.test import Client

from ecerp.aftersales.models import AfterSalesCase
from ecerp.aftersales.services import CaseLineInput, create_case
from tests.aftersales.flow import balance, setup_shop, shipped_order

pytestmark = pytest.mark.django_db


def _client(make_user, role):
    make_user(f"page-{role}", role=role)
    client = Client()
    assert client.login(username=f"page-{role}", password="Secret-pass-123")
    return client


def test_a_case_is_opened_from_the_order_page_and_worked_on_its_page(make_user):
    wh, (item, _other) = setup_shop()
    order = shipped_order(lines=(("SKU-A", 2, "50.00"),), paid_amount="100.00")
    operations, finance, warehouse = (_client(make_user, role) for role in ("operations", "finance", "warehouse"))
    # the order page offers a new case to customer service
    page = operations.get(f"/sales/orders/{order.pk}/").content.decode()
    assert "发起售后" in page and f"/aftersales/new/?order={order.pk}" in page
    form = operations.get(f"/aftersales/new/?order={order.pk}")
    assert form.status_code == 200 and "提交售后单" in form.content.decode()
    # an over-refund is refused with the message on the form
    refused = operations.post("/aftersales/new/", {"order": order.pk, "type": "return_refund",
                                                    "quantity_1": "1", "refund_amount": "500"}, follow=True)
    assert "超过可退金额" in refused.content.decode() and not AfterSalesCase.objects.exists()
    created = operations.post("/aftersales/new/", {"order": order.pk, "type": "return_refund", "quantity_1": "1",
                                                   "reason": "破损"})
    case = AfterSalesCase.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/aftersales/cases/{case.pk}/"
    # customer service sees no approve button; finance does
    detail = operations.get(f"/aftersales/cases/{case.pk}/").content.decode()
    assert "待审核" in detail and "取消售后" in detail and "/approve/" not in detail
    assert "/approve/" in finance.get(f"/aftersales/cases/{case.pk}/").content.decode()
    assert operations.post(f"/aftersales/cases/{case.pk}/approve/").status_code == 403
    finance.post(f"/aftersales/cases/{case.pk}/approve/", {"note": "同意退货"})
    # the warehouse receives on the page
    assert "收货验货入库" in warehouse.get(f"/aftersales/cases/{case.pk}/").content.decode()
    warehouse.post(f"/aftersales/cases/{case.pk}/receive/", {"sellable_1": "1", "damaged_1": "0"})
    assert balance(item, wh) == (9, 0)
    done = finance.post(f"/aftersales/cases/{case.pk}/refund/", follow=True).content.decode()
    assert "已退款" in done and "时间线" in done
    # the list filters by type and status
    listed = warehouse.get("/aftersales/?type=return_refund&status=refunded").content.decode()
    assert case.code in listed and "退货退款" in listed
    assert case.code not in warehouse.get("/aftersales/?type=exchange").content.decode()
    assert "没有符合条件的售后单" in warehouse.get("/aftersales/?status=requested").content.decode()


def test_pages_refuse_roles_without_the_permission(make_user):
    purchasing = _client(make_user, "purchasing")
    assert purchasing.get("/aftersales/").status_code == 403
    assert _client(make_user, "warehouse").get("/aftersales/new/?order=1").status_code == 403
    assert _client(make_user, "operations").get("/aftersales/new/?order=999999").status_code == 404


def test_the_admin_shows_cases_read_only(make_user):
    setup_shop()
    order = shipped_order(paid_amount="100.00")
    case = create_case(user=None, order=order, type="refund_only", lines=[CaseLineInput(1, 1)])
    admin = _client(make_user, "admin")
    assert case.code in admin.get("/admin/aftersales/aftersalescase/").content.decode()
    assert admin.get(f"/admin/aftersales/aftersalescase/{case.pk}/change/").status_code == 200
