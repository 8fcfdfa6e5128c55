"""Admin screens of master data: pages render, saves go through the services, errors land on fields,
nothing is half-written, personal data is masked, permissions and data scopes hold."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.db.models import Model
from django.forms import MultiWidget
from django.test import Client

from ecerp.core import services as core_services
from ecerp.core.models import ApiToken, AuditLog, CodingRule, StateHistory
from ecerp.masterdata import services
from ecerp.masterdata.models import (
    BundleComponent,
    Category,
    Department,
    Employee,
    Location,
    Partner,
    PartnerContact,
    Product,
    Store,
    UserScope,
    Warehouse,
)
from tests.core.factories import (
    VALID_CREDIT_CODE,
    VALID_ID_NUMBER,
    make_cross_border_product,
    make_department,
    make_employee,
    make_partner,
    make_product,
    make_store,
    make_warehouse,
)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _as_post(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_as_post(item) for item in value]
    return str(value)


def _form_values(form, into: dict) -> None:
    for name, field in form.fields.items():
        raw = form[name].value()
        if isinstance(field.widget, MultiWidget):  # date + time of a date-time field
            raw = raw if isinstance(raw, list) else field.widget.decompress(raw)
            for index, part in enumerate(raw):
                into[f"{form.add_prefix(name)}_{index}"] = _as_post(part) or ""
            continue
        value = _as_post(raw)
        if value is not None:
            into[form.add_prefix(name)] = value


def form_data(response, **changes) -> dict:
    """The POST a user would send from this admin form page without touching anything, plus changes."""
    data: dict = {}
    _form_values(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _form_values(formset.management_form, data)
        for form in formset.forms:
            _form_values(form, data)
    data.update({key: value for key, value in changes.items() if value is not None})
    for key in [key for key, value in changes.items() if value is None]:
        data.pop(key, None)
    return data


def errors_of(response) -> str:
    return " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S))


@pytest.fixture
def sample(admin_user):
    """One record of every master-data type, made through the services."""
    department = make_department(admin_user)
    employee = make_employee(admin_user, department=department, id_number=VALID_ID_NUMBER, phone="13812345678")
    supplier = make_partner(admin_user, social_credit_code=VALID_CREDIT_CODE)
    company = make_partner(admin_user, name="跨境电商公司", roles=("ecommerce",))
    services.save_partner_contact(user=admin_user, data={"partner": supplier, "name": "李四", "phone": "13900001111"})
    category = services.save_category(user=admin_user, data={"name": "美妆"})
    product = make_product(admin_user, category=category)
    component = make_product(admin_user, name="化妆棉")
    bundle = make_product(admin_user, name="套装")
    services.set_bundle_components(user=admin_user, bundle=bundle, components=[(product, 1), (component, 2)])
    warehouse = make_warehouse(admin_user)
    location = services.save_location(user=admin_user, data={"warehouse": warehouse, "code": "A-01"})
    store = make_store(admin_user, default_warehouse=warehouse)
    cross_border = make_store(admin_user, name="天猫国际店", platform="tmall_global", shop_id="g1",
                              type="cbec_1210", ecommerce_company=company)
    return dict(department=department, employee=employee, partner=supplier, category=category, product=product,
                bundle=bundle, warehouse=warehouse, location=location, store=store, cross_border=cross_border)


ADMIN_PAGES = ["department", "employee", "partner", "category", "product", "bundle", "warehouse", "location",
               "store"]


@pytest.mark.django_db
@pytest.mark.parametrize("key", ADMIN_PAGES)
def test_every_master_data_admin_page_renders(admin_user, sample, key):
    obj = sample[key]
    base = f"/admin/masterdata/{obj._meta.model_name}/"
    client = signed_in(admin_user)
    for url in (base, f"{base}add/", f"{base}{obj.pk}/change/", f"{base}{obj.pk}/history/"):
        response = client.get(url)
        assert response.status_code == 200, url
    # the list finds the record by its code
    assert obj.code in client.get(f"{base}?q={obj.code}").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/", "/admin/core/codingrule/", "/admin/core/auditlog/",
                                 "/admin/core/statehistory/", "/admin/core/apitoken/", "/admin/core/apitoken/add/",
                                 "/admin/auth/user/", "/admin/masterdata/partner/?role=supplier",
                                 "/admin/masterdata/partner/?customs_validity=expired",
                                 "/admin/masterdata/product/?category=01&is_cross_border__exact=1",
                                 "/admin/masterdata/category/?parent=top"])
def test_system_pages_and_filters_render(admin_user, sample, url):
    assert signed_in(admin_user).get(url).status_code == 200


@pytest.mark.django_db
def test_admin_index_is_grouped_by_business_area(admin_user):
    page = signed_in(admin_user).get("/admin/").content.decode()
    for group in ("组织与人员", "业务单位", "商品", "仓库与店铺", "系统设置", "日志"):
        assert group in page
    assert 'href="/system-mode/"' in page


@pytest.mark.django_db
def test_product_search_by_barcode_and_filter_by_category_tree(admin_user):
    parent = services.save_category(user=admin_user, data={"name": "美妆"})
    child = services.save_category(user=admin_user, data={"name": "精华", "parent": parent})
    inside = make_product(admin_user, name="精华液", category=child, barcode="4901234567894")
    outside = make_product(admin_user, name="零食")
    client = signed_in(admin_user)
    listed = client.get("/admin/masterdata/product/?q=4901234567894").context["cl"].result_list
    assert list(listed) == [inside]
    listed = client.get(f"/admin/masterdata/product/?category={parent.code}").context["cl"].result_list
    assert inside in listed and outside not in listed


# --- editing through the services ------------------------------------------------------------------

@pytest.mark.django_db
def test_editing_a_product_writes_audit_and_the_history_shows_it(admin_user):
    product = make_product(admin_user, sale_price=Decimal("20"))
    client = signed_in(admin_user)
    url = f"/admin/masterdata/product/{product.pk}/change/"
    # when the sale price is changed on the edit page
    response = client.post(url, form_data(client.get(url), sale_price="25.50"))
    # then it is saved through the service, with one audit row naming the change
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.sale_price == Decimal("25.50")
    row = AuditLog.objects.filter(model="masterdata.product", object_id=str(product.pk), action="update").get()
    assert row.user == admin_user
    assert row.before == {"sale_price": "20.0000"} and row.after == {"sale_price": "25.5000"}
    # and the history page shows who changed what, before and after, in Chinese
    page = client.get(f"/admin/masterdata/product/{product.pk}/history/").content.decode()
    assert "销售价" in page and "20.0000" in page and "25.5000" in page and "admin1" in page
    assert "修改" in page and "新增" in page


@pytest.mark.django_db
def test_new_product_with_blank_code_gets_the_next_code(admin_user):
    client = signed_in(admin_user)
    data = form_data(client.get("/admin/masterdata/product/add/"), name="新品", unit="件", cost_price="1",
                     sale_price="2", hs_code="3304.9900.99")
    response = client.post("/admin/masterdata/product/add/", data)
    assert response.status_code == 302
    product = Product.objects.get(name="新品")
    assert product.code == "SKU000001" and product.hs_code == "3304990099"
    assert response["Location"] == "/admin/masterdata/product/"


@pytest.mark.django_db
def test_bad_hs_code_shows_the_chinese_message_and_writes_nothing(admin_user):
    product = make_cross_border_product(admin_user)
    client = signed_in(admin_user)
    url = f"/admin/masterdata/product/{product.pk}/change/"
    before = AuditLog.objects.count()
    # when the HS code "123" and a new name are posted
    response = client.post(url, form_data(client.get(url), hs_code="123", name="改名"))
    # then the form comes back with the message next to the HS code field
    assert response.status_code == 200
    assert "HS编码「123」应为 10 位数字" in errors_of(response)
    assert "123" in response.context["adminform"].form.errors["hs_code"][0]
    # and nothing was written: neither the name nor an audit row
    product.refresh_from_db()
    assert (product.hs_code, product.name) == ("3304990099", "进口面霜")
    assert AuditLog.objects.count() == before


@pytest.mark.django_db
def test_every_problem_of_a_product_is_shown_at_once(admin_user):
    client = signed_in(admin_user)
    data = form_data(client.get("/admin/masterdata/product/add/"), name="跨境品", unit="件", cost_price="1",
                     sale_price="2", is_cross_border="on", origin_country="火星", barcode="4901234567890")
    response = client.post("/admin/masterdata/product/add/", data)
    errors = response.context["adminform"].form.errors
    assert set(errors) >= {"origin_country", "barcode"}
    assert "不是 ISO 3166 二位代码" in errors["origin_country"][0]
    assert not Product.objects.exists()


@pytest.mark.django_db
def test_invalid_social_credit_code_writes_neither_partner_nor_contact(admin_user):
    client = signed_in(admin_user)
    page = client.get("/admin/masterdata/partner/add/")
    data = form_data(page, name="坏公司", is_supplier="on", social_credit_code="91110000101623741X",
                     payment_days="0", credit_limit="0", country="CN")
    data.update({"contacts-TOTAL_FORMS": "1", "contacts-0-name": "王五", "contacts-0-phone": "13700001111"})
    response = client.post("/admin/masterdata/partner/add/", data)
    assert response.status_code == 200
    assert "统一社会信用代码「91110000101623741X」无效" in errors_of(response)
    assert not Partner.objects.exists() and not PartnerContact.objects.exists()


@pytest.mark.django_db
def test_bad_inline_contact_rolls_back_the_partner_change(admin_user):
    partner = make_partner(admin_user)
    client = signed_in(admin_user)
    url = f"/admin/masterdata/partner/{partner.pk}/change/"
    data = form_data(client.get(url), name="新名称")
    data.update({"contacts-TOTAL_FORMS": "1", "contacts-0-name": "王五", "contacts-0-phone": "12345"})
    # when the contact's phone is bad
    response = client.post(url, data)
    # then the message sits on the contact row and the partner keeps its old name
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert "电话号码「12345」格式不正确" in formset.forms[0].errors["phone"][0]
    partner.refresh_from_db()
    assert partner.name == "上海某某贸易有限公司"
    assert not PartnerContact.objects.exists()


@pytest.mark.django_db
def test_partner_with_contacts_and_bank_account_through_the_form(admin_user):
    client = signed_in(admin_user)
    data = form_data(client.get("/admin/masterdata/partner/add/"), name="顺丰速运", is_logistics="on",
                     payment_days="30", credit_limit="0", country="CN", customs_code="4403180abc",
                     customs_code_valid_from="2026-01-01", customs_code_valid_until="2027-12-31")
    data.update({"contacts-TOTAL_FORMS": "1", "contacts-0-name": "王五", "contacts-0-phone": "13700001111",
                 "contacts-0-is_primary": "on",
                 "bank_accounts-TOTAL_FORMS": "1", "bank_accounts-0-bank_name": "招商银行",
                 "bank_accounts-0-account_name": "顺丰速运", "bank_accounts-0-account_number": "6225 8888 0000",
                 "bank_accounts-0-currency": "CNY"})
    response = client.post("/admin/masterdata/partner/add/", data)
    assert response.status_code == 302, errors_of(response)
    partner = Partner.objects.get(name="顺丰速运")
    assert partner.code == "P00001" and partner.customs_code == "4403180ABC"
    assert partner.contacts.get().phone == "13700001111"
    assert partner.bank_accounts.get().account_number == "622588880000"
    assert AuditLog.objects.filter(model="masterdata.partnercontact", action="create").count() == 1


@pytest.mark.django_db
def test_bundle_cycle_is_refused_on_the_bundle_rows(admin_user):
    # given A made of B
    a = make_product(admin_user, name="A")
    b = make_product(admin_user, name="B")
    services.set_bundle_components(user=admin_user, bundle=a, components=[(b, 1)])
    client = signed_in(admin_user)
    url = f"/admin/masterdata/product/{b.pk}/change/"
    data = form_data(client.get(url))
    data.update({"components-TOTAL_FORMS": "1", "components-0-component": str(a.pk), "components-0-quantity": "1"})
    # when B is made of A
    response = client.post(url, data)
    # then the cycle is named above the rows and nothing changes
    assert response.status_code == 200
    assert "组合商品出现循环" in str(response.context["inline_admin_formsets"][0].formset.non_form_errors())
    assert not BundleComponent.objects.filter(bundle=b).exists()


@pytest.mark.django_db
def test_bundle_components_set_through_the_form(admin_user):
    a = make_product(admin_user, name="A")
    b = make_product(admin_user, name="B")
    client = signed_in(admin_user)
    url = f"/admin/masterdata/product/{a.pk}/change/"
    data = form_data(client.get(url))
    data.update({"components-TOTAL_FORMS": "1", "components-0-component": str(b.pk), "components-0-quantity": "3"})
    assert client.post(url, data).status_code == 302
    a.refresh_from_db()
    assert a.is_bundle and list(a.components.values_list("component_id", "quantity")) == [(b.pk, 3)]


@pytest.mark.django_db
def test_moving_a_category_needs_a_new_code(admin_user):
    first = services.save_category(user=admin_user, data={"name": "美妆"})
    second = services.save_category(user=admin_user, data={"name": "食品"})
    child = services.save_category(user=admin_user, data={"name": "精华", "parent": first})
    client = signed_in(admin_user)
    url = f"/admin/masterdata/category/{child.pk}/change/"
    response = client.post(url, form_data(client.get(url), parent=str(second.pk)))
    assert "移动分类时必须同时给出新编码" in response.context["adminform"].form.errors["code"][0]
    response = client.post(url, form_data(client.get(url), parent=str(second.pk), code="0201"))
    assert response.status_code == 302
    child.refresh_from_db()
    assert (child.parent, child.code, child.level) == (second, "0201", 2)


@pytest.mark.django_db
def test_delete_goes_through_the_service_and_is_audited(admin_user):
    department = make_department(admin_user, name="临时部门")
    client = signed_in(admin_user)
    response = client.post(f"/admin/masterdata/department/{department.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Department.objects.filter(pk=department.pk).exists()
    assert AuditLog.objects.filter(model="masterdata.department", object_id=str(department.pk),
                                   action="delete").exists()


@pytest.mark.django_db
def test_deleting_a_record_in_use_is_refused(admin_user):
    category = services.save_category(user=admin_user, data={"name": "美妆"})
    make_product(admin_user, category=category)
    client = signed_in(admin_user)
    response = client.post("/admin/masterdata/category/", {"action": "delete_selected", "_selected_action":
                                                          [category.pk], "post": "yes"}, follow=True)
    assert response.status_code == 200
    assert Category.objects.filter(pk=category.pk).exists()


# --- employees: status and personal data ------------------------------------------------------------

@pytest.mark.django_db
def test_status_change_in_the_form_writes_state_history(admin_user):
    employee = make_employee(admin_user)
    client = signed_in(admin_user)
    url = f"/admin/masterdata/employee/{employee.pk}/change/"
    response = client.post(url, form_data(client.get(url), status="left", status_reason="合同到期"))
    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.status == "left"
    move = StateHistory.objects.get(model="masterdata.employee", object_id=str(employee.pk))
    assert (move.from_state, move.to_state, move.reason, move.user) == ("active", "left", "合同到期", admin_user)
    page = client.get(f"/admin/masterdata/employee/{employee.pk}/history/").content.decode()
    assert "状态变更" in page and "离职" in page and "合同到期" in page


@pytest.mark.django_db
def test_status_action_on_the_list(admin_user):
    employee = make_employee(admin_user)
    client = signed_in(admin_user)
    client.post("/admin/masterdata/employee/", {"action": "mark_on_leave", "_selected_action": [employee.pk]})
    employee.refresh_from_db()
    assert employee.status == "on_leave"


@pytest.mark.django_db
def test_id_number_masked_for_operations_and_visible_for_admin(admin_user, make_user):
    employee = make_employee(admin_user, id_number=VALID_ID_NUMBER, phone="13812345678")
    operations = signed_in(make_user("op", role="operations"))
    administrator = signed_in(admin_user)
    for url in ("/admin/masterdata/employee/", f"/admin/masterdata/employee/{employee.pk}/change/"):
        masked = operations.get(url).content.decode()
        assert VALID_ID_NUMBER not in masked and "13812345678" not in masked
        assert "110101********1233" in masked and "138****5678" in masked
        plain = administrator.get(url).content.decode()
        assert VALID_ID_NUMBER in plain and "13812345678" in plain


@pytest.mark.django_db
def test_masked_form_does_not_overwrite_the_stored_value(admin_user, make_user):
    # given an HR clerk who may edit employees but not see personal data
    employee = make_employee(admin_user, id_number=VALID_ID_NUMBER, phone="13812345678")
    clerk = make_user("hr")
    clerk.user_permissions.set(Permission.objects.filter(
        content_type__app_label="masterdata", codename__in=["view_employee", "change_employee"]))
    client = signed_in(User.objects.get(pk=clerk.pk))
    url = f"/admin/masterdata/employee/{employee.pk}/change/"
    page = client.get(url)
    assert page.context["adminform"].form["id_number"].value() == "110101********1233"
    # when the clerk saves the form with the masks untouched and a new position
    response = client.post(url, form_data(page, position="主管"))
    # then the position changes and the stored ID number and phone stay
    assert response.status_code == 302
    employee.refresh_from_db()
    assert (employee.position, employee.id_number, employee.phone) == ("主管", VALID_ID_NUMBER, "13812345678")
    # and a new number typed in is checked and stored
    response = client.post(url, form_data(client.get(url), phone="13900002222"))
    employee.refresh_from_db()
    assert response.status_code == 302 and employee.phone == "13900002222"


# --- permissions and data scope ----------------------------------------------------------------------

@pytest.mark.django_db
def test_role_without_the_permission_gets_403(make_user, sample):
    warehouse_clerk = signed_in(make_user("wh", role="warehouse"))
    assert warehouse_clerk.get("/admin/masterdata/employee/").status_code == 403
    assert warehouse_clerk.get("/admin/masterdata/product/add/").status_code == 403
    assert warehouse_clerk.get("/admin/masterdata/product/").status_code == 200
    operations = signed_in(make_user("op", role="operations"))
    assert operations.get("/admin/masterdata/partner/add/").status_code == 403
    assert operations.get(f"/admin/masterdata/partner/{sample['partner'].pk}/delete/").status_code == 403
    assert operations.get("/admin/core/auditlog/").status_code == 403
    assert operations.get("/admin/core/codingrule/").status_code == 403
    # a view-only role sees the record but cannot post changes
    url = f"/admin/masterdata/partner/{sample['partner'].pk}/change/"
    assert operations.get(url).status_code == 200
    assert operations.post(url, {"name": "x"}).status_code == 403


@pytest.mark.django_db
def test_stores_and_warehouses_are_limited_to_the_user_scope(admin_user, make_user, sample):
    # given a user whose scope holds one store and no warehouse
    other_warehouse = make_warehouse(admin_user, name="北京仓")
    user = make_user("scoped", role="operations")
    services.set_user_scope(user=admin_user, target_user=user, all_stores=False, all_warehouses=False,
                            stores=[sample["store"]], warehouses=[sample["warehouse"]])
    client = signed_in(user)
    # then the store list holds only that store
    listed = list(client.get("/admin/masterdata/store/").context["cl"].result_list)
    assert listed == [sample["store"]]
    # and the other store cannot be opened
    response = client.get(f"/admin/masterdata/store/{sample['cross_border'].pk}/change/")
    assert response.status_code == 302
    # and warehouses and locations follow the warehouse scope
    assert list(client.get("/admin/masterdata/warehouse/").context["cl"].result_list) == [sample["warehouse"]]
    assert client.get(f"/admin/masterdata/warehouse/{other_warehouse.pk}/change/").status_code == 302
    # and the default-warehouse choices of the store form are scoped too
    form = client.get(f"/admin/masterdata/store/{sample['store'].pk}/change/").context["adminform"].form
    assert list(form.fields["default_warehouse"].queryset) == [sample["warehouse"]]


@pytest.mark.django_db
def test_user_scope_is_set_on_the_user_page(admin_user, make_user, sample):
    target = make_user("bob", role="operations")
    client = signed_in(admin_user)
    url = f"/admin/auth/user/{target.pk}/change/"
    data = form_data(client.get(url))
    data.update({"scope-TOTAL_FORMS": "1", "scope-0-stores": [str(sample["store"].pk)],
                 "scope-0-all_warehouses": "on"})
    response = client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    scope = UserScope.objects.get(user=target)
    assert list(scope.stores.all()) == [sample["store"]] and scope.all_warehouses
    assert AuditLog.objects.filter(model="masterdata.userscope").exists()


@pytest.mark.django_db
def test_administrator_cannot_grant_superuser(admin_user, make_user):
    target = make_user("carol")
    client = signed_in(admin_user)
    url = f"/admin/auth/user/{target.pk}/change/"
    page = client.get(url)
    assert "is_superuser" not in page.context["adminform"].form.fields
    client.post(url, form_data(page, is_superuser="on"))
    target.refresh_from_db()
    assert not target.is_superuser


# --- kernel screens ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_coding_rule_edited_through_the_service(admin_user):
    rule = CodingRule.objects.get(target="product")
    client = signed_in(admin_user)
    url = f"/admin/core/codingrule/{rule.pk}/change/"
    response = client.post(url, form_data(client.get(url), prefix="G", sequence_length="8"))
    assert response.status_code == 302
    assert core_services.next_code(target="product") == "G00000001"
    assert AuditLog.objects.filter(model="core.codingrule", action="update", user=admin_user).exists()
    # a bad segment rule for categories is refused with the service's message
    category_rule = CodingRule.objects.get(target="category")
    url = f"/admin/core/codingrule/{category_rule.pk}/change/"
    response = client.post(url, form_data(client.get(url), segment_lengths="2-x"))
    assert "分级段长格式应为如 2-2-3 的数字" in errors_of(response)
    category_rule.refresh_from_db()
    assert category_rule.segment_lengths == "2-2-3"


@pytest.mark.django_db
def test_api_token_secret_is_shown_once_and_works(admin_user):
    client = signed_in(admin_user)
    response = client.post("/admin/core/apitoken/add/", {"user": admin_user.pk, "name": "ERP 对接", "days": "30"})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret in response.content.decode()
    assert core_services.authenticate_token(secret) == admin_user
    token = ApiToken.objects.get()
    assert secret not in token.token_hash and secret not in client.get(
        f"/admin/core/apitoken/{token.pk}/change/").content.decode()
    # when it is revoked from the list
    client.post("/admin/core/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert core_services.authenticate_token(secret) is None


@pytest.mark.django_db
def test_logs_are_read_only(admin_user, sample):
    client = signed_in(admin_user)
    assert client.get("/admin/core/auditlog/add/").status_code == 403
    row = AuditLog.objects.filter(model="masterdata.product").first()
    page = client.get(f"/admin/core/auditlog/{row.pk}/change/").content.decode()
    assert "商品" in page and 'name="_save"' not in page
    listed = client.get("/admin/core/auditlog/?model=masterdata.employee").context["cl"].result_list
    assert {entry.model for entry in listed} == {"masterdata.employee"}


@pytest.mark.django_db
def test_history_of_a_location_and_a_warehouse(admin_user, sample):
    client = signed_in(admin_user)
    location = Location.objects.get()
    page = client.get(f"/admin/masterdata/location/{location.pk}/history/").content.decode()
    assert "库位编码" in page and "A-01" in page
    warehouse = Warehouse.objects.get(pk=sample["warehouse"].pk)
    assert warehouse.name in client.get(f"/admin/masterdata/warehouse/{warehouse.pk}/history/").content.decode()
    assert Store.objects.count() == 2 and Employee.objects.count() == 1


@pytest.mark.django_db
def test_contact_phone_masked_in_the_inline_and_kept_on_save(admin_user, make_user):
    # given a supplier contact and a buyer (purchasing) who may edit partners but not see personal data
    partner = make_partner(admin_user)
    services.save_partner_contact(user=admin_user, data={"partner": partner, "name": "李四", "phone": "13900001111"})
    client = signed_in(make_user("buyer", role="purchasing"))
    url = f"/admin/masterdata/partner/{partner.pk}/change/"
    page = client.get(url)
    # then the contact row shows the mask only
    assert "13900001111" not in page.content.decode() and "139****1111" in page.content.decode()
    # and saving the partner with the row untouched keeps the stored phone
    response = client.post(url, form_data(page, telephone="021-12345678"))
    assert response.status_code == 302, errors_of(response)
    partner.refresh_from_db()
    assert partner.telephone == "021-12345678"
    assert partner.contacts.get().phone == "13900001111"
