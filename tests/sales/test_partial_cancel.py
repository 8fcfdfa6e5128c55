"""Cancel part of an unshipped order: the units leave, their stock is released, the rest still ships."""

from decimal import Decimal

import pytest

from ecerp.core.errors import DomainError
from ecerp.core.events import deliver_pending
from ecerp.core.models import AuditLog, OutboxEvent, StateHistory
from ecerp.inventory import services as inventory
from ecerp.inventory.models import Shipment
from ecerp.sales import services
from ecerp.sales.models import OrderHold, SalesOrder
from ecerp.sales.services.partial import removed_share
from ecerp.sales.states import OrderStatus
from tests.inventory.shipment_helpers import fresh_carrier  # noqa: F401 (autouse: a new simulated carrier)
from tests.sales.orderflow import balance, bundle, fresh, order, shop, sku, stock, warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    wh = warehouse("WH1")
    shop("TM01", warehouse=wh)
    first, second = sku("SKU-A"), sku("SKU-B")
    stock(first, wh, 10)
    stock(second, wh, 10)
    return {"wh": wh, "a": first, "b": second}


def allocated(lines, **fields) -> SalesOrder:
    placed = order(lines=lines, **fields)
    services.review_orders(user=None, orders=[placed])
    services.allocate_orders(user=None, orders=[fresh(placed)])
    placed = fresh(placed)
    assert placed.status == OrderStatus.ALLOCATED
    return placed


def parcel_of(placed) -> Shipment | None:
    return Shipment.objects.filter(reference_type="sales_order", reference_id=str(placed.pk)).order_by("-id").first()


def test_removing_one_of_two_lines_keeps_the_other_reserved_and_the_order_ships(setup):
    # given an allocated order of 2 x SKU-A and 3 x SKU-B, with a parcel waiting in the warehouse
    wh = setup["wh"]
    placed = allocated((("SKU-A", 2, "50.00"), ("SKU-B", 3, "10.00")), paid_amount="130.00")
    services.create_order_shipments(user=None, orders=[placed])
    assert balance(setup["a"], wh) == (10, 2) and balance(setup["b"], wh) == (10, 3)
    # when line 1 is cancelled
    result = services.cancel_order_lines(user=None, order=placed, lines=[(1, 2)], reason="买家部分退款")
    # then SKU-A is free again, SKU-B stays reserved, the old parcel is cancelled, the order still allocated
    assert result.status == OrderStatus.ALLOCATED
    assert balance(setup["a"], wh) == (10, 0) and balance(setup["b"], wh) == (10, 3)
    assert Shipment.objects.filter(reference_id=str(placed.pk), status="cancelled").count() == 1
    placed = fresh(placed)
    assert [(line.line_no, line.quantity) for line in placed.lines.all()] == [(2, 3)]
    assert placed.goods_amount == Decimal("30.00") and placed.paid_amount == Decimal("30.00")
    # and the removed line lives on in a cancelled part order linked to the order
    part = SalesOrder.objects.get(split_from=placed)
    assert part.status == OrderStatus.CANCELLED and part.source == "partial_cancel"
    assert [(line.line_no, line.quantity) for line in part.lines.all()] == [(1, 2)]
    assert part.goods_amount + placed.goods_amount == Decimal("130.00")
    # and the order's timeline and audit name the removed units
    history = StateHistory.objects.filter(model="sales.salesorder", object_id=str(placed.pk)).last()
    assert history.from_state == history.to_state == "allocated" and "第 1 行 2 件" in history.reason
    audit = AuditLog.objects.filter(model="sales.salesorder", object_id=str(placed.pk), action="update").last()
    assert audit.before["order_lines"] == "1: SKU-A x 2 (100.00); 2: SKU-B x 3 (30.00)"
    assert audit.after["order_lines"] == "2: SKU-B x 3 (30.00)"
    # and the event carries the lines, quantities and amounts
    payload = OutboxEvent.objects.get(event_type="OrderLinesCancelled").payload
    assert payload["order_id"] == placed.pk and payload["cancelled_quantity"] == 2
    assert payload["cancelled_lines"] == [{"line_no": 1, "sku_code": "SKU-A", "product": "SKU-A", "quantity": 2,
                                           "unit_price": "50.0000", "gross": "100.00", "discount": "0.00",
                                           "amount": "100.00"}]
    assert payload["paid_reduction"] == "100.00" and payload["cancelled_order_code"] == part.code
    assert [line["line_no"] for line in payload["lines"]] == [2] and payload["reallocated"] is True
    # when the rest is parcelled, packed and shipped
    [created] = services.create_order_shipments(user=None, orders=[placed])
    assert created.outcome == "created", created.errors
    parcel = Shipment.objects.get(code=created.shipment_code)
    assert [(line.product_id, line.quantity) for line in parcel.lines.all()] == [(setup["b"].pk, 3)]
    inventory.confirm_packed(user=None, shipments=[parcel])
    [shipped] = inventory.ship_shipments(user=None, shipments=[Shipment.objects.get(pk=parcel.pk)],
                                         carrier_code="SIM")
    assert shipped.error is None
    deliver_pending()
    # then the order shipped and only SKU-B left the warehouse
    assert fresh(placed).status == OrderStatus.SHIPPED
    assert balance(setup["a"], wh) == (10, 0) and balance(setup["b"], wh) == (7, 0)


