"""Import of every other master data type: trees, employees, partners and their contacts/accounts,
bundles, warehouses, locations and stores, each with its own problems (row + column asserted)."""

import pytest

from ecerp.core.models import AuditLog, StateHistory
from ecerp.masterdata.importing.problems import ImportFailed
from ecerp.masterdata.models import (
    BundleComponent,
    Category,
    Department,
    Employee,
    Location,
    Partner,
    PartnerBankAccount,
    PartnerContact,
    Product,
    Store,
    Warehouse,
)
from tests.masterdata.importhelpers import commit, preview, problems_at

pytestmark = pytest.mark.django_db

VALID_USCC = "91310000MA1FL8TQ36"
VALID_ID = "11010519491231002X"


def test_departments_parent_in_file_in_any_order():
    result = commit("department", [["编码", "名称", "上级部门编码"], ["D2", "客服组", "D1"], ["D1", "运营部", ""]])
    assert result.created == 2
    assert Department.objects.get(code="D2").parent == Department.objects.get(code="D1")


def test_department_unknown_parent_and_cycles_with_database():
    commit("department", [["编码", "名称", "上级部门编码"], ["D1", "运营部", ""], ["D2", "客服组", "D1"]])
    result = preview("department", [["编码", "名称", "上级部门编码"], ["D1", "运营部", "D2"], ["D3", "x", "D9"]])
    found = problems_at(result)
    assert found[(2, "上级部门编码")] == "TREE_CYCLE"
    assert found[(3, "上级部门编码")] == "UNKNOWN_DEPARTMENT"


def test_a_cycle_in_the_file_is_reported_on_its_rows_only():
    # given a file where D1 and D2 are each other's parent, and D3 sits below them
    result = preview("department", [["编码", "名称", "上级部门编码"], ["D1", "运营部", "D2"], ["D2", "客服组", "D1"],
                                    ["D3", "售后组", "D1"]])
    # then the two rows of the loop are refused with the service's code and message, the row below is not
    assert [(p.row, p.column, p.code) for p in result.problems] == [
        (2, "上级部门编码", "TREE_CYCLE"), (3, "上级部门编码", "TREE_CYCLE")]
    assert result.problems[0].message == "上级不能是自己或自己的下级"


def test_category_codes_of_several_rows_are_each_reported():
    # given two rows whose codes do not extend their parents' among good rows
    result = preview("category", [["编码", "名称", "上级分类编码"], ["01", "美妆", ""], ["0201", "x", "01"],
                                  ["0101", "面部护理", "01"], ["9", "y", ""]])
    # then each bad code is reported on its own row, and the preview moved no sequence
    assert [(p.row, p.code) for p in result.problems] == [(3, "CODE_PARENT_MISMATCH"), (5, "CODE_PARENT_MISMATCH")]
    assert commit("category", [["编码", "名称"], ["", "美妆"]]).created == 1
    assert Category.objects.get().code == "01"


def test_categories_follow_the_hierarchical_rule():
    result = commit("category", [["编码", "名称", "上级分类编码"], ["01", "美妆", ""], ["", "彩妆", "01"],
                                 ["0101", "面部护理", ""]])
    assert result.created == 3
    assert Category.objects.get(name="彩妆").code == "0102"
    assert Category.objects.get(code="0101").parent.code == "01" and Category.objects.get(code="0101").level == 2
    bad = preview("category", [["编码", "名称", "上级分类编码"], ["0201", "x", "01"], ["05", "y", "77"]])
    found = problems_at(bad)
    assert found[(2, "编码")] == "CODE_PARENT_MISMATCH"
    assert found[(3, "上级分类编码")] == "UNKNOWN_CATEGORY"


EMPLOYEE = ["工号", "姓名", "部门编码", "入职日期", "身份证号", "手机号", "状态"]


@pytest.fixture
def department():
    commit("department", [["编码", "名称"], ["D1", "运营部"]])
    return Department.objects.get(code="D1")


