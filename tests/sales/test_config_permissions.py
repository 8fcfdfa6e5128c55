"""Order-review configuration (review rules, blacklist, allocation rules, store sales settings) has its own
permissions: admin and the operations supervisor manage it, order clerks and the other sales readers view
it, purchasing and customs do not see it. Through the API, the rules page and the admin screens, whose
writes go through the sales services (audited)."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from ecerp.core.models import AuditLog
from ecerp.core.permissions import ROLES
from ecerp.sales.models import AllocationRule, Blacklist, OrderHold, ReviewRule, StoreSalesSetting
from ecerp.sales.services import add_to_blacklist, save_review_rule
from tests.masterdata.test_admin import errors_of, form_data
from tests.sales.orderflow import order, shop, sku, stock, warehouse

pytestmark = pytest.mark.django_db

MODELS = ["reviewrule", "blacklist", "allocationrule", "storesalessetting"]
MANAGERS = {"admin", "ops_supervisor"}
VIEWERS = {"operations", "warehouse", "finance", "management"}


@pytest.fixture
def setup():
    wh = warehouse("WH1")
    item = sku("SKU-A")
    store = shop(warehouse=wh)
    stock(item, wh, 5)
    return {"wh": wh, "item": item, "store": store}


def signed_in(make_user, role, username=None):
    user = make_user(username or f"cfg-{role}", role=role)
    client = Client()
    client.force_login(user)
    return client


def put(client, path, body):
    return client.client.put(path, data=json.dumps(body), content_type="application/json")


def post(client, path, body):
    return client.client.post(path, data=json.dumps(body), content_type="application/json")


# --- the role table ----------------------------------------------------------------------------------

def test_roles_hold_exactly_the_configuration_permissions_they_should():
    for role, spec in ROLES.items():
        held = {perm for perm in spec["perms"] if perm.split(".")[1].split("_", 1)[1] in MODELS
                and perm.startswith("sales.")}
        if role in MANAGERS:
            expected = {f"sales.{action}_{model}" for model in MODELS for action in ("view", "add", "change",
                                                                                     "delete")}
        elif role in VIEWERS:
            expected = {f"sales.view_{model}" for model in MODELS}
        else:
            expected = set()
        assert held == expected, role


def test_the_supervisor_does_what_a_clerk_does():
    # the supervisor is an order clerk who also keeps the configuration
    assert set(ROLES["operations"]["perms"]) <= set(ROLES["ops_supervisor"]["perms"])
    assert "sales.change_salesorder" in ROLES["ops_supervisor"]["perms"]


# --- API ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", sorted(ROLES))
def test_api_review_rules_per_role(api_as, setup, role):
    client = api_as(role)
    rule = save_review_rule(user=None, name="备注", kind="remark_present")
    # reading
    listed = client.get("/api/sales/review-rules")
    assert (listed.status_code == 200) == (role in MANAGERS | VIEWERS)
    # creating, changing, deleting
    created = post(client, "/api/sales/review-rules", {"name": "大额", "kind": "amount_above",
                                                       "parameters": {"threshold": "500"}})
    changed = put(client, f"/api/sales/review-rules/{rule.pk}", {"name": "备注2", "kind": "remark_present"})
    deleted = client.client.delete(f"/api/sales/review-rules/{rule.pk}")
    if role in MANAGERS:
        assert (created.status_code, changed.status_code, deleted.status_code) == (201, 200, 204)
        assert list(ReviewRule.objects.values_list("name", flat=True)) == ["大额"]
    else:
        assert (created.status_code, changed.status_code, deleted.status_code) == (403, 403, 403)
        assert list(ReviewRule.objects.values_list("name", flat=True)) == ["备注"]


@pytest.mark.parametrize("role", ["ops_supervisor", "operations", "purchasing"])
def test_api_blacklist_per_role(api_as, role):
    client = api_as(role)
    response = post(client, "/api/sales/blacklist", {"kind": "phone", "value": "13900000009", "reason": "恶意退款"})
    if role == "ops_supervisor":
        assert response.status_code == 201 and response.json()["shown"] == "139****0009"
        entry_id = response.json()["id"]
        assert client.get("/api/sales/blacklist").json()[0]["shown"] == "139****0009"
        assert client.client.delete(f"/api/sales/blacklist/{entry_id}").status_code == 204
        assert not Blacklist.objects.exists()
        assert client.client.delete(f"/api/sales/blacklist/{entry_id}").status_code == 404
        bad = post(client, "/api/sales/blacklist", {"kind": "email", "value": "x"})
        assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "INVALID_BLACKLIST"
        return
    assert response.status_code == 403 and not Blacklist.objects.exists()
    entry = add_to_blacklist(user=None, kind="nick", value="坏买家")
    assert client.client.delete(f"/api/sales/blacklist/{entry.pk}").status_code == 403
    assert client.get("/api/sales/blacklist").status_code == (200 if role == "operations" else 403)


def test_api_store_allocation_needs_allocation_and_settings_permissions(api_as, setup, make_user):
    second = warehouse("WH2")
    clerk, lead = api_as("operations"), api_as("ops_supervisor")
    body = {"warehouses": ["WH2", "WH1"], "payment_terms": "cod"}
    # the clerk reads the store's settings but may not change them
    assert clerk.get("/api/sales/stores/TM01/allocation").json() == {"store": "TM01", "warehouses": [],
                                                                     "payment_terms": "prepaid"}
    assert put(clerk, "/api/sales/stores/TM01/allocation", body).status_code == 403
    # the supervisor may
    response = put(lead, "/api/sales/stores/TM01/allocation", body)
    assert response.status_code == 200 and response.json()["warehouses"] == ["WH2", "WH1"]
    assert list(AllocationRule.objects.order_by("priority").values_list("warehouse", flat=True)) == [
        second.pk, setup["wh"].pk]
    # a user who may change allocation rules but not store settings may not change the terms
    only_rules = api_as(None, username="rules-only")
    only_rules.user.user_permissions.add(Permission.objects.get(codename="change_allocationrule"))
    denied = put(only_rules, "/api/sales/stores/TM01/allocation", {"warehouses": ["WH1"], "payment_terms": "cod"})
    assert denied.status_code == 403
    assert put(only_rules, "/api/sales/stores/TM01/allocation", {"warehouses": ["WH1"]}).status_code == 200
    assert StoreSalesSetting.objects.get().payment_terms == "cod"


# --- the rules page ----------------------------------------------------------------------------------

def test_clerk_sees_the_rules_page_without_forms_and_cannot_post(make_user, setup):
    save_review_rule(user=None, name="备注", kind="remark_present")
    add_to_blacklist(user=None, kind="nick", value="坏买家")
    client = signed_in(make_user, "operations")
    page = client.get("/sales/review-rules/").content.decode()
    assert "备注" in page and "坏买家" in page
    assert 'value="unblacklist"' not in page and 'value="blacklist"' not in page and 'name="warehouses"' not in page
    assert '{% translate' not in page
    for data in ({"action": "save", "name": "x", "kind": "remark_present"},
                 {"action": "blacklist", "kind": "nick", "value": "x"},
                 {"action": "unblacklist", "entry": Blacklist.objects.get().pk},
                 {"action": "store", "store": setup["store"].pk, "warehouses": "WH1"}):
        assert client.post("/sales/review-rules/", data).status_code == 403, data
    assert ReviewRule.objects.count() == 1 and Blacklist.objects.count() == 1 and not AllocationRule.objects.exists()
    # previewing writes nothing and stays allowed
    order(buyer_remark="送礼")
    assert "送礼" in client.post("/sales/review-rules/", {"action": "preview"}).content.decode()


def test_supervisor_changes_everything_on_the_rules_page(make_user, setup):
    client = signed_in(make_user, "ops_supervisor")
    page = client.get("/sales/review-rules/").content.decode()
    assert 'value="blacklist"' in page and 'name="warehouses"' in page
    client.post("/sales/review-rules/", {"action": "save", "name": "备注", "kind": "remark_present",
                                         "rule_action": "hold", "priority": "10", "active": "1"})
    client.post("/sales/review-rules/", {"action": "blacklist", "kind": "nick", "value": "坏买家"})
    client.post("/sales/review-rules/", {"action": "unblacklist", "entry": Blacklist.objects.get().pk})
    client.post("/sales/review-rules/", {"action": "store", "store": setup["store"].pk, "warehouses": "WH1",
                                         "payment_terms": "cod"})
    assert ReviewRule.objects.get().name == "备注" and not Blacklist.objects.exists()
    assert AllocationRule.objects.count() == 1 and StoreSalesSetting.objects.get().payment_terms == "cod"


@pytest.mark.parametrize("role", ["purchasing", "customs"])
def test_roles_without_sales_do_not_see_the_rules_page(make_user, role):
    assert signed_in(make_user, role).get("/sales/review-rules/").status_code == 403


# --- admin screens -----------------------------------------------------------------------------------

def _admin_add(client, model, **values):
    url = f"/admin/sales/{model}/add/"
    return client.post(url, form_data(client.get(url), **values))


def test_admin_lists_adds_and_changes_each_configuration_record(make_user, setup):
    client = signed_in(make_user, "admin")
    # review rule
    response = _admin_add(client, "reviewrule", name="大额", kind="amount_above", parameters='{"threshold": "500"}',
                          action="hold", priority="20", active="on")
    assert response.status_code == 302, errors_of(response)
    rule = ReviewRule.objects.get()
    assert rule.parameters == {"threshold": "500"}
    url = f"/admin/sales/reviewrule/{rule.pk}/change/"
    assert client.post(url, form_data(client.get(url), priority="5")).status_code == 302
    rule.refresh_from_db()
    assert rule.priority == 5
    # blacklist: the phone is typed once, kept hashed and masked
    response = _admin_add(client, "blacklist", kind="phone", value="13900000009", reason="恶意退款")
    assert response.status_code == 302, errors_of(response)
    entry = Blacklist.objects.get()
    assert entry.shown == "139****0009" and "13900000009" not in entry.value_hash
    url = f"/admin/sales/blacklist/{entry.pk}/change/"
    assert client.post(url, form_data(client.get(url), reason="多次拒收")).status_code == 302
    entry.refresh_from_db()
    assert entry.reason == "多次拒收"
    # allocation rule
    response = _admin_add(client, "allocationrule", store=str(setup["store"].pk), warehouse=str(setup["wh"].pk),
                          priority="1")
    assert response.status_code == 302, errors_of(response)
    allocation = AllocationRule.objects.get()
    url = f"/admin/sales/allocationrule/{allocation.pk}/change/"
    assert client.post(url, form_data(client.get(url), priority="3")).status_code == 302
    allocation.refresh_from_db()
    assert allocation.priority == 3
    # store sales setting
    response = _admin_add(client, "storesalessetting", store=str(setup["store"].pk), payment_terms="cod")
    assert response.status_code == 302, errors_of(response)
    setting = StoreSalesSetting.objects.get()
    url = f"/admin/sales/storesalessetting/{setting.pk}/change/"
    assert client.post(url, form_data(client.get(url), payment_terms="credit")).status_code == 302
    setting.refresh_from_db()
    assert setting.payment_terms == "credit"
    # every list shows its record, and every write was audited
    for model in MODELS:
        assert client.get(f"/admin/sales/{model}/").context["cl"].result_count == 1, model
        assert AuditLog.objects.filter(model=f"sales.{model}").exists(), model


def test_admin_errors_land_on_fields_and_nothing_is_written(make_user, setup):
    client = signed_in(make_user, "admin")
    response = _admin_add(client, "reviewrule", name="大额", kind="amount_above", parameters='{"threshold": "x"}',
                          action="hold", priority="20", active="on")
    assert response.status_code == 200 and "不是有效的数字" in errors_of(response) and not ReviewRule.objects.exists()
    response = _admin_add(client, "blacklist", kind="nick", value="", reason="")
    assert response.status_code == 200 and "黑名单" in errors_of(response) and not Blacklist.objects.exists()
    _admin_add(client, "allocationrule", store=str(setup["store"].pk), warehouse=str(setup["wh"].pk), priority="1")
    response = _admin_add(client, "allocationrule", store=str(setup["store"].pk), warehouse=str(setup["wh"].pk),
                          priority="2")
    assert response.status_code == 200 and "分仓规则" in errors_of(response)
    assert AllocationRule.objects.count() == 1
    _admin_add(client, "storesalessetting", store=str(setup["store"].pk), payment_terms="cod")
    response = _admin_add(client, "storesalessetting", store=str(setup["store"].pk), payment_terms="credit")
    assert response.status_code == 200 and "已有销售设置" in errors_of(response)
    assert StoreSalesSetting.objects.get().payment_terms == "cod"


def test_admin_deletes_through_the_services(make_user, setup):
    client = signed_in(make_user, "admin")
    rule = save_review_rule(user=None, name="备注", kind="remark_present")
    held = order(buyer_remark="送礼")
    from ecerp.sales.services import review_orders
    review_orders(user=None, orders=[held])
    response = client.post(f"/admin/sales/reviewrule/{rule.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not ReviewRule.objects.exists()
    # the hold keeps its reason
    assert OrderHold.objects.get(order=held).rule is None
    entry = add_to_blacklist(user=None, kind="nick", value="坏买家")
    client.post("/admin/sales/blacklist/", {"action": "delete_selected", "_selected_action": [entry.pk],
                                             "post": "yes"})
    assert not Blacklist.objects.exists()
    assert set(AuditLog.objects.filter(action="delete").values_list("model", flat=True)) == {
        "sales.reviewrule", "sales.blacklist"}


@pytest.mark.parametrize("role", ["operations", "ops_supervisor", "purchasing"])
def test_admin_screens_follow_the_permissions(make_user, setup, role):
    client = signed_in(make_user, role)
    rule = save_review_rule(user=None, name="备注", kind="remark_present")
    listed = client.get("/admin/sales/reviewrule/").status_code
    added = client.get("/admin/sales/reviewrule/add/").status_code
    changed = client.post(f"/admin/sales/reviewrule/{rule.pk}/change/", {"name": "新", "kind": "remark_present",
                                                                          "action": "hold", "priority": "1",
                                                                          "parameters": "{}"}).status_code
    if role == "ops_supervisor":
        assert (listed, added, changed) == (200, 200, 302)
    elif role == "operations":
        # the clerk looks at the rules, read-only
        assert (listed, added) == (200, 403) and changed == 403
        assert "新" != ReviewRule.objects.get().name
    else:
        assert (listed, added, changed) == (403, 403, 403)
