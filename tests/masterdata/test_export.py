"""Export: same headers as the templates, formula cells neutralised, personal data masked, round trip unchanged."""

import pytest

from ecerp.masterdata.exporting import export_workbook, neutralise, template_workbook
from ecerp.masterdata.importing.services import preview_import
from ecerp.masterdata.importing.specs import SPECS
from tests.masterdata.importhelpers import commit, xlsx_rows

pytestmark = pytest.mark.django_db


def test_neutralise_prefixes_formula_starters_only():
    assert [neutralise(v) for v in ["=1+1", "+86", "-x", "@a", "普通", "", None, 5]] == [
        "'=1+1", "'+86", "'-x", "'@a", "普通", "", None, 5]


@pytest.fixture
def company():
    commit("department", [["编码", "名称"], ["D1", "=HYPERLINK(\"http://x\")"]])
    commit("employee", [["工号", "姓名", "部门编码", "身份证号", "手机号"],
                        ["E1", "李娜", "D1", "11010519491231002X", "13812345678"]])
    commit("category", [["编码", "名称"], ["01", "美妆"]])
    commit("product", [["商品编码", "名称", "分类编码", "销售价", "跨境商品", "HS编码", "原产国", "海关计量单位"],
                       ["SKU1", "-减价套装", "01", "12.5", "是", "3304990099", "JP", "142"]])
    commit("partner", [["编码", "名称", "角色"], ["P1", "@优品", "供应商、电商企业"]])
    commit("partner_contact", [["业务单位编码", "联系人", "手机号"], ["P1", "王芳", "13900001111"]])
    commit("partner_bank_account", [["业务单位编码", "开户行", "户名", "账号"], ["P1", "工行", "优品", "6222"]])
    commit("warehouse", [["编码", "名称", "联系电话"], ["WH1", "主仓", "13700002222"]])
    commit("location", [["仓库编码", "库位编码"], ["WH1", "A-01"]])
    commit("store", [["编码", "名称", "平台", "平台店铺ID", "店铺类型", "电商企业编码", "默认仓库编码"],
                     ["ST1", "跨境店", "天猫国际", "1001", "1210", "P1", "WH1"]])
    commit("product", [["商品编码", "名称"], ["SKU2", "套装"]])
    commit("bundle", [["组合商品编码", "子商品编码", "数量"], ["SKU2", "SKU1", "2"]])


def test_export_neutralises_formulas(company, admin_user):
    rows = xlsx_rows(export_workbook(user=admin_user, kind="department"))
    assert rows[1][1] == "'=HYPERLINK(\"http://x\")"
    products = xlsx_rows(export_workbook(user=admin_user, kind="product"))
    assert products[1][2] == "'-减价套装"


def test_personal_data_masked_unless_permitted(company, admin_user, make_user):
    warehouse_user = make_user("keeper", role="warehouse")
    full = xlsx_rows(export_workbook(user=admin_user, kind="employee"))
    masked = xlsx_rows(export_workbook(user=warehouse_user, kind="employee"))
    header = full[0]
    assert full[1][header.index("手机号")] == "13812345678"
    assert masked[1][header.index("手机号")] == "138****5678"
    assert masked[1][header.index("身份证号")] == "110105********002X"


@pytest.mark.parametrize("kind", list(SPECS))
def test_export_has_template_headers_and_reimports_unchanged(company, admin_user, make_user, kind):
    template = xlsx_rows(template_workbook(kind=kind))
    for user in (admin_user, make_user("viewer", role="operations")):
        content = export_workbook(user=user, kind=kind)
        rows = xlsx_rows(content)
        assert rows[0] == template[0]
        assert len(rows) >= 2
        result = preview_import(kind=kind, content=content, filename="export.xlsx")
        assert result.problems == [] and result.created == 0 and result.updated == 0
        assert result.unchanged >= 1
