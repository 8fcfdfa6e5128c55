"""Reading spreadsheets: xlsx and csv in UTF-8, UTF-8 with BOM and GBK, with the same result."""

import pytest

from ecerp.masterdata.importing.problems import ImportFailed
from ecerp.masterdata.importing.readers import detect_encoding, read_table
from ecerp.masterdata.models import Department
from tests.masterdata.importhelpers import commit, csv_bytes, xlsx_bytes

ROWS = [["编码", "名称", "负责人"], ["D101", "电商运营部", "张伟"], ["", "", ""], ["D102", "仓储物流部", "李娜"]]


@pytest.mark.parametrize("encoding,detected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030")])
def test_csv_encodings_are_detected(encoding, detected):
    content = csv_bytes(ROWS, encoding)
    table = read_table(content, "d.csv")
    assert detect_encoding(content) == detected
    assert table.headers == ["编码", "名称", "负责人"]
    # blank rows are skipped but row numbers stay spreadsheet rows
    assert table.rows == [(2, ["D101", "电商运营部", "张伟"]), (4, ["D102", "仓储物流部", "李娜"])]


def test_xlsx_is_read_from_the_first_sheet():
    table = read_table(xlsx_bytes(ROWS), "d.xlsx")
    assert table.file_format == "xlsx"
    assert [number for number, _cells in table.rows] == [2, 4]
    assert table.rows[0][1][:2] == ["D101", "电商运营部"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
@pytest.mark.django_db
def test_each_encoding_imports_the_same_chinese_text(encoding):
    result = commit("department", ROWS) if encoding == "utf-8" else None
    from ecerp.masterdata.importing.services import commit_import

    if result is None:
        result = commit_import(user=None, kind="department", content=csv_bytes(ROWS, encoding), filename="d.csv")
    assert result.created == 2
    assert Department.objects.get(code="D102").manager_name == "李娜"


@pytest.mark.django_db
def test_xlsx_import_with_numbers_dates_and_leading_zero_codes():
    from ecerp.masterdata.importing.services import commit_import, preview_import

    # given codes typed as text and one typed as a number (Excel dropped its leading zero)
    content = xlsx_bytes([["编码", "名称", "启用"], ["01", "美妆", True], [2, "母婴", 1]])
    result = preview_import(kind="category", content=content, filename="c.xlsx")
    assert [(p.row, p.column, p.code) for p in result.problems] == [(3, "编码", "CODE_PARENT_MISMATCH")]
    result = commit_import(user=None, kind="category", content=xlsx_bytes([["编码", "名称"], ["01", "美妆"]]),
                           filename="c.xlsx")
    assert result.created == 1


def test_tab_separated_csv_and_empty_files():
    table = read_table("编码\t名称\nD1\t部门\n".encode(), "d.csv")
    assert table.headers == ["编码", "名称"] and table.rows == [(2, ["D1", "部门"])]
    with pytest.raises(ImportFailed) as error:
        read_table(b"", "x.csv")
    assert error.value.code == "EMPTY_FILE"
    with pytest.raises(ImportFailed) as error:
        read_table(b"PK\x03\x04garbage", "x.xlsx")
    assert error.value.code == "UNREADABLE_FILE"
