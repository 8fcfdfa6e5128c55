"""The demo company: what it contains, that every number in it is valid, and that it is deterministic."""

import hashlib
import re

import pytest
from django.core.management import call_command
from stdnum import ean
from stdnum.cn import ric, uscc

from ecerp.core import services as core_services
from ecerp.core.errors import DomainError
from ecerp.core.models import CodeSequence, SystemSetting
from ecerp.masterdata import validation
from ecerp.masterdata.demo import DEMO_SETTING_KEY, build_demo_company
from ecerp.masterdata.models import (
    BundleComponent,
    Category,
    Department,
    Employee,
    Location,
    Partner,
    PartnerBankAccount,
    PartnerContact,
    PartnerRole,
    Platform,
    Product,
    Store,
    StoreType,
    Warehouse,
    WarehouseType,
)

pytestmark = pytest.mark.django_db

CROSS_BORDER_ROLES = ["is_platform", "is_logistics", "is_payment", "is_customs_broker", "is_ecommerce"]


@pytest.fixture
def demo(admin_user):
    return build_demo_company(admin_user)


def test_demo_has_the_departments_and_employees_asked_for(demo):
    # then the department tree has the operations teams under 运营部
    names = set(Department.objects.values_list("name", flat=True))
    assert {"总经办", "运营部", "仓储部", "采购部", "财务部", "关务部", "客服部"} <= names
    operations = Department.objects.get(name="运营部")
    assert set(operations.children.values_list("name", flat=True)) == {"天猫组", "京东组", "拼多多组", "抖音组"}
    # and about 30 employees with Chinese names, positions and hire dates; every department has a head
    employees = list(Employee.objects.all())
    assert len(employees) == 30 == demo["employees"]
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", e.name) and e.position and e.hire_date for e in employees)
    assert len({e.name for e in employees}) == 30
    assert not Department.objects.filter(manager_name="").exists()


def test_demo_has_about_500_skus_in_a_coded_category_tree(demo):
    # then there are about 500 SKUs, all in leaf categories
    assert 450 <= Product.objects.count() <= 550
    assert not Product.objects.filter(category__isnull=True).exists()
    assert set(Product.objects.values_list("category__level", flat=True)) == {3}
    # and category codes follow the 2-2-3 rule under their parent's code
    for category in Category.objects.select_related("parent"):
        assert len(category.code) == {1: 2, 2: 4, 3: 7}[category.level]
        if category.parent:
            assert category.code.startswith(category.parent.code)
    tops = set(Category.objects.filter(level=1).values_list("name", flat=True))
    assert {"美妆护肤", "母婴", "保健品", "食品", "家居", "数码配件"} <= tops
    # and prices are positive Decimals with the sale price above the cost
    for product in Product.objects.all():
        assert 0 < product.cost_price < product.sale_price
        assert product.net_weight is None or product.net_weight <= product.gross_weight


def test_every_cross_border_product_has_hs_code_origin_and_customs_unit(demo):
    cross_border = Product.objects.filter(is_cross_border=True)
    # then the cosmetics, infant formula and supplements are there
    hs_codes = set(cross_border.values_list("hs_code", flat=True))
    assert {"3304990099", "1901101000", "2106909090"} <= hs_codes
    assert cross_border.count() >= 200
    # and every one carries a 10-digit HS code, an ISO origin country and a 3-digit customs unit
    for product in cross_border:
        assert re.fullmatch(r"[0-9]{10}", product.hs_code), product
        assert product.origin_country in validation.ISO_COUNTRIES and product.origin_country != "CN"
        assert re.fullmatch(r"[0-9]{3}", product.customs_unit), product
    assert {"JP", "KR", "US", "AU", "NZ", "FR", "DE", "NL"} <= set(cross_border.values_list("origin_country",
                                                                                          flat=True))
    # and domestic goods carry none
    assert not Product.objects.filter(is_cross_border=False).exclude(hs_code="").exists()


