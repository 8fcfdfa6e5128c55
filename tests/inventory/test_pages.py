"""Inventory pages: a warehouse clerk works through documents, transfers and a stocktake in the browser."""

import pytest
from django.test import Client

from ecerp.inventory.models import StockDocument, Stocktake, Transfer
from ecerp.masterdata.models import UserScope
from tests.inventory.helpers import balance, receive, sku, warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(make_user):
    make_user("clerk", role="warehouse")
    client = Client()
    assert client.login(username="clerk", password="Secret-pass-123")
    return client


def _text(response) -> str:
    return response.content.decode()


def test_an_other_receipt_is_created_filled_and_confirmed_from_the_pages(clerk):
    product, wh = sku("面霜"), warehouse()
    # when the clerk creates a receipt, adds a line and confirms it
    response = clerk.post("/inventory/documents/new/", {"direction": "receipt", "warehouse": wh.pk, "reason": "期初"})
    document = StockDocument.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/inventory/documents/{document.pk}/"
    clerk.post(f"/inventory/documents/{document.pk}/lines/", {"sku": product.code, "quantity": "3",
                                                               "unit_cost": "2.5"})
    page = _text(clerk.get(f"/inventory/documents/{document.pk}/"))
    assert product.code in page and "2.500000" in page
    response = clerk.post(f"/inventory/documents/{document.pk}/confirm/", follow=True)
    assert "已确认，库存已更新" in _text(response)
    # then the stock page, the movement history and the report show it
    assert balance(product, wh)[0] == 3
    stock_page = _text(clerk.get("/inventory/", {"q": product.code, "only_with_stock": "1"}))
    assert product.code in stock_page and "7.50" in stock_page
    assert document.code in _text(clerk.get("/inventory/moves/", {"sku": product.code}))
    assert "7.50" in _text(clerk.get("/inventory/report/"))


def test_errors_show_as_messages_on_the_page(clerk):
    product, wh = sku(), warehouse()
    response = clerk.post("/inventory/documents/new/", {"direction": "issue", "warehouse": wh.pk})
    document = StockDocument.objects.get()
    response = clerk.post(f"/inventory/documents/{document.pk}/lines/", {"sku": "NOPE", "quantity": "1"},
                          follow=True)
    assert "商品「NOPE」不存在" in _text(response)
    clerk.post(f"/inventory/documents/{document.pk}/lines/", {"sku": product.code, "quantity": "2"})
    response = clerk.post(f"/inventory/documents/{document.pk}/confirm/", follow=True)
    assert "库存不足" in _text(response) and product.code in _text(response)
    document.refresh_from_db()
    assert document.status == "draft"


def test_a_transfer_ships_and_is_received_from_the_pages(clerk):
    product, source, target = sku(), warehouse("A仓"), warehouse("B仓")
    receive(product, source, 4)
    clerk.post("/inventory/transfers/new/", {"from_warehouse": source.pk, "to_warehouse": target.pk})
    transfer = Transfer.objects.get()
    clerk.post(f"/inventory/transfers/{transfer.pk}/lines/", {"sku": product.code, "quantity": "3"})
    clerk.post(f"/inventory/transfers/{transfer.pk}/ship/")
    # the stock page shows the goods in transit
    assert "transit-table" in _text(clerk.get("/inventory/"))
    clerk.post(f"/inventory/transfers/{transfer.pk}/receive/")
    assert balance(product, target)[0] == 3 and balance(product, source)[0] == 1


def test_a_stocktake_is_counted_and_approved_from_the_pages(clerk):
    product, wh = sku(), warehouse()
    receive(product, wh, 5)
    clerk.post("/inventory/stocktakes/new/", {"warehouse": wh.pk})
    stocktake = Stocktake.objects.get()
    clerk.post(f"/inventory/stocktakes/{stocktake.pk}/start/")
    assert f'name="count-{product.pk}"' in _text(clerk.get(f"/inventory/stocktakes/{stocktake.pk}/"))
    response = clerk.post(f"/inventory/stocktakes/{stocktake.pk}/counts/", {f"count-{product.pk}": "x"}, follow=True)
    assert "不是整数" in _text(response)
    clerk.post(f"/inventory/stocktakes/{stocktake.pk}/counts/", {f"count-{product.pk}": "7"})
    clerk.post(f"/inventory/stocktakes/{stocktake.pk}/approve/")
    stocktake.refresh_from_db()
    assert stocktake.status == "approved" and balance(product, wh)[0] == 7


def test_the_stock_page_keeps_to_the_data_scope_and_other_roles_are_refused(clerk, make_user):
    from django.contrib.auth.models import User

    product, mine, theirs = sku(), warehouse("A仓"), warehouse("B仓")
    receive(product, mine, 1)
    receive(product, theirs, 2)
    scope = UserScope.objects.create(user=User.objects.get(username="clerk"))
    scope.warehouses.set([mine])
    page = _text(clerk.get("/inventory/"))
    assert mine.code in page and theirs.code not in page
    make_user("customs1", role="customs")
    other = Client()
    other.login(username="customs1", password="Secret-pass-123")
    assert other.get("/inventory/").status_code == 403
    viewer = Client()
    make_user("buyer", role="purchasing")
    viewer.login(username="buyer", password="Secret-pass-123")
    assert viewer.get("/inventory/").status_code == 200
    assert viewer.post("/inventory/documents/new/", {"direction": "receipt", "warehouse": mine.pk}).status_code == 403