def test_removing_some_units_of_a_line(setup):
    # given an allocated order of 3 x SKU-A at 33.33 with a 10.00 discount
    wh = setup["wh"]
    placed = allocated((("SKU-A", 3, "33.33"),), paid_amount="89.99")
    line = placed.lines.get()
    assert (line.amount, line.discount) == (Decimal("89.99"), Decimal("10.00"))
    # when one unit is cancelled
    services.cancel_order_lines(user=None, order=placed, lines=[(1, 1)], reason="少发一件")
    # then the line keeps 2 units, 2 stay reserved and the amounts drop by one unit's share
    line.refresh_from_db()
    placed = fresh(placed)
    assert line.quantity == 2 and balance(setup["a"], wh) == (10, 2)
    assert (line.discount, line.amount) == (Decimal("6.67"), Decimal("59.99"))
    assert placed.goods_amount == Decimal("66.66") and placed.discount == Decimal("6.67")
    assert placed.paid_amount == Decimal("59.99") and placed.payable == placed.paid_amount
    part = SalesOrder.objects.get(split_from=placed)
    [removed] = part.lines.all()
    assert (removed.line_no, removed.quantity, removed.amount) == (1, 1, Decimal("30.00"))


def test_removing_every_unit_cancels_the_order(setup):
    wh = setup["wh"]
    placed = allocated((("SKU-A", 2, "50.00"), ("SKU-B", 1, "10.00")))
    result = services.cancel_order_lines(user=None, order=placed, lines=[(2, 1), (1, 2)], reason="整单退款")
    assert result.status == OrderStatus.CANCELLED
    assert balance(setup["a"], wh) == (10, 0) and balance(setup["b"], wh) == (10, 0)
    assert OutboxEvent.objects.filter(event_type="OrderCancelled").exists()
    assert not OutboxEvent.objects.filter(event_type="OrderLinesCancelled").exists()
    assert not SalesOrder.objects.filter(split_from=placed).exists()


def test_a_refund_amount_lowers_the_paid_amount(setup):
    placed = order(lines=(("SKU-A", 2, "50.00"), ("SKU-B", 1, "10.00")), paid_amount="110.00")
    result = services.cancel_order_lines(user=None, order=placed, lines=[(1, 1)], reason="退款",
                                         refund_amount=Decimal("45.00"))
    assert result.status == OrderStatus.RECEIVED and fresh(placed).paid_amount == Decimal("65.00")
    payload = OutboxEvent.objects.get(event_type="OrderLinesCancelled").payload
    assert payload["paid_reduction"] == "45.00" and payload["cancelled_amount"] == "50.00"
    assert payload["reallocated"] is None


def test_shipped_and_cancelled_orders_are_refused(setup):
    placed = allocated((("SKU-A", 1, "50.00"), ("SKU-B", 1, "10.00")))
    services.mark_shipped(user=None, order=placed)
    with pytest.raises(DomainError) as caught:
        services.cancel_order_lines(user=None, order=placed, lines=[(1, 1)], reason="x")
    assert caught.value.code == "ORDER_NOT_OPEN" and caught.value.http_status == 409
    other = order(lines=(("SKU-A", 1, "50.00"), ("SKU-B", 1, "10.00")))
    services.cancel_order(user=None, order=other)
    with pytest.raises(DomainError) as caught:
        services.cancel_order_lines(user=None, order=other, lines=[(1, 1)], reason="x")
    assert caught.value.code == "ORDER_NOT_OPEN"


