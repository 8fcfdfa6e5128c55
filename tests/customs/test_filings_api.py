"""API of filings and reference tables: permission denied, error codes, the happy path."""

import pytest

from ecerp.core.services import create_api_token
from ecerp.customs.models import ProductFiling
from tests.api.conftest import ApiClient
from tests.customs.test_filings import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_as(make_user):
    """api_as("customs") -> an API client acting as a new user holding that built-in role."""
    counter = {"n": 0}

    def make(role):
        counter["n"] += 1
        user = make_user(f"api-{role}-{counter['n']}", role=role)
        _token, secret = create_api_token(user=user, owner=user, name="test")
        return ApiClient(user, secret)

    return make


def test_a_filing_is_written_and_moved_through_the_api(api_as):
    make_product("CB-1")
    customs = api_as("customs")
    created = customs.post("/api/customs/filings", {"sku": "CB-1", "gname": "面霜", "origin_country": "JP"})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["state"], body["origin_country"], body["on_positive_list"], body["qty1_per_unit"]) == (
        "draft", "116", True, "0.05000")
    assert customs.post("/api/customs/filings", {"sku": "CB-1", "postal_tier": 3}).status_code == 200
    assert customs.post("/api/customs/filings/CB-1/submit").json()["state"] == "submitted"
    # editing while submitted is a conflict
    answer = customs.post("/api/customs/filings", {"sku": "CB-1", "gname": "x"})
    assert answer.status_code == 409 and answer.json()["errors"][0]["code"] == "FILING_NOT_EDITABLE"
    answer = customs.post("/api/customs/filings/CB-1/reject", {"reason": ""})
    assert answer.status_code == 400 and answer.json()["errors"][0] == {
        "field": "reason", "code": "REASON_REQUIRED", "message": "请填写原因"}
    approved = customs.post("/api/customs/filings/CB-1/approve", {"filing_no": "BA9"}).json()
    assert (approved["state"], approved["filing_no"]) == ("approved", "BA9")
    reopened = customs.post("/api/customs/filings/CB-1/reopen", {"reason": "改包装"}).json()
    assert (reopened["state"], reopened["version"]) == ("draft", 2)
    listed = customs.get("/api/customs/filings", state="draft").json()
    assert listed["count"] == 1 and listed["items"][0]["sku"] == "CB-1"
    assert customs.get("/api/customs/filings/CB-1").json()["postal_tier"] == 3


def test_filing_api_errors(api_as):
    make_product("CB-1")
    customs = api_as("customs")
    answer = customs.post("/api/customs/filings", {"sku": "NOPE"})
    assert answer.status_code == 404 and answer.json()["errors"][0]["field"] == "sku"
    answer = customs.post("/api/customs/filings", {"sku": "CB-1", "hs_code": "12", "unit2": "035"})
    assert answer.status_code == 400
    assert {(error["field"], error["code"]) for error in answer.json()["errors"]} == {
        ("hs_code", "INVALID_HS_CODE"), ("qty2_per_unit", "SECOND_UNIT_INCOMPLETE")}
    assert customs.get("/api/customs/filings/CB-1").status_code == 404
    customs.post("/api/customs/filings", {"sku": "CB-1"})
    answer = customs.post("/api/customs/filings/CB-1/approve", {})
    assert answer.status_code == 409 and answer.json()["errors"][0]["code"] == "INVALID_TRANSITION"


def test_filing_api_permissions(api_as):
    make_product("CB-1")
    assert api_as("warehouse").get("/api/customs/filings").status_code == 403
    finance = api_as("finance")
    assert finance.get("/api/customs/filings").status_code == 200
    assert finance.post("/api/customs/filings", {"sku": "CB-1"}).status_code == 403
    assert not ProductFiling.objects.exists()
    assert api_as("warehouse").get("/api/customs/reference/codes").status_code == 403


def test_reference_tables_are_read_through_the_api(api_as):
    management = api_as("management")
    codes = management.get("/api/customs/reference/codes", kind="currency").json()
    assert [(code["code"], code["name_zh"], code["verified"]) for code in codes] == [("142", "人民币", True)]
    rates = management.get("/api/customs/reference/tax-rates", kind="vat_standard").json()
    assert [rate["rate"] for rate in rates] == ["0.1700", "0.1600", "0.1300"]
    limits = management.get("/api/customs/reference/limits").json()
    assert [(limit["single_limit"], limit["annual_limit"]) for limit in limits] == [
        ("2000.00", "20000.00"), ("5000.00", "26000.00")]
    lines = management.get("/api/customs/reference/positive-list", on_date="2016-04-07").json()
    assert lines == []
    assert len(management.get("/api/customs/reference/positive-list", on_date="2026-01-01").json()) >= 10
