"""Product import: dry run, row-level problems, all-or-nothing commit, idempotent re-import, updates, codes."""

import pytest

from ecerp.core.models import AuditLog
from ecerp.masterdata.importing.problems import ImportFailed
from ecerp.masterdata.models import Category, Product
from tests.masterdata.importhelpers import commit, preview, problems_at

HEADER = ["商品编码", "名称", "分类编码", "成本价", "销售价", "跨境商品", "HS编码", "原产国", "海关计量单位", "条码"]


@pytest.fixture
def categories(db):
    commit("category", [["编码", "名称"], ["01", "美妆"], ["0101", "面部护理"], ["0101001", "面霜"]])
    return Category.objects.get(code="0101001")


def test_preview_counts_and_writes_nothing(categories):
    # given a good file of two products
    rows = [HEADER, ["SKU100001", "面霜A", "0101001", "10", "19.9", "否", "", "", "", ""],
            ["SKU100002", "面霜B", "0101001", "12", "29", "是", "3304.99.00.99", "日本", "142", "4901234567894"]]
    # when previewed
    result = preview("product", rows)
    # then two creates are announced and nothing is written
    assert (result.created, result.updated, result.unchanged, result.problems) == (2, 0, 0, [])
    assert Product.objects.count() == 0


def test_commit_creates_normalised_products_with_audit(categories, admin_user):
    rows = [HEADER, ["SKU100002", "面霜B", "0101001", "12", "￥1,029.50", "是", "3304.99.00.99", "日本", "142", ""]]
    result = commit("product", rows, user=admin_user)
    assert result.created == 1 and result.committed
    product = Product.objects.get(code="SKU100002")
    assert (product.hs_code, product.origin_country, product.category, product.is_cross_border) == (
        "3304990099", "JP", categories, True)
    assert str(product.sale_price) == "1029.5000"
    log = AuditLog.objects.get(model="masterdata.product", object_id=str(product.pk))
    assert log.action == "create" and log.username == admin_user.username and log.after["hs_code"] == "3304990099"


def test_every_product_problem_has_row_column_and_chinese_message(categories):
    rows = [
        HEADER,
        ["SKU1", "未知分类", "9999", "1", "2", "否", "", "", "", ""],           # row 2
        ["SKU2", "负价", "0101001", "1", "-5", "否", "", "", "", ""],           # row 3
        ["SKU3", "乱数", "0101001", "abc", "2", "否", "", "", "", ""],          # row 4
        ["SKU4", "HS短", "0101001", "1", "2", "是", "33049900", "JP", "142", ""],  # row 5
        ["SKU5", "缺字段", "0101001", "1", "2", "是", "", "", "", ""],          # row 6
        ["SKU6", "坏国家", "0101001", "1", "2", "否", "", "XX", "", ""],        # row 7
        ["SKU1", "重复", "0101001", "1", "2", "否", "", "", "", ""],            # row 8
        ["坏 编码", "坏编码", "0101001", "1", "2", "否", "", "", "", ""],        # row 9
        ["SKU7", "", "0101001", "1", "2", "否", "", "", "", ""],                # row 10
        ["SKU8", "坏条码", "0101001", "1", "2", "否", "", "", "", "4901234567890"],  # row 11
        ["SKU9", "坏布尔", "0101001", "1", "2", "也许", "", "", "", ""],         # row 12
    ]
    result = preview("product", rows)
    found = problems_at(result)
    assert found[(2, "分类编码")] == "UNKNOWN_CATEGORY"
    assert found[(3, "销售价")] == "NEGATIVE_AMOUNT"
    assert found[(4, "成本价")] == "INVALID_DECIMAL"
    assert found[(5, "HS编码")] == "INVALID_HS_CODE"
    assert found[(6, "HS编码")] == "CROSS_BORDER_FIELDS_REQUIRED"
    assert found[(7, "原产国")] == "INVALID_COUNTRY"
    assert found[(8, "商品编码")] == "DUPLICATE_IN_FILE"
    assert found[(9, "商品编码")] == "INVALID_CODE"
    assert found[(10, "名称")] == "REQUIRED"
    assert found[(11, "条码")] == "INVALID_BARCODE"
    assert found[(12, "跨境商品")] == "INVALID_BOOLEAN"
    messages = {problem.row: problem.message for problem in result.problems}
    assert messages[2] == "商品分类「9999」不存在"
    assert "10 位数字" in messages[5] and "第 2 行重复" in messages[8]


def test_one_bad_row_means_nothing_is_written(categories):
    rows = [HEADER, ["SKU1", "好", "0101001", "1", "2", "否", "", "", "", ""],
            ["SKU2", "坏", "0101001", "1", "-2", "否", "", "", "", ""]]
    with pytest.raises(ImportFailed) as error:
        commit("product", rows)
    assert error.value.problems[0].row == 3 and error.value.problems[0].column == "销售价"
    assert Product.objects.count() == 0
    assert not AuditLog.objects.filter(model="masterdata.product").exists()


def test_reimport_changes_nothing_and_writes_no_audit(categories):
    rows = [HEADER, ["SKU1", "面霜", "0101001", "1.5", "2", "是", "3304990099", "日本", "142", "4901234567894"]]
    commit("product", rows)
    audit_rows = AuditLog.objects.count()
    result = commit("product", rows)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert AuditLog.objects.count() == audit_rows


def test_update_detected_and_audited_with_before_and_after(categories):
    commit("product", [HEADER, ["SKU1", "面霜", "0101001", "1", "2", "否", "", "", "", ""]])
    result = commit("product", [HEADER, ["SKU1", "面霜", "0101001", "1", "3.5", "否", "", "", "", ""]])
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    assert result.samples["update"][0]["columns"] == ["销售价"]
    product = Product.objects.get(code="SKU1")
    log = AuditLog.objects.filter(model="masterdata.product", action="update").get()
    assert log.object_id == str(product.pk)
    assert log.before == {"sale_price": "2.0000"} or log.before["sale_price"] in ("2", "2.0000")
    assert log.after["sale_price"] in ("3.5", "3.5000")


def test_blank_codes_are_generated_and_skip_hand_given_numbers(categories):
    result = commit("product", [["名称", "商品编码"], ["手工", "SKU000050"], ["自动", ""]])
    assert result.created == 2
    assert Product.objects.get(name="自动").code == "SKU000051"


def test_headers_english_alias_spaces_and_any_order(categories):
    rows = [[" sale_price ", "name ", " code", "category"], ["9.9", "面霜", "SKU9", "0101001"]]
    result = commit("product", rows)
    assert result.created == 1 and str(Product.objects.get(code="SKU9").sale_price) == "9.9000"


def test_unknown_and_missing_columns_are_reported_on_row_one(categories):
    result = preview("product", [["商品编码", "品 牌"], ["SKU1", "x"]])
    found = problems_at(result)
    assert found[(1, "品 牌")] == "UNKNOWN_COLUMN"
    assert found[(1, "名称")] == "MISSING_COLUMN"