def test_bad_lines_name_the_field(setup):
    placed = allocated((("SKU-A", 2, "50.00"), ("SKU-B", 1, "10.00")))
    with pytest.raises(DomainError) as caught:
        services.cancel_order_lines(user=None, order=placed, lines=[(9, 1), (1, 3), (2, 0), (1, 1)], reason="x")
    assert [(d.code, d.field) for d in caught.value.details] == [
        ("UNKNOWN_LINE", "lines.1.line_no"), ("INVALID_QUANTITY", "lines.2.quantity"),
        ("INVALID_QUANTITY", "lines.3.quantity"), ("UNKNOWN_LINE", "lines.4.line_no")]
    with pytest.raises(DomainError) as caught:
        services.cancel_order_lines(user=None, order=placed, lines=[(1, True)], reason="x")
    assert caught.value.code == "INVALID_QUANTITY" and caught.value.field == "lines.1.quantity"
    with pytest.raises(DomainError) as caught:
        services.cancel_order_lines(user=None, order=placed, lines=[], reason="x")
    assert caught.value.code == "NO_LINES" and caught.value.field == "lines"
    # nothing changed
    assert fresh(placed).status == OrderStatus.ALLOCATED and balance(setup["a"], setup["wh"]) == (10, 2)


def test_bundles_release_and_keep_their_components(setup):
    # given an allocated order of 2 boxes (2 x SKU-A + 1 x SKU-B each) and 1 x SKU-B
    wh = setup["wh"]
    bundle("BOX", [(setup["a"], 2), (setup["b"], 1)])
    placed = allocated((("BOX", 2, "30.00"), ("SKU-B", 1, "10.00")))
    assert balance(setup["a"], wh) == (10, 4) and balance(setup["b"], wh) == (10, 3)
    # when one box is cancelled
    services.cancel_order_lines(user=None, order=placed, lines=[(1, 1)], reason="退一盒")
    # then one box's components are released, the rest stays reserved
    assert balance(setup["a"], wh) == (10, 2) and balance(setup["b"], wh) == (10, 2)
    assert fresh(placed).status == OrderStatus.ALLOCATED


def test_a_failed_reservation_leaves_the_order_reviewed_with_a_stock_hold(setup, monkeypatch):
    # given an allocated order whose stock cannot be reserved again (a concurrent writer took it)
    from ecerp.inventory.errors import InsufficientStock
    from ecerp.sales.services import partial

    placed = allocated((("SKU-A", 2, "50.00"), ("SKU-B", 1, "10.00")))

    def short(**_kwargs):
        raise InsufficientStock(sku="SKU-B", warehouse="WH1", wanted=1, available=0)

    monkeypatch.setattr(partial, "reserve_stock", short)
    services.cancel_order_lines(user=None, order=placed, lines=[(1, 2)], reason="退款")
    placed = fresh(placed)
    assert placed.status == OrderStatus.REVIEWED and "SKU-B" in placed.hold_reason
    assert OrderHold.objects.filter(order=placed, kind="stock", active=True).exists()
    assert balance(setup["a"], setup["wh"]) == (10, 0) and balance(setup["b"], setup["wh"]) == (10, 0)


def test_removed_share_takes_the_rest_with_the_last_units():
    assert removed_share(quantity=3, unit_price=Decimal("33.33"), discount=Decimal("10.00"), remove=1) == (
        Decimal("33.33"), Decimal("3.33"), Decimal("30.00"))
    assert removed_share(quantity=3, unit_price=Decimal("33.33"), discount=Decimal("10.00"), remove=3) == (
        Decimal("99.99"), Decimal("10.00"), Decimal("89.99"))


