"""Order files: the four platform samples and the ECERP template parse into the right orders."""

from decimal import Decimal

import pytest

from ecerp.sales import services
from ecerp.sales.adapters.files import parse_order_file, template_csv
from ecerp.sales.errors import SalesInvalid
from ecerp.sales.models import SalesOrder
from ecerp.sales.normalise import normalise_record
from ecerp.sales.states import OrderStatus
from tests.sales.helpers import SAMPLES, store


def parsed(name, **kwargs):
    return parse_order_file((SAMPLES / name).read_bytes(), name, store="S1", **kwargs)


def orders(name, **kwargs):
    result = parsed(name, **kwargs)
    return result.file_format, {order.platform_order_no: order for order in
                                (normalise_record(item) for item in result.records)}


def test_taobao_order_and_item_reports_join():
    # given the GBK order report (="…" numbers, trailing-space headers) and its item report
    file_format, found = orders("taobao_orders.csv", items_content=(SAMPLES / "taobao_items.csv").read_bytes(),
                                items_filename="taobao_items.csv")
    # then four orders with their lines, amounts and cleaned cells
    assert file_format == "taobao"
    assert list(found) == ["3901234567890123456", "3901234567890223457", "3901234567890323458",
                           "3901234567890423459"]
    first = found["3901234567890123456"]
    assert [(line.sku_code, line.quantity, line.unit_price) for line in first.lines] == [
        ("TSHIRT-WHT-L", 2, Decimal("59.0000")), ("BAG-01", 1, Decimal("40.0000"))]
    assert first.paid_amount == Decimal("156.00") and first.discount == Decimal("2.00")
    assert sum(line.amount for line in first.lines) == Decimal("156.00")
    assert first.texts["consignee_phone"] == "138****0001"
    assert first.texts["province"] == "浙江省" and first.texts["address"] == "文新街道示例路88号1幢101室"
    second = found["3901234567890223457"]
    assert second.freight == Decimal("6.00") and second.texts["buyer_remark"] == "请发顺丰，谢谢"
    assert found["3901234567890323458"].texts["platform_status"] == "交易关闭"


def test_taobao_without_item_report_has_no_lines():
    result = parsed("taobao_orders.csv")
    assert all(item["lines"] == [] for item in result.records)


def test_jd_rows_per_sku_group_into_orders():
    file_format, found = orders("jd_orders.csv")
    assert file_format == "jd"
    assert list(found) == ["281234567890", "281234567891", "281234567892"]
    first = found["281234567890"]
    assert [(line.sku_code, line.quantity) for line in first.lines] == [("BRUSH-01", 1), ("BRUSH-HEAD-4", 1)]
    # order money repeats on each row: counted once
    assert first.paid_amount == Decimal("228.00") and first.discount == Decimal("20.00")
    assert found["281234567891"].lines[0].quantity == 2
    assert found["281234567891"].texts["seller_memo"] == "加急"
    assert found["281234567892"].texts["platform_status"] == "(删除)等待出库"


def test_pdd_tab_suffixed_cells():
    file_format, found = orders("pdd_orders.csv")
    assert file_format == "pdd"
    assert list(found) == ["240501-123456789012345", "240502-223456789012346", "240503-323456789012347"]
    rain = found["240502-223456789012346"]
    assert rain.lines[0].sku_code == "RAIN-PK-110" and rain.lines[0].quantity == 2
    assert rain.lines[0].unit_price == Decimal("29.9000")
    assert rain.paid_amount == Decimal("54.30") and rain.discount == Decimal("5.50")
    assert rain.payment_time.isoformat() == "2024-05-02T20:10:11+08:00"
    assert rain.texts["province"] == "湖北省" and rain.texts["buyer_remark"] == "尽快发货"


