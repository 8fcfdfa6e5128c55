"""API /api/aftersales/: create (idempotent by platform refund id), verbs by role, errors in the standard shape."""

import pytest

from ecerp.aftersales.models import AfterSalesCase
from tests.aftersales.flow import balance, defective_warehouse, setup_shop, shipped_order
from tests.api.conftest import error_codes

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped():
    wh, items = setup_shop()
    defective_warehouse()
    return shipped_order(lines=(("SKU-A", 3, "30.00"),), paid_amount="90.00"), wh, items


def _open(client, order, **body):
    return client.post("/api/aftersales/cases", {"order_id": order.pk, "type": "return_refund",
                                                 "lines": [{"line_no": 1, "quantity": 2}], **body})


def test_a_return_goes_through_the_api_role_by_role(api_as, shipped):
    order, wh, (item, _other) = shipped
    operations, finance, warehouse = api_as("operations"), api_as("finance"), api_as("warehouse")
    # customer service opens the case; the same platform refund id answers the same case
    created = _open(operations, order, platform_refund_id="TB-R-1", reason="不想要了")
    assert created.status_code == 201, created.json()
    case = created.json()
    assert case["type"] == "return_refund" and case["status"] == "requested" and case["refund_amount"] == "60.00"
    again = _open(operations, order, platform_refund_id="TB-R-1")
    assert again.status_code == 200 and again.json()["id"] == case["id"]
    # operations may not approve; finance approves
    denied = operations.post(f"/api/aftersales/cases/{case['id']}/approve")
    assert denied.status_code == 403 and error_codes(denied) == [(None, "PERMISSION_DENIED")]
    assert finance.post(f"/api/aftersales/cases/{case['id']}/approve").json()["status"] == "approved"
    # the warehouse receives: 1 sellable, 1 damaged
    received = warehouse.post(f"/api/aftersales/cases/{case['id']}/receive",
                              {"lines": [{"line_no": 1, "sellable": 1, "damaged": 1}]})
    assert received.status_code == 200, received.json()
    assert received.json()["lines"][0]["damaged_quantity"] == 1
    assert balance(item, wh) == (8, 0)
    # finance refunds
    refunded = finance.post(f"/api/aftersales/cases/{case['id']}/refund", {"note": "支付宝原路退回"})
    assert refunded.json()["status"] == "refunded" and refunded.json()["refunded_amount"] == "60.00"
    # and the list filters by type and status
    listed = warehouse.get("/api/aftersales/cases", type="return_refund", status="refunded").json()
    assert listed["count"] == 1 and listed["items"][0]["code"] == case["code"]
    assert warehouse.get("/api/aftersales/cases", type="exchange").json()["count"] == 0


def test_errors_name_their_fields(api_as, shipped):
    order, _wh, _items = shipped
    operations = api_as("operations")
    over_refund = _open(operations, order, refund_amount="100.00")
    assert over_refund.status_code == 400 and error_codes(over_refund) == [("refund_amount", "OVER_REFUND")]
    over_return = operations.post("/api/aftersales/cases", {"order_id": order.pk, "type": "return_refund",
                                                            "lines": [{"line_no": 1, "quantity": 4}]})
    assert error_codes(over_return) == [("lines.1.quantity", "INVALID_QUANTITY")]
    missing = operations.post("/api/aftersales/cases", {"order_id": 999999, "type": "refund_only"})
    assert missing.status_code == 404 and error_codes(missing) == [("order_id", "NOT_FOUND")]
    invalid = operations.post("/api/aftersales/cases", {"type": "refund_only"})
    assert invalid.status_code == 400 and error_codes(invalid) == [("order_id", "REQUIRED")]
    case = _open(operations, order).json()
    wrong = api_as("warehouse").post(f"/api/aftersales/cases/{case['id']}/receive",
                                     {"lines": [{"line_no": 1, "sellable": 1}]})
    assert wrong.status_code == 409 and error_codes(wrong) == [("status", "INVALID_TRANSITION")]
    rejected = api_as("finance").post(f"/api/aftersales/cases/{case['id']}/reject", {"reason": ""})
    assert error_codes(rejected) == [("reason", "REASON_REQUIRED")]
    assert api_as("finance").get("/api/aftersales/cases/999999").status_code == 404
    assert AfterSalesCase.objects.count() == 1


def test_an_exchange_and_an_interception_through_the_api(api_as, shipped):
    order, wh, (item, other) = shipped
    operations, admin = api_as("operations"), api_as("admin")
    case = operations.post("/api/aftersales/cases", {
        "order_id": order.pk, "type": "exchange",
        "lines": [{"line_no": 1, "quantity": 1, "replacement_product_code": "SKU-B"}]}).json()
    admin.post(f"/api/aftersales/cases/{case['id']}/approve")
    admin.post(f"/api/aftersales/cases/{case['id']}/receive", {"lines": [{"line_no": 1, "sellable": 1}]})
    reshipped = operations.post(f"/api/aftersales/cases/{case['id']}/reship", {})
    assert reshipped.status_code == 200 and reshipped.json()["status"] == "reshipped"
    assert reshipped.json()["replacement_shipment"].startswith("FH")
    assert balance(other, wh) == (10, 1)
    unknown = operations.post(f"/api/aftersales/cases/{case['id']}/reship", {"warehouse_code": "NOPE"})
    assert error_codes(unknown) == [("warehouse_code", "UNKNOWN_WAREHOUSE")]