def test_every_barcode_identity_and_credit_code_is_valid(demo):
    # then every barcode is a unique EAN-13 with a right check digit
    barcodes = list(Product.objects.values_list("barcode", flat=True))
    assert len(set(barcodes)) == len(barcodes)
    assert all(len(code) == 13 and ean.is_valid(code) for code in barcodes)
    # and every resident ID number and mobile phone of an employee is valid (read back decrypted)
    for employee in Employee.objects.all():
        assert ric.is_valid(employee.id_number), employee.id_number
        assert re.fullmatch(r"1[3-9][0-9]{9}", employee.phone)
    # and every domestic partner has a valid unified social credit code; overseas ones have none
    for partner in Partner.objects.all():
        if partner.country == "CN":
            assert uscc.is_valid(partner.social_credit_code), partner
            assert validation.social_credit_code(partner.social_credit_code) == partner.social_credit_code
        else:
            assert partner.social_credit_code is None
    # and the parties that appear in customs messages have 10-character customs codes
    for field in CROSS_BORDER_ROLES:
        parties = Partner.objects.filter(**{field: True}).exclude(customs_code="")
        assert parties.exists(), field
        assert all(re.fullmatch(r"[0-9A-Z]{10}", p.customs_code) and p.customs_code_valid_until for p in parties)


def test_demo_has_partners_for_every_role_with_contacts_and_bank_accounts(demo):
    counts = {role: Partner.objects.filter(**{f"is_{role}": True}).count() for role in PartnerRole.values}
    # then each role is there, with the companies a Chinese seller works with
    assert counts["ecommerce"] == 1 and counts["customs_broker"] == 1
    assert counts["platform"] >= 4 and counts["logistics"] >= 5 and counts["payment"] >= 3
    assert counts["supplier"] >= 10 and counts["customer"] >= 1
    short_names = set(Partner.objects.values_list("short_name", flat=True))
    assert {"天猫", "京东", "拼多多", "抖音", "顺丰速运", "中通快递", "京东物流", "EMS", "菜鸟", "支付宝",
            "银联"} <= short_names
    assert Partner.objects.exclude(country="CN").filter(is_supplier=True).count() >= 5
    # and every partner has one primary contact and one default bank account
    assert PartnerContact.objects.filter(is_primary=True).count() == Partner.objects.count()
    assert PartnerBankAccount.objects.filter(is_default=True).count() == Partner.objects.count()


def test_demo_bundles_are_gift_sets_of_two_or_three_components(demo):
    bundles = Product.objects.filter(is_bundle=True)
    # then there are about 20 gift sets
    assert bundles.count() == 20
    for bundle in bundles:
        components = list(bundle.components.select_related("component"))
        # each of 2-3 plain SKUs (no bundle inside a bundle, so no cycle)
        assert 2 <= len(components) <= 3, bundle
        assert all(not line.component.is_bundle and line.quantity >= 1 for line in components)
        # and priced from its components (cost = sum of component costs)
        assert bundle.cost_price == sum(line.component.cost_price * line.quantity for line in components)
    assert BundleComponent.objects.count() >= 40


def test_demo_has_three_warehouses_and_five_stores(demo):
    # then three warehouses, one of them bonded with a customs area code, all with locations
    warehouses = {w.type: w for w in Warehouse.objects.all()}
    assert Warehouse.objects.count() == 3
    assert warehouses[WarehouseType.BONDED].customs_area_code
    assert WarehouseType.NORMAL in warehouses
    assert all(w.locations.exists() for w in warehouses.values())
    assert Location.objects.filter(warehouse=warehouses[WarehouseType.NORMAL], code="A-01-01").exists()
    # and five stores on Tmall, JD, Pinduoduo, Douyin and one cross-border store
    stores = list(Store.objects.select_related("ecommerce_company", "default_warehouse", "platform_partner"))
    assert len(stores) == 5
    assert {Platform.TMALL, Platform.JD, Platform.PINDUODUO, Platform.DOUYIN} <= {s.platform for s in stores}
    cross_border = [s for s in stores if s.type != StoreType.DOMESTIC]
    assert len(cross_border) == 1
    store = cross_border[0]
    assert store.ecommerce_company.is_ecommerce and store.platform_partner.is_platform
    assert store.default_warehouse.type == WarehouseType.BONDED


