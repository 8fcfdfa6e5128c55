"""Pages of filings, channel profiles, reference data and settings: work through them, refused without rights."""

import pytest
from django.test import Client

from ecerp.customs.models import CustomsChannel, ProductFiling
from ecerp.customs.queries import get_customs_settings
from tests.customs.test_filings import channel_data, cross_border_setup, make_product

pytestmark = pytest.mark.django_db


def _client(make_user, role):
    make_user(f"page-{role}", role=role)
    client = Client()
    assert client.login(username=f"page-{role}", password="Secret-pass-123")
    return client


def test_a_filing_is_created_submitted_rejected_and_approved_on_its_pages(make_user):
    product = make_product("CB-1")
    customs = _client(make_user, "customs")
    # the list offers the unfiled product; the form starts from its master data
    listed = customs.get("/customs/filings/").content.decode()
    assert "CB-1" in listed and "新建商品备案" in listed
    form = customs.get(f"/customs/filings/new/?product={product.pk}").content.decode()
    assert 'value="3304990099"' in form
    # a bad HS code is refused with its message
    data = {"product": product.pk, "hs_code": "123", "gname": "面霜", "gmodel": "品牌：资生堂", "unit": "142",
            "unit1": "035", "qty1_per_unit": "0.05", "origin_country": "116", "vat_kind": "standard",
            "tariff_rate": "0", "consumption_tax_rule": "none", "consumption_tax_rate": "0", "postal_tier": "2"}
    refused = customs.post("/customs/filings/new/", data).content.decode()
    assert "应为 10 位数字" in refused and not ProductFiling.objects.exists()
    created = customs.post("/customs/filings/new/", {**data, "hs_code": "3304990099"})
    filing = ProductFiling.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/customs/filings/{filing.pk}/"
    customs.post(f"/customs/filings/{filing.pk}/submit/")
    page = customs.get(f"/customs/filings/{filing.pk}/").content.decode()
    assert "已提交" in page and "审核通过" in page and "驳回" in page
    customs.post(f"/customs/filings/{filing.pk}/reject/", {"reason": "缺少成分"})
    assert "缺少成分" in customs.get(f"/customs/filings/{filing.pk}/").content.decode()
    customs.post(f"/customs/filings/{filing.pk}/", {**data, "hs_code": "3304990099", "gmodel": "成分：水"})
    customs.post(f"/customs/filings/{filing.pk}/submit/")
    done = customs.post(f"/customs/filings/{filing.pk}/approve/", {"filing_no": "BA1"}, follow=True)
    assert "已备案" in done.content.decode() and "33049900" in done.content.decode()
    # the list filters by state and positive-list status
    assert "CB-1" in customs.get("/customs/filings/?state=approved&positive=yes").content.decode()
    assert "没有符合条件的商品备案" in customs.get("/customs/filings/?positive=no").content.decode()


def test_filings_are_imported_on_the_list_page(make_user):
    make_product("CB-1")
    customs = _client(make_user, "customs")
    sheet = "商品编码,申报品名\nCB-1,面霜\n".encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    answer = customs.post("/customs/filings/import/", {"file": SimpleUploadedFile("f.csv", sheet)}, follow=True)
    assert "新建 1 条" in answer.content.decode() and ProductFiling.objects.count() == 1


def test_channel_profile_and_settings_pages(make_user):
    store, parties = cross_border_setup()
    customs = _client(make_user, "customs")
    assert "未设置关务通道" in customs.get("/customs/channels/").content.decode()
    assert customs.get(f"/customs/channels/{store.pk}/").status_code == 200
    post = {name: (value.pk if hasattr(value, "pk") else value) for name, value in channel_data(parties).items()}
    post.update(trade_mode="9610", regime="comprehensive", guarantor=parties["agent"].pk)
    refused = customs.post(f"/customs/channels/{store.pk}/", post).content.decode()
    assert "须是本通道的电商平台、电商企业或物流企业之一" in refused and not CustomsChannel.objects.exists()
    post["guarantor"] = parties["ecommerce_company"].pk
    assert customs.post(f"/customs/channels/{store.pk}/", post).status_code == 302
    assert CustomsChannel.objects.get().guarantor == parties["ecommerce_company"]
    customs.post("/customs/settings/", {"cop_code": "3301960001", "cop_name": "云禾", "dxp_id": "DXPENT1"})
    assert get_customs_settings().cop_code == "3301960001"
    assert "DXPENT1" in customs.get("/customs/settings/").content.decode()
    reference = customs.get("/customs/reference/?kind=country").content.decode()
    assert "日本" in reference and "未核实" in reference and "13/20/50" not in reference


def test_pages_refuse_roles_without_the_permission(make_user):
    warehouse = _client(make_user, "warehouse")
    for path in ("/customs/filings/", "/customs/channels/", "/customs/reference/", "/customs/settings/"):
        assert warehouse.get(path).status_code == 403
    # management reads but does not change
    product = make_product("CB-1")
    management = _client(make_user, "management")
    assert management.get("/customs/filings/").status_code == 200
    assert management.get(f"/customs/filings/new/?product={product.pk}").status_code == 403
    assert management.post("/customs/settings/", {"cop_code": "3301960001"}).status_code == 302
    assert get_customs_settings().cop_code == ""
    # the home page links the customs module for the customs role
    assert 'href="/customs/"' in _client(make_user, "customs").get("/").content.decode()
