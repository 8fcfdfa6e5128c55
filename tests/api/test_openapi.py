"""/api/openapi.json is served and documents every operation, the bearer scheme and decimal strings."""

import re

import pytest
from django.test import Client

from tests.test_permission_matrix import OPERATIONS

pytestmark = pytest.mark.django_db


def test_openapi_lists_every_operation():
    # when anyone fetches the document
    response = Client().get("/api/openapi.json")
    # then it is served
    assert response.status_code == 200
    document = response.json()
    # and lists every operation of the api object, with its method
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    expected = {(method, path.replace("999999", "{}")) for method, path, _func in OPERATIONS}
    normalised = {(method, _placeholders(path)) for method, path in documented}
    assert expected <= normalised
    assert len(documented) == len(OPERATIONS)


def _placeholders(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_openapi_declares_bearer_auth_and_money_as_strings():
    document = Client().get("/api/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert any(scheme.get("scheme") == "bearer" for scheme in schemes.values())
    product = document["components"]["schemas"]["ProductOut"]["properties"]
    assert product["sale_price"]["type"] == "string"
    token = document["paths"]["/api/auth/token"]["post"]
    assert "security" not in token or token["security"] == [{}] or token["security"] == []
    assert Client().get("/api/docs").status_code == 200


def test_openapi_names_each_operation_permission():
    document = Client().get("/api/openapi.json").json()
    assert "`masterdata.change_product`" in document["paths"]["/api/masterdata/products/{product_id}"]["patch"][
        "description"]
    undocumented = [f"{method} {path}" for path, item in document["paths"].items() for method, operation in
                    item.items() if path != "/api/auth/token" and "Permission:" not in operation.get("description", "")]
    assert undocumented == []


def test_answers_are_utf8_json(api_as):
    response = api_as("admin").get("/api/system")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "培训".encode() in response.content


def test_operation_ids_and_parameters_name_the_type():
    # given the document (operations written by masterdata.api.common.Crud carry hand-written names)
    paths = Client().get("/api/openapi.json").json()["paths"]
    contact = paths["/api/masterdata/partners/{partner_id}/contacts/{contact_id}"]["patch"]
    locations = paths["/api/masterdata/warehouses/{warehouse_id}/locations"]["get"]
    # then operation ids, summaries and path parameters are those of the type
    assert contact["operationId"] == "ecerp_masterdata_api_partners_update_partner_contact"
    assert contact["summary"] == "Update Partner Contact"
    assert [p["name"] for p in contact["parameters"]] == ["partner_id", "contact_id"]
    assert locations["operationId"] == "ecerp_masterdata_api_warehouses_list_locations"
    assert {p["name"] for p in locations["parameters"]} >= {"warehouse_id", "limit", "offset", "q", "zone"}
    assert paths["/api/masterdata/departments"]["post"]["description"].startswith("Create a department;")