def _wipe_master_data():
    for model in (Store, Location, Warehouse, BundleComponent, Product, PartnerContact, PartnerBankAccount,
                  Partner, Employee):
        model.objects.all().delete()
    for tree in (Category, Department):  # leaves first: parents are protected
        while tree.objects.exists():
            tree.objects.filter(children__isnull=True).delete()
    CodeSequence.objects.all().delete()
    SystemSetting.objects.filter(key=DEMO_SETTING_KEY).delete()


def _digest() -> str:
    rows = [
        *Department.objects.order_by("code").values_list("code", "name", "parent__code", "manager_name"),
        *[(e.code, e.name, e.department.code, e.position, str(e.hire_date), e.id_number, e.phone)
          for e in Employee.objects.select_related("department").order_by("code")],
        *Partner.objects.order_by("code").values_list("code", "name", "social_credit_code", "customs_code"),
        *PartnerBankAccount.objects.order_by("partner__code").values_list("partner__code", "account_number"),
        *Category.objects.order_by("code").values_list("code", "name"),
        *Product.objects.order_by("code").values_list("code", "barcode", "name", "specification", "category__code",
                                                      "cost_price", "sale_price", "net_weight", "hs_code"),
        *BundleComponent.objects.order_by("bundle__code", "component__code").values_list(
            "bundle__code", "component__code", "quantity"),
        *Warehouse.objects.order_by("code").values_list("code", "name", "type"),
        *Location.objects.order_by("warehouse__code", "code").values_list("warehouse__code", "code"),
        *Store.objects.order_by("code").values_list("code", "name", "shop_id", "default_warehouse__code"),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_demo_is_deterministic(admin_user):
    # given the demo company built in a fresh database
    build_demo_company(admin_user)
    first = _digest()
    # when the database is emptied again and the demo built a second time
    _wipe_master_data()
    assert not Product.objects.exists()
    build_demo_company(admin_user)
    # then every code, name, number and price is the same
    assert _digest() == first


def test_demo_is_not_loaded_twice(demo, admin_user, capsys):
    products = Product.objects.count()
    # when the demo company is built again
    with pytest.raises(DomainError) as error:
        build_demo_company(admin_user)
    # then it is refused and nothing is duplicated
    assert error.value.code == "CONFLICT"
    assert Product.objects.count() == products
    # and the command says so and does nothing
    call_command("demo")
    assert "演示数据已存在" in capsys.readouterr().out
    assert Product.objects.count() == products


def test_demo_command_prints_counts(capsys):
    # when the demo command runs on an empty database
    call_command("demo")
    out = capsys.readouterr().out
    # then it reports what it created, and records that the demo is loaded
    assert "演示公司已创建" in out
    assert f"商品 SKUs: {Product.objects.count()}" in out
    assert core_services.get_setting(DEMO_SETTING_KEY)


def test_demo_writes_nothing_when_a_service_refuses(admin_user):
    # given a store that already uses the shop id the demo's Tmall store wants
    from ecerp.masterdata import services

    services.save_store(user=admin_user, data={"name": "已有店铺", "platform": Platform.TMALL,
                                               "shop_id": "2201456789"})
    # when the demo is built
    with pytest.raises(DomainError) as error:
        build_demo_company(admin_user)
    # then the refusal names the field and nothing of the demo is left behind
    assert error.value.field == "shop_id"
    assert not Product.objects.exists() and not Partner.objects.exists() and Store.objects.count() == 1
    assert not core_services.get_setting(DEMO_SETTING_KEY)