def test_employee_personal_data_is_encrypted_and_problems_named(department):
    result = commit("employee", [EMPLOYEE, ["E1", "李娜", "D1", "2024/3/1", VALID_ID, "13812345678", "在职"]])
    assert result.created == 1
    employee = Employee.objects.get(code="E1")
    assert employee.phone == "13812345678" and str(employee.hire_date) == "2024-03-01"
    stored = Employee.objects.filter(pk=employee.pk).values_list("phone", "id_number")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, id_number FROM masterdata_employee WHERE id = %s", [employee.pk])
        raw_phone, raw_id = cursor.fetchone()
    assert raw_phone.startswith("enc1:") and "13812345678" not in raw_phone and raw_id.startswith("enc1:")
    assert stored
    bad = preview("employee", [EMPLOYEE, ["E2", "王", "D9", "2024-13-01", "110105194912310021", "12345", ""]])
    found = problems_at(bad)
    assert found[(2, "部门编码")] == "UNKNOWN_DEPARTMENT"
    assert found[(2, "入职日期")] == "INVALID_DATE"
    assert found[(2, "身份证号")] == "INVALID_ID_NUMBER"
    assert found[(2, "手机号")] == "INVALID_PHONE"


def test_employee_masked_values_reimport_unchanged_and_status_moves(department, admin_user):
    commit("employee", [EMPLOYEE, ["E1", "李娜", "D1", "2024-03-01", VALID_ID, "13812345678", "在职"]])
    masked = [EMPLOYEE, ["E1", "李娜", "D1", "2024-03-01", "110105********002X", "138****5678", "在职"]]
    assert preview("employee", masked).unchanged == 1
    result = commit("employee", [EMPLOYEE, ["E1", "李娜", "D1", "2024-03-01", VALID_ID, "13812345678", "离职"]],
                    user=admin_user)
    assert result.updated == 1 and Employee.objects.get(code="E1").status == "left"
    assert StateHistory.objects.filter(model="masterdata.employee", to_state="left").count() == 1


PARTNER = ["编码", "名称", "角色", "统一社会信用代码", "国家/地区"]


def test_partner_roles_in_chinese_and_english_with_any_separator():
    result = commit("partner", [PARTNER, ["P1", "优品", "供应商、客户", VALID_USCC, "中国"],
                                ["P2", "顺丰", "logistics/物流企业;支付企业", "", ""]])
    assert result.created == 2
    assert Partner.objects.get(code="P1").roles == ["supplier", "customer"]
    assert set(Partner.objects.get(code="P2").roles) == {"logistics", "payment"}


def test_partner_problems():
    commit("partner", [PARTNER, ["P1", "优品", "供应商", VALID_USCC, ""]])
    result = preview("partner", [PARTNER, ["P2", "无角色", "", "", ""], ["P3", "坏角色", "批发商", "", ""],
                                 ["P4", "坏代码", "客户", "91310000MA1FL8TQ30", ""],
                                 ["P5", "代码已用", "客户", VALID_USCC, "火星"]])
    found = problems_at(result)
    assert found[(2, "角色")] == "PARTNER_ROLE_REQUIRED"
    assert found[(3, "角色")] == "UNKNOWN_ROLE"
    assert found[(4, "统一社会信用代码")] == "INVALID_SOCIAL_CREDIT_CODE"
    assert found[(5, "统一社会信用代码")] == "CODE_TAKEN"
    assert found[(5, "国家/地区")] == "INVALID_COUNTRY"


def test_contacts_and_bank_accounts_upsert_by_partner_and_keep_one_primary():
    commit("partner", [PARTNER, ["P1", "优品", "供应商", "", ""]])
    header = ["业务单位编码", "联系人", "手机号", "主要联系人"]
    commit("partner_contact", [header, ["P1", "王芳", "13900001111", "是"], ["P1", "赵强", "", "否"]])
    result = commit("partner_contact", [header, ["P1", "王芳", "13900001111", "否"], ["P1", "赵强", "", "是"]])
    assert result.updated == 2
    assert PartnerContact.objects.get(is_primary=True).name == "赵强"
    bad = preview("partner_contact", [header, ["P1", "A", "", "是"], ["P1", "B", "", "是"], ["P9", "C", "", ""]])
    found = problems_at(bad)
    assert found[(3, "主要联系人")] == "DUPLICATE_IN_FILE" and found[(4, "业务单位编码")] == "UNKNOWN_PARTNER"
    bank = ["业务单位编码", "开户行", "户名", "账号", "默认账户"]
    commit("partner_bank_account", [bank, ["P1", "工行", "优品", "6222 0202 0000 1234", "是"]])
    again = commit("partner_bank_account", [bank, ["P1", "工行", "优品", "6222020200001234", "是"]])
    assert again.unchanged == 1 and PartnerBankAccount.objects.get().account_number == "6222020200001234"