def test_the_order_page_links_the_cancelled_part_and_names_the_removed_units(setup, make_user):
    # given an order with one of its two lines cancelled
    from django.test import Client

    from ecerp.sales.queries import source_label

    placed = order(lines=(("SKU-A", 2, "50.00"), ("SKU-B", 1, "10.00")))
    services.cancel_order_lines(user=None, order=placed, lines=[(1, 2)], reason="买家退款")
    part = SalesOrder.objects.get(split_from=placed)
    make_user("ops", role="operations")
    client = Client()
    assert client.login(username="ops", password="Secret-pass-123")
    # when the order and its part are opened
    page = client.get(f"/sales/orders/{placed.pk}/").content.decode()
    part_page = client.get(f"/sales/orders/{part.pk}/").content.decode()
    # then the order links its part and its timeline names the removed units; the part names its source
    assert part.code in page and "第 1 行 2 件" in page and "1: SKU-A x 2 (81.82)" in page
    assert placed.code in part_page and source_label(part.source) == "部分取消"


def test_the_order_page_cancels_the_typed_quantities_and_names_bad_input(setup, make_user):
    # given an allocated order of 2 x SKU-A and 3 x SKU-B and an operations user on its page
    from django.test import Client

    wh = setup["wh"]
    placed = allocated((("SKU-A", 2, "50.00"), ("SKU-B", 3, "10.00")), paid_amount="130.00")
    make_user("ops", role="operations")
    client = Client()
    assert client.login(username="ops", password="Secret-pass-123")
    page = client.get(f"/sales/orders/{placed.pk}/").content.decode()
    assert 'name="cancel_1"' in page and 'id="cancel-lines-form"' in page
    url = f"/sales/orders/{placed.pk}/cancel-lines/"
    # when a quantity that is not a number is typed, then nothing changes and the message names the line
    response = client.post(url, {"cancel_2": "x"}, follow=True)
    assert "第 2 行的取消数量「x」不是整数" in response.content.decode()
    assert [(line.line_no, line.quantity) for line in fresh(placed).lines.all()] == [(1, 2), (2, 3)]
    # when more units than the line has are typed, then the service's message is shown
    response = client.post(url, {"cancel_2": "4"}, follow=True)
    assert response.status_code == 200 and fresh(placed).lines.get(line_no=2).quantity == 3
    # when one unit of line 2 is cancelled with a refund of 8.00
    response = client.post(url, {"cancel_1": "", "cancel_2": "1", "reason": "缺货", "refund_amount": "8.00"},
                           follow=True)
    # then the unit left the order and its reservation, the paid amount dropped by the refund
    assert "已取消 1 件商品" in response.content.decode()
    placed = fresh(placed)
    assert [(line.line_no, line.quantity) for line in placed.lines.all()] == [(1, 2), (2, 2)]
    assert placed.paid_amount == Decimal("122.00") and placed.status == OrderStatus.ALLOCATED
    assert balance(setup["b"], wh) == (10, 2)


def test_the_api_cancels_order_lines(setup, api_as):
    # given an order of two lines and an API client of operations
    placed = order(lines=(("SKU-A", 2, "50.00"), ("SKU-B", 3, "10.00")), paid_amount="130.00")
    client = api_as("operations")
    url = f"/api/orders/{placed.pk}/cancel-lines"
    # when a line that does not exist is named, then 400 names the field and nothing changed
    response = client.post(url, {"lines": [{"line_no": 9, "quantity": 1}]})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "UNKNOWN_LINE"
    assert response.json()["errors"][0]["field"] == "lines.1.line_no"
    assert not OutboxEvent.objects.filter(event_type="OrderLinesCancelled").exists()
    # when two units of line 2 are cancelled
    response = client.post(url, {"lines": [{"line_no": 2, "quantity": 2}], "reason": "买家部分退款"})
    # then the order keeps one unit of line 2 and the paid amount dropped by the removed amount
    assert response.status_code == 200, response.json()
    body = response.json()
    assert Decimal(body["paid_amount"]) == Decimal("110.00")
    assert [(line["line_no"], line["quantity"]) for line in body["lines"]] == [(1, 2), (2, 1)]
    assert OutboxEvent.objects.filter(event_type="OrderLinesCancelled").count() == 1
    # and a role without the change permission is refused
    assert api_as("warehouse").post(url, {"lines": [{"line_no": 1, "quantity": 1}]}).status_code == 403
