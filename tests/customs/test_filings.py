"""Product filings: constraints, the state machine, filing_problem codes, channel profiles and settings."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from ecerp.core.errors import DomainError
from ecerp.core.models import AuditLog, StateHistory
from ecerp.core.states import InvalidTransition
from ecerp.customs import queries
from ecerp.customs.models import CustomsChannel, ProductFiling
from ecerp.customs.services.filings import (
    approve_filing,
    import_filings,
    reject_filing,
    reopen_filing,
    save_channel,
    save_customs_settings,
    save_filing,
    submit_filing,
)
from ecerp.customs.states import FILING_TRANSITIONS, FilingState
from ecerp.masterdata.models import Partner, Product, Store

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 30)


def make_product(code="CB-001", hs_code="3304990099", **extra) -> Product:
    """A cross-border product with the master data a filing starts from."""
    data = dict(code=code, name=f"面霜 {code}", brand="资生堂", specification="50ml", hs_code=hs_code,
                customs_unit="142", origin_country="JP", net_weight=Decimal("0.05"), sale_price=Decimal("399"),
                is_cross_border=True)
    data.update(extra)
    return Product.objects.create(**data)


def approved_filing(user, product=None, **data) -> ProductFiling:
    """A filing of product (a new one by default) taken through submit and approve."""
    filing = save_filing(user=user, product=product or make_product(), data=data)
    return approve_filing(user=user, filing=submit_filing(user=user, filing=filing))


def make_partner(short_name, *, customs_code="3301960001", credit=None, **roles) -> Partner:
    return Partner.objects.create(code=f"P-{short_name}", name=f"{short_name}有限公司", short_name=short_name,
                                  customs_code=customs_code, social_credit_code=credit, **roles)


def cross_border_setup(store_type="cbec_9610"):
    """A cross-border store with its platform, e-commerce company, logistics, payment and broker partners."""
    parties = {
        "platform": make_partner("平台", customs_code="3301960002", is_platform=True),
        "ecommerce_company": make_partner("电商", customs_code="3301960003", is_ecommerce=True),
        "logistics": make_partner("物流", customs_code="3301960004", is_logistics=True),
        "payment": make_partner("支付", customs_code="3301960005", is_payment=True),
        "agent": make_partner("报关", customs_code="4101980006", is_customs_broker=True),
    }
    store = Store.objects.create(code=f"S-{store_type}", name="跨境店", platform="tmall_global", shop_id="1",
                                 type=store_type, platform_partner=parties["platform"],
                                 ecommerce_company=parties["ecommerce_company"])
    return store, parties


def channel_data(parties, **extra) -> dict:
    data = {**parties, "guarantor": parties["ecommerce_company"], "customs_code": "2991", "port_code": "2233",
            "departure_country": "116", "transport_mode": "5"}
    data.update(extra)
    return data


def _codes(error) -> dict:
    return {detail.field: detail.code for detail in error.value.details}


# --- constraints ----------------------------------------------------------------------------------------

def test_the_database_refuses_a_filing_breaking_its_rules(admin_user):
    # given a valid filing
    filing = save_filing(user=admin_user, product=make_product(), data={})
    for change in ({"hs_code": "33049900"}, {"origin_country": "JP"}, {"unit2": "035"},
                   {"qty2_per_unit": Decimal("1")}, {"net_content": Decimal("5")}, {"content_unit": "ml"},
                   {"postal_tier": 4},
                   {"consumption_tax_rule": "always", "consumption_tax_rate": Decimal(0)},
                   {"state": "rejected", "rejection_reason": ""}):
        # when a row breaks a CHECK, then the database refuses it
        with pytest.raises(IntegrityError), transaction.atomic():
            ProductFiling.objects.filter(pk=filing.pk).update(**change)


def test_a_new_filing_starts_from_the_product_master_data(admin_user):
    # when a filing is created with no data
    filing = save_filing(user=admin_user, product=make_product(), data={})
    # then it takes HS code, name, units, customs country and weight from the product
    assert (filing.hs_code, filing.unit, filing.unit1, filing.origin_country) == ("3304990099", "142", "035", "116")
    assert filing.qty1_per_unit == Decimal("0.05") and filing.gmodel == "品牌：资生堂；规格：50ml"
    assert filing.state == FilingState.DRAFT and filing.version == 1
    assert AuditLog.objects.filter(model="customs.productfiling", action="create").count() == 1


def test_save_filing_reports_every_bad_field_at_once(admin_user):
    # when several fields are wrong
    with pytest.raises(DomainError) as error:
        save_filing(user=admin_user, product=make_product(), data={
            "hs_code": "3304", "unit": "999", "unit2": "035", "origin_country": "ZZ", "tariff_rate": "13",
            "net_content": "30", "consumption_tax_rule": "always", "postal_tier": "x", "colour": "red"})
    # then each is named with its code and nothing is written
    assert _codes(error) == {
        "hs_code": "INVALID_HS_CODE", "unit": "UNKNOWN_REFERENCE_CODE", "origin_country": "UNKNOWN_REFERENCE_CODE",
        "qty2_per_unit": "SECOND_UNIT_INCOMPLETE", "net_content": "CONTENT_INCOMPLETE", "tariff_rate": "INVALID_RATE",
        "consumption_tax_rate": "INVALID_RATE", "postal_tier": "INVALID_VALUE", "colour": "INVALID_VALUE"}
    assert "「商品编码(HS)」应为 10 位数字" in str(error.value.details[1].message) or any(
        "10 位数字" in detail.message for detail in error.value.details)
    assert not ProductFiling.objects.exists()


def test_a_domestic_product_needs_no_filing(admin_user):
    product = Product.objects.create(code="DOM-1", name="茶叶")
    with pytest.raises(DomainError) as error:
        save_filing(user=admin_user, product=product, data={"hs_code": "0902109000", "gname": "茶叶", "gmodel": "绿茶",
                                                            "unit": "035", "unit1": "035", "qty1_per_unit": "1",
                                                            "origin_country": "142"})
    assert _codes(error)["product"] == "NOT_CROSS_BORDER_PRODUCT"


# --- state machine --------------------------------------------------------------------------------------

def test_the_filing_state_table():
    assert FILING_TRANSITIONS[FilingState.DRAFT] == {FilingState.SUBMITTED}
    assert FILING_TRANSITIONS[FilingState.SUBMITTED] == {FilingState.APPROVED, FilingState.REJECTED}
    assert FILING_TRANSITIONS[FilingState.REJECTED] == {FilingState.DRAFT}
    assert FILING_TRANSITIONS[FilingState.APPROVED] == {FilingState.DRAFT}


def test_a_filing_is_submitted_rejected_edited_and_approved(admin_user):
    # given a submitted filing
    filing = submit_filing(user=admin_user, filing=save_filing(user=admin_user, product=make_product(), data={}))
    # then it cannot be edited, nor rejected without a reason
    with pytest.raises(DomainError) as error:
        save_filing(user=admin_user, product=filing.product, data={"gname": "面霜"})
    assert error.value.code == "FILING_NOT_EDITABLE" and error.value.http_status == 409
    with pytest.raises(DomainError) as error:
        reject_filing(user=admin_user, filing=filing, reason=" ")
    assert error.value.code == "REASON_REQUIRED"
    # when rejected, then edited, it is a draft again
    filing = reject_filing(user=admin_user, filing=filing, reason="缺少成分")
    assert (filing.state, filing.rejection_reason) == (FilingState.REJECTED, "缺少成分")
    filing = save_filing(user=admin_user, product=filing.product, data={"gmodel": "品牌：资生堂；成分：水、甘油"})
    assert filing.state == FilingState.DRAFT
    # and it may be submitted and approved; approving twice is a no-op
    filing = approve_filing(user=admin_user, filing=submit_filing(user=admin_user, filing=filing), filing_no="BA1")
    assert (filing.state, filing.filing_no, filing.approved_by) == (FilingState.APPROVED, "BA1", admin_user)
    assert approve_filing(user=admin_user, filing=filing).state == FilingState.APPROVED
    moves = list(StateHistory.objects.filter(model="customs.productfiling").values_list("from_state", "to_state"))
    assert moves == [("draft", "submitted"), ("submitted", "rejected"), ("rejected", "draft"),
                     ("draft", "submitted"), ("submitted", "approved")]


def test_a_draft_cannot_be_approved(admin_user):
    filing = save_filing(user=admin_user, product=make_product(), data={})
    with pytest.raises(InvalidTransition) as error:
        approve_filing(user=admin_user, filing=filing)
    assert error.value.code == "INVALID_TRANSITION" and "草稿" in str(error.value)


def test_changing_an_approved_filing_makes_a_new_version(admin_user):
    # given an approved filing
    filing = approved_filing(admin_user)
    # when it is reopened with a reason
    filing = reopen_filing(user=admin_user, filing=filing, reason="更换包装")
    # then it is a draft of version 2, audited with the reason, and its goods may not be declared
    assert (filing.state, filing.version, filing.approved_at) == (FilingState.DRAFT, 2, None)
    assert AuditLog.objects.filter(model="customs.productfiling", note="更换包装").exists()
    assert queries.filing_problem(filing.product, TODAY)[0] == "PRODUCT_NOT_FILED"


# --- filing_problem -------------------------------------------------------------------------------------

def test_filing_problem_codes(admin_user):
    # given an unfiled product, a draft filing, an approved one and one off the positive list
    unfiled = make_product("CB-A")
    draft = save_filing(user=admin_user, product=make_product("CB-B"), data={}).product
    fine = approved_filing(admin_user, make_product("CB-C")).product
    off_list = approved_filing(admin_user, make_product("CB-D", hs_code="8517130000")).product
    # then each gets its code and a message naming the SKU
    code, message = queries.filing_problem(unfiled, TODAY)
    assert code == "PRODUCT_NOT_FILED" and "CB-A" in message
    assert queries.filing_problem(draft, TODAY)[0] == "PRODUCT_NOT_FILED"
    assert queries.filing_problem(fine, TODAY) is None
    code, message = queries.filing_problem(off_list, TODAY)
    assert code == "NOT_ON_POSITIVE_LIST" and "85171300" in message
    # and before the positive list existed nothing is on it
    assert queries.filing_problem(fine, datetime.date(2016, 4, 7))[0] == "NOT_ON_POSITIVE_LIST"
    # the batch form reads the filings once
    problems = queries.filing_problems([unfiled, draft, fine, off_list], TODAY)
    assert {pk: code for pk, (code, _m) in problems.items()} == {
        unfiled.pk: "PRODUCT_NOT_FILED", draft.pk: "PRODUCT_NOT_FILED", off_list.pk: "NOT_ON_POSITIVE_LIST"}


def test_filing_problems_reads_once(admin_user, django_assert_max_num_queries):
    products = [approved_filing(admin_user, make_product(f"CB-{n}")).product for n in range(3)]
    queries.clear_reference_cache()
    queries.positive_list_line("33049900", TODAY)  # warm the cache
    with django_assert_max_num_queries(1):
        assert queries.filing_problems(products, TODAY) == {}


def test_tax_attributes_of_a_filing_on_a_date(admin_user):
    filing = approved_filing(admin_user, consumption_tax_rule="cosmetics_high_end", net_content="50",
                             content_unit="ml")
    assert queries.vat_rate_of(filing, TODAY) == Decimal("0.13")
    assert queries.vat_rate_of(filing, datetime.date(2018, 6, 1)) == Decimal("0.16")
    assert queries.postal_rate_of(filing, TODAY) == Decimal("0.20")
    # 500 for 50 ml is 10 per ml: high-end, 15 %; 499 is not
    assert queries.consumption_rate_of(filing, TODAY, Decimal("500")) == Decimal("0.15")
    assert queries.consumption_rate_of(filing, TODAY, Decimal("499")) == 0
    assert queries.consumption_rate_of(filing, datetime.date(2016, 9, 30), Decimal("500")) == Decimal("0.30")


def test_list_filings_filters_by_state_hs_code_and_positive_list(admin_user):
    on_list = approved_filing(admin_user, make_product("CB-1"))
    off_list = save_filing(user=admin_user, product=make_product("CB-2", hs_code="8517130000"), data={})
    assert list(queries.list_filings(state="approved")) == [on_list]
    assert list(queries.list_filings(hs_code="8517")) == [off_list]
    assert list(queries.list_filings(positive="yes", on_date=TODAY)) == [on_list]
    assert list(queries.list_filings(positive="no", on_date=TODAY)) == [off_list]


# --- import ---------------------------------------------------------------------------------------------

def test_filings_are_imported_from_a_sheet_all_or_nothing(admin_user):
    make_product("CB-1")
    make_product("CB-2")
    good = "商品编码,申报品名,原产国,行邮税档次\nCB-1,面霜,日本,3\nCB-2,精华,KR,2\n".replace("日本", "JP")
    result = import_filings(user=admin_user, content=good.encode(), filename="filings.csv")
    assert (result.created, result.committed) == (2, True)
    assert ProductFiling.objects.get(product__code="CB-2").origin_country == "133"
    bad = "商品编码,申报品名,原产国\nCB-1,面霜新,116\nCB-9,x,116\nCB-2,精华,ZZ\n"
    with pytest.raises(DomainError) as error:
        import_filings(user=admin_user, content=bad.encode("gbk"), filename="filings.csv")
    assert [(detail.row, detail.field, detail.code) for detail in error.value.details] == [
        (3, "商品编码", "NOT_FOUND"), (4, "原产国", "UNKNOWN_REFERENCE_CODE")]
    assert ProductFiling.objects.get(product__code="CB-1").gname == "面霜"


# --- channel profiles -----------------------------------------------------------------------------------

def test_a_channel_profile_is_saved_for_a_cross_border_store(admin_user):
    store, parties = cross_border_setup()
    channel = save_channel(user=admin_user, store=store, data=channel_data(parties))
    assert (channel.trade_mode, channel.regime, channel.guarantor) == ("9610", "comprehensive",
                                                                      parties["ecommerce_company"])
    assert queries.get_channel(store) == channel
    assert AuditLog.objects.filter(model="customs.customschannel").count() == 1


def test_channel_profile_errors_name_the_field_and_partner(admin_user):
    store, parties = cross_border_setup()
    parties["logistics"].customs_code = ""
    parties["logistics"].save()
    with pytest.raises(DomainError) as error:
        save_channel(user=admin_user, store=store, data=channel_data(
            parties, agent=parties["payment"], guarantor=parties["agent"], customs_code="99", wrap_type="Q"))
    codes = {(detail.field, detail.code) for detail in error.value.details}
    assert codes == {("agent", "PARTNER_ROLE_MISMATCH"), ("logistics", "PARTNER_CODE_MISSING"),
                     ("guarantor", "GUARANTOR_NOT_A_PARTY"), ("customs_code", "INVALID_DISTRICT"),
                     ("wrap_type", "UNKNOWN_REFERENCE_CODE")}
    missing = next(detail for detail in error.value.details if detail.code == "PARTNER_CODE_MISSING")
    assert "物流有限公司" in missing.message
    assert not CustomsChannel.objects.exists()


def test_a_bonded_channel_needs_the_account_book_and_zone_enterprise(admin_user):
    store, parties = cross_border_setup("cbec_1210")
    with pytest.raises(DomainError) as error:
        save_channel(user=admin_user, store=store, data=channel_data(parties, regime="postal"))
    assert {(detail.field, detail.code) for detail in error.value.details} == {
        ("ems_no", "BONDED_FIELDS_MISSING"), ("area", "BONDED_FIELDS_MISSING"), ("regime", "INVALID_VALUE")}
    channel = save_channel(user=admin_user, store=store, data=channel_data(
        parties, ems_no="T4612W000001", area=parties["logistics"], departure_country="142"))
    assert channel.trade_mode == "1210" and channel.is_bonded


def test_a_domestic_store_has_no_channel(admin_user):
    store, parties = cross_border_setup()
    Store.objects.filter(pk=store.pk).update(type="domestic")
    with pytest.raises(DomainError) as error:
        save_channel(user=admin_user, store=Store.objects.get(pk=store.pk), data=channel_data(parties))
    assert _codes(error)["store"] == "STORE_NOT_CROSS_BORDER"


def test_customs_code_of_prefers_the_registration_code(admin_user):
    both = make_partner("甲", customs_code="3301960009", credit="91330106MA2H0TEST1", is_ecommerce=True)
    credit_only = make_partner("乙", customs_code="", credit="91330106MA2H0TEST2", is_ecommerce=True)
    assert queries.customs_code_of(both) == "3301960009"
    assert queries.customs_code_of(credit_only) == "91330106MA2H0TEST2"
    with pytest.raises(DomainError) as error:
        queries.customs_code_of(make_partner("丙", customs_code="", is_ecommerce=True), field="ebc")
    assert error.value.code == "PARTNER_CODE_MISSING" and "丙有限公司" in str(error.value)


# --- settings -------------------------------------------------------------------------------------------

def test_customs_settings_are_checked_and_stored(admin_user):
    with pytest.raises(DomainError) as error:
        save_customs_settings(user=admin_user, cop_code="123", cop_name="", dxp_id="")
    assert {detail.field for detail in error.value.details} == {"cop_code", "cop_name", "dxp_id"}
    saved = save_customs_settings(user=admin_user, cop_code="3301960001", cop_name="云禾电商", dxp_id="DXPENT01")
    assert saved == queries.CustomsSettings("3301960001", "云禾电商", "DXPENT01")
    assert queries.get_customs_settings().dxp_id == "DXPENT01"
