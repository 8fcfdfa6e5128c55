"""GET /api/coding-rules and PUT /api/coding-rules/{target}."""

import pytest

from ecerp.core.models import AuditLog, CodingRule
from tests.api.conftest import error_codes

pytestmark = pytest.mark.django_db


def test_admin_lists_and_changes_a_rule(api_as):
    admin = api_as("admin")
    rules = admin.get("/api/coding-rules").json()
    assert {"product", "category", "sales_order"} <= {rule["target"] for rule in rules}
    response = admin.put("/api/coding-rules/product", {"prefix": "P", "sequence_length": 8})
    assert response.status_code == 200
    assert (response.json()["prefix"], response.json()["sequence_length"]) == ("P", 8)
    assert CodingRule.objects.get(target="product").prefix == "P"
    assert AuditLog.objects.filter(model="core.codingrule", action="update").exists()


def test_other_roles_may_not_read_or_change_rules(api_as):
    operations = api_as("operations")
    assert operations.get("/api/coding-rules").status_code == 403
    response = operations.put("/api/coding-rules/product", {"prefix": "X"})
    assert response.status_code == 403
    assert error_codes(response) == [(None, "PERMISSION_DENIED")]
    assert not CodingRule.objects.filter(prefix="X").exists()


def test_unknown_rule_is_not_found(api_as):
    response = api_as("admin").put("/api/coding-rules/nothing", {"prefix": "X"})
    assert response.status_code == 404
    assert error_codes(response) == [("target", "NOT_FOUND")]


def test_bad_segment_lengths_name_the_field(api_as):
    admin = api_as("admin")
    admin.get("/api/coding-rules")  # creates the default rules
    response = admin.put("/api/coding-rules/category", {"segment_lengths": "2-x-3"})
    assert response.status_code == 400
    assert error_codes(response) == [("segment_lengths", "INVALID_VALUE")]
    assert CodingRule.objects.get(target="category").segment_lengths == "2-2-3"


def test_wrong_type_is_a_validation_error(api_as):
    response = api_as("admin").put("/api/coding-rules/product", {"sequence_length": "many"})
    assert response.status_code == 400
    assert error_codes(response) == [("sequence_length", "INVALID_VALUE")]
