"""`ecerp import` and `ecerp export`: preview printed, non-zero exit and nothing written on errors."""

import pytest
from django.core.management import CommandError, call_command

from ecerp.masterdata.models import Product
from tests.masterdata.importhelpers import csv_bytes, xlsx_rows

pytestmark = pytest.mark.django_db


def test_import_dry_run_then_commit(tmp_path, admin_user, capsys):
    path = tmp_path / "products.csv"
    path.write_bytes(csv_bytes([["商品编码", "名称", "销售价"], ["SKU1", "面霜", "9.9"]], "gbk"))
    call_command("import", "product", str(path), "--dry-run")
    assert "新增 1" in capsys.readouterr().out and not Product.objects.exists()
    call_command("import", "product", str(path), "--user", admin_user.username)
    assert "导入完成" in capsys.readouterr().out
    assert Product.objects.get(code="SKU1").name == "面霜"


def test_import_errors_exit_non_zero_and_write_nothing(tmp_path, capsys):
    path = tmp_path / "products.csv"
    path.write_bytes(csv_bytes([["商品编码", "名称", "销售价"], ["SKU1", "面霜", "9.9"], ["SKU2", "坏", "-1"]]))
    with pytest.raises(CommandError):
        call_command("import", "product", str(path))
    output = capsys.readouterr().out
    assert "第 3 行 [销售价]" in output and "不能为负数" in output
    assert not Product.objects.exists()


def test_unknown_type_and_user_without_permission(tmp_path, make_user):
    path = tmp_path / "x.csv"
    path.write_bytes(b"a\n1\n")
    with pytest.raises(CommandError):
        call_command("import", "spaceship", str(path))
    make_user("keeper", role="warehouse")
    with pytest.raises(CommandError):
        call_command("import", "product", str(path), "--user", "keeper")


def test_export_command_writes_xlsx(tmp_path):
    Product.objects.create(code="SKU1", name="=面霜")
    path = tmp_path / "out.xlsx"
    call_command("export", "product", str(path))
    rows = xlsx_rows(path.read_bytes())
    assert rows[0][0] == "商品编码" and rows[1][:3] == ["SKU1", None, "'=面霜"]