@pytest.fixture
def skus():
    commit("product", [["商品编码", "名称"], ["A", "套装"], ["B", "面霜"], ["C", "乳液"]])


def test_bundle_lines_replace_components(skus):
    header = ["组合商品编码", "子商品编码", "数量"]
    result = commit("bundle", [header, ["A", "B", "2"], ["A", "C", "1"]])
    assert result.created == 1 and Product.objects.get(code="A").is_bundle
    assert commit("bundle", [header, ["A", "B", "2"], ["A", "C", "1"]]).unchanged == 1
    assert commit("bundle", [header, ["A", "B", "3"]]).updated == 1
    assert list(BundleComponent.objects.values_list("component__code", "quantity")) == [("B", 3)]


def test_bundle_problems_including_cycle_with_database(skus):
    header = ["组合商品编码", "子商品编码", "数量"]
    commit("bundle", [header, ["A", "B", "1"]])
    result = preview("bundle", [header, ["B", "A", "1"], ["C", "X", "1"], ["C", "B", "0"], ["C", "C", "1"]])
    found = problems_at(result)
    assert found[(2, "子商品编码")] == "BUNDLE_CYCLE"
    assert found[(3, "子商品编码")] == "COMPONENT_MISSING"
    assert found[(4, "数量")] == "INVALID_QUANTITY"
    assert found[(5, "子商品编码")] == "BUNDLE_CYCLE"
    assert "B → A → B" in next(p.message for p in result.problems if p.row == 2)


def test_warehouses_locations_and_stores():
    warehouses = [["编码", "名称", "类型", "联系电话"], ["WH1", "杭州保税仓", "保税仓", "13700002222"]]
    assert commit("warehouse", warehouses).created == 1
    assert Warehouse.objects.get(code="WH1").type == "bonded"
    result = commit("location", [["仓库编码", "库位编码", "拣货顺序"], ["WH1", "A-01", "1"], ["WH1", "", "2"]])
    assert result.created == 2 and Location.objects.filter(warehouse__code="WH1").count() == 2
    bad = preview("location", [["仓库编码", "库位编码"], ["WH9", "A-01"]])
    assert problems_at(bad)[(2, "仓库编码")] == "UNKNOWN_WAREHOUSE"
    commit("partner", [PARTNER, ["P1", "雪肌贸易", "电商企业", "", ""]])
    header = ["编码", "名称", "平台", "平台店铺ID", "店铺类型", "电商企业编码", "默认仓库编码"]
    assert commit("store", [header, ["ST1", "天猫国际店", "天猫国际", "1001", "1210", "P1", "WH1"]]).created == 1
    assert Store.objects.get(code="ST1").type == "cbec_1210"
    bad = preview("store", [header, ["ST2", "跨境", "京东", "2001", "9610", "", ""],
                            ["ST3", "重复", "天猫国际", "1001", "国内", "", ""]])
    found = problems_at(bad)
    assert found[(2, "电商企业编码")] == "ECOMMERCE_COMPANY_REQUIRED"
    assert found[(3, "平台店铺ID")] in ("CODE_TAKEN", "DUPLICATE_IN_FILE")


def test_all_or_nothing_across_types():
    with pytest.raises(ImportFailed):
        commit("warehouse", [["编码", "名称", "类型"], ["WH1", "好", "普通仓"], ["WH2", "坏", "地下仓"]])
    assert not Warehouse.objects.exists() and not AuditLog.objects.filter(model="masterdata.warehouse").exists()


def test_chinese_values_import_while_english_is_chosen():
    # given a person who chose English, importing a file written with Chinese labels
    from django.utils import translation

    with translation.override("en"):
        warehouses = [["编码", "名称", "类型"], ["WH7", "保税仓七号", "保税仓"],
                      ["WH8", "Overseas", "Overseas warehouse"]]
        result = commit("warehouse", warehouses)
        partners = commit("partner", [PARTNER, ["P7", "顺丰", "物流企业、Logistics company", "", ""]])
    # then the Chinese and the English labels are both understood, English labels keep their spaces
    assert result.created == 2 and partners.created == 1
    assert Warehouse.objects.get(code="WH7").type == "bonded"
    assert Warehouse.objects.get(code="WH8").type == "overseas"
    assert Partner.objects.get(code="P7").roles == ["logistics"]
