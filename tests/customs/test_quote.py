"""The quote: worked tax examples of CUSTOMS.md through quote(), the CLI (JSON on stdin) and the API."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from ecerp.core.errors import DomainError
from ecerp.customs.services.quote import quote
from tests.api.conftest import anonymous, api_as  # noqa: F401 - the API clients of tests/api
from tests.customs.test_declaration_helpers import BUYER_ID, cross_border_store, filed_product

pytestmark = pytest.mark.django_db


def order(**extra) -> dict:
    data = {"decl_date": "2026-11-30", "buyer_name": "张三", "buyer_id_number": BUYER_ID,
            "buyer_phone": "13800000001", "consignee_name": "张三", "consignee_phone": "13800000001",
            "province": "浙江省", "city": "杭州市", "district": "西湖区", "address": "文三路1号"}
    data.update(extra)
    return data


def what_if(price="1000", quantity=1, **rates) -> dict:
    return {"sku_code": "WHAT-IF", "quantity": quantity, "unit_price": price, **rates}


def test_infant_formula_of_a_filed_sku_through_the_store_channel():
    # given a filed infant formula and a store whose channel uses the comprehensive tax (§2(b) example 1)
    cross_border_store()
    filed_product("MILK-1")
    # when 2 x 200 + freight 20 is quoted
    answer = quote(order(store="CB-9610", freight="20", lines=[{"sku_code": "MILK-1", "quantity": 2,
                                                                  "unit_price": "200.00"}]))
    # then V = 420, VAT 38.22, no finding
    assert answer["findings"] == []
    assert answer["tax"] == {"regime": "comprehensive", "dutiable_value": "420.00", "customs_duty": "0.00",
                             "vat": "38.22", "consumption_tax": "0.00", "total": "38.22",
                             "lines": [{"sku": "MILK-1", "dutiable_value": "420.00", "customs_duty": "0.00",
                                        "vat": "38.22", "consumption_tax": "0.00"}]}


@pytest.mark.parametrize(("rates", "price", "expected"), [
    # §2(b) example 2: high-end cosmetics, V = 1,000, CT 15 %, VAT 13 %
    ({"consumption_tax_rate": "0.15", "vat_rate": "0.13"}, "1000", ("123.53", "107.06", "230.59")),
    # the same in 2018 (VAT 16 %) and before 2016-10-01 (CT 30 %, VAT 17 %)
    ({"consumption_tax_rate": "0.15", "vat_rate": "0.16"}, "1000", ("123.53", "131.76", "255.29")),
    ({"consumption_tax_rate": "0.30", "vat_rate": "0.17"}, "1000", ("300.00", "170.00", "470.00")),
    # §2(b) example 3: apparel 300 + freight 15 at 13 %; a 9 % good of 200
    ({"vat_rate": "0.13"}, "300", ("0.00", "28.67", "28.67")),
    ({"vat_rate": "0.09"}, "200", ("0.00", "12.60", "12.60")),
])
def test_comprehensive_worked_examples_as_what_ifs(rates, price, expected):
    freight = "15" if price == "300" else "0"
    answer = quote(order(regime="comprehensive", freight=freight,
                         lines=[what_if(price, hs_code="3304990099", **rates)]))
    tax = answer["tax"]
    assert (tax["consumption_tax"], tax["vat"], tax["total"]) == expected


@pytest.mark.parametrize(("price", "rate", "total"), [
    ("240", "0.20", "0.00"), ("250", "0.20", "0.00"), ("800", "0.20", "160.00"), ("400", "0.50", "200.00"),
    ("380", "0.13", "0.00"),
])
def test_postal_article_worked_examples(price, rate, total):
    # §2(a) examples 1-5 (tax of 50 or less waived)
    answer = quote(order(regime="postal", lines=[what_if(price, postal_tax_rate=rate, origin_country="502")]))
    assert answer["tax"]["regime"] == "postal" and answer["tax"]["total"] == total


def test_postal_parcel_over_the_limit_is_found():
    # §2(a) examples 6 and 7: two items of 600 from the US (1,200 > 1,000); from Hong Kong the limit is 800
    lines = [what_if("600", postal_tax_rate="0.20"), {**what_if("600", postal_tax_rate="0.20"), "sku_code": "B"}]
    found = quote(order(regime="postal", origin_region="502", lines=lines))["findings"]
    assert [finding["code"] for finding in found] == ["PARCEL_VALUE_LIMIT"]


def test_findings_name_code_field_and_message():
    # given an invalid buyer ID and a payer who is someone else
    answer = quote(order(regime="comprehensive", buyer_id_number="110101199003071234",
                         payer_id_number="110101199003071234", payer_name="李四", lines=[what_if("100",
                                                                                                 vat_rate="0.13")]))
    assert [(item["code"], item["field"]) for item in answer["findings"]] == [
        ("BUYER_ID_INVALID", "buyer_id_number"), ("PAYER_NOT_BUYER", "payer_name")]
    assert all(item["message"] for item in answer["findings"])


def test_unfiled_sku_and_hs_code_off_the_positive_list():
    cross_border_store()
    filed_product("DRAFT-1", state="draft")
    answer = quote(order(store="CB-9610", lines=[{"sku_code": "DRAFT-1", "quantity": 1, "unit_price": "100"},
                                                 what_if("100", hs_code="9999999999", vat_rate="0.13")]))
    assert [(item["code"], item["field"]) for item in answer["findings"]] == [
        ("PRODUCT_NOT_FILED", "lines.1.sku"), ("NOT_ON_POSITIVE_LIST", "lines.2.hs_code")]


def test_annual_used_given_in_the_input():
    answer = quote(order(regime="comprehensive", annual_used="25950", lines=[what_if("100", vat_rate="0.13")]))
    assert [item["code"] for item in answer["findings"]] == ["ANNUAL_QUOTA_EXCEEDED"]


def test_bad_fields_are_named():
    with pytest.raises(DomainError) as error:
        quote({"regime": "other", "lines": [{"sku_code": "", "quantity": 0, "unit_price": "x"}], "freight": 1.5,
               "colour": "red"})
    fields = {detail.field for detail in error.value.details}
    assert {"regime", "colour", "freight", "lines.1.sku_code", "lines.1.quantity", "lines.1.unit_price"} <= fields
    assert {detail.code for detail in error.value.details} == {"QUOTE_INVALID"}


def test_cli_quote_reads_stdin_and_prints_json():
    out = io.StringIO()
    data = order(regime="comprehensive", freight="20", lines=[what_if("200", quantity=2, vat_rate="0.13",
                                                                      hs_code="1901101000")])
    call_command("customs", "quote", stdin=io.StringIO(json.dumps(data)), stdout=out)
    answer = json.loads(out.getvalue())
    assert answer["tax"]["total"] == "38.22" and Decimal(answer["tax"]["dutiable_value"]) == Decimal("420")


def test_cli_quote_refuses_bad_json_with_exit_code_2():
    err = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("customs", "quote", stdin=io.StringIO("{not json"), stderr=err)
    assert error.value.returncode == 2
    with pytest.raises(CommandError) as error:
        call_command("customs", "quote", stdin=io.StringIO(json.dumps({"lines": []})), stderr=err)
    assert error.value.returncode == 2
    assert "QUOTE_INVALID" in err.getvalue() and '"field": "lines"' in err.getvalue()


def test_api_quote(api_as, anonymous):  # noqa: F811 - fixtures imported above
    body = order(regime="comprehensive", lines=[what_if("300", vat_rate="0.13")], freight="15")
    # anonymous and a role without customs rights are refused
    assert anonymous.post("/api/customs/quote", body).status_code == 401
    assert api_as("warehouse").post("/api/customs/quote", body).status_code == 403
    # the customs role gets the answer
    response = api_as("customs").post("/api/customs/quote", body)
    assert response.status_code == 200, response.content
    assert response.json()["tax"]["total"] == "28.67"
    # a bad field is a 400 naming it
    bad = api_as("customs").post("/api/customs/quote", {**body, "decl_date": "30.11.2026"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "decl_date"


def test_a_postal_what_if_needs_its_rate():
    with pytest.raises(DomainError) as error:
        quote(order(regime="postal", lines=[what_if("100", hs_code="6204420000")]))
    assert [(detail.code, detail.field) for detail in error.value.details] == [
        ("QUOTE_INVALID", "lines.1.postal_tax_rate")]


def test_annual_used_comes_from_the_released_declarations_of_the_buyer(make_user):
    # given a released declaration of 22,000 for the buyer this year
    from ecerp.customs.services.declarations import record_incoming, submit_declaration
    from tests.customs.test_declaration_helpers import declare, list_receipt

    user = make_user("c0", role="customs")
    declaration = declare(user, cross_border_store(), [(filed_product("BIG-1"), 1, "22000")])
    submit_declaration(user=user, declaration=declaration)
    record_incoming(raw=list_receipt(declaration, "800"), source="t")
    # when the same buyer's next order of 4,500 is quoted (without annual_used)
    answer = quote(order(regime="comprehensive", lines=[what_if("4500", vat_rate="0.13")]))
    # then the quota is found exceeded; another buyer is fine
    assert [item["code"] for item in answer["findings"]] == ["ANNUAL_QUOTA_EXCEEDED"]
    other = "110105198505121238"
    assert quote(order(regime="comprehensive", buyer_id_number=other, payer_id_number=other,
                       lines=[what_if("4500", vat_rate="0.13")]))["findings"] == []