def test_douyin_sub_orders_group_under_the_parent():
    file_format, found = orders("douyin_orders.csv")
    assert file_format == "douyin"
    assert list(found) == ["6912345678901230001", "6912345678901230002", "6912345678901230005"]
    two = found["6912345678901230002"]
    assert [(line.sku_code, line.quantity, line.amount) for line in two.lines] == [
        ("CLEAN-100", 2, Decimal("79.80")), ("PAD-100", 1, Decimal("39.90"))]
    assert two.paid_amount == Decimal("119.70")
    first = found["6912345678901230001"]
    assert first.discount == Decimal("10.00") and first.lines[0].amount == Decimal("79.00")
    assert found["6912345678901230005"].texts["refund_status"] == "退款成功"


def test_template_round_trip():
    result = parse_order_file(template_csv(), "template.csv", store="S1")
    assert result.file_format == "ecerp"
    order = normalise_record(result.records[0])
    assert order.platform_order_no == "EX-0001" and order.paid_amount == Decimal("94.00")


def test_unknown_file_and_wrong_format_are_refused():
    with pytest.raises(SalesInvalid) as error:
        parse_order_file(b"a,b\n1,2\n", "x.csv")
    assert error.value.code == "UNKNOWN_FORMAT"
    with pytest.raises(SalesInvalid):
        parse_order_file((SAMPLES / "jd_orders.csv").read_bytes(), "jd.csv", file_format="pdd")
    with pytest.raises(SalesInvalid) as error:
        parse_order_file(b"", "x.csv")
    assert error.value.code == "UNREADABLE_FILE"


@pytest.mark.django_db
def test_ingesting_the_same_file_twice_creates_no_duplicate():
    # given a JD store
    store(code="JD01", platform="jd")
    content = (SAMPLES / "jd_orders.csv").read_bytes()
    # when the file is imported twice
    first = services.ingest_orders(user=None, source="file", records=parse_order_file(content, "jd.csv",
                                                                                       store="JD01").records)
    second = services.ingest_orders(user=None, source="file", records=parse_order_file(content, "jd.csv",
                                                                                        store="JD01").records)
    # then three orders, the second import unchanged
    assert first.counts()["created"] == 3 and second.counts()["unchanged"] == 3
    assert SalesOrder.objects.count() == 3
    # the deleted order is cancelled; unmapped codes hold the others
    assert SalesOrder.objects.get(platform_order_no="281234567892").status == OrderStatus.CANCELLED
    assert SalesOrder.objects.get(platform_order_no="281234567891").status == OrderStatus.PENDING_MAPPING


@pytest.mark.django_db
def test_file_row_numbers_name_the_bad_row():
    store(code="S1")
    content = "平台订单号,店铺编码,平台商品编码,数量,单价\nA1,S1,X,1,10\nA2,S1,X,,10\n".encode()
    result = services.ingest_orders(user=None, source="file",
                                    records=parse_order_file(content, "o.csv", store="S1").records)
    assert result.counts()["created"] == 1
    assert "文件第 3 行" in result.results[1].errors[0]["message"]


def test_template_as_xlsx_with_numbers_as_cells():
    from io import BytesIO

    from openpyxl import Workbook

    from ecerp.sales.adapters.files import TEMPLATE_COLUMNS

    # given the template saved as xlsx by Excel: numbers are numeric cells, two lines of one order
    book = Workbook()
    sheet = book.active
    labels = [label for _name, label in TEMPLATE_COLUMNS]
    sheet.append(labels)
    row = dict.fromkeys(labels, None)
    row.update({"平台订单号": "X-1", "店铺编码": "S1", "实付金额": 25.5, "平台商品编码": "A", "数量": 2, "单价": 10})
    sheet.append(list(row.values()))
    row.update({"平台商品编码": "B", "数量": 1, "单价": 6.5})
    sheet.append(list(row.values()))
    content = BytesIO()
    book.save(content)
    # when parsed
    result = parse_order_file(content.getvalue(), "orders.xlsx")
    order = normalise_record(result.records[0])
    # then one order with two lines and exact decimals
    assert result.file_format == "ecerp" and len(result.records) == 1
    assert [(line.sku_code, line.quantity, line.unit_price) for line in order.lines] == [
        ("A", 2, Decimal("10.0000")), ("B", 1, Decimal("6.5000"))]
    assert order.paid_amount == Decimal("25.50") and order.discount == Decimal("1.00")
