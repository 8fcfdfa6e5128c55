"""Pure arithmetic and version ordering of sales (no database)."""

import datetime
from decimal import Decimal

from ecerp.sales import calculations
from ecerp.sales.adapters.cells import clean, split_taobao_address


def test_discount_is_spread_pro_rata_and_sums_exactly():
    # given three lines and a discount that does not divide evenly
    parts = calculations.allocate_discount([Decimal("10.00"), Decimal("10.00"), Decimal("10.00")], Decimal("1.00"))
    # then the parts are cents summing to the discount
    assert sum(parts) == Decimal("1.00")
    assert sorted(parts) == [Decimal("0.33"), Decimal("0.33"), Decimal("0.34")]


def test_discount_follows_line_weight():
    parts = calculations.allocate_discount([Decimal("118.00"), Decimal("40.00")], Decimal("2.00"))
    assert parts == [Decimal("1.49"), Decimal("0.51")]


def test_derived_discount_never_negative():
    assert calculations.derived_discount(Decimal("158"), Decimal("0"), Decimal("156")) == Decimal("2.00")
    assert calculations.derived_discount(Decimal("10"), Decimal("0"), Decimal("12")) == Decimal("0.00")


def test_cancelled_statuses_of_every_platform():
    for status in ("交易关闭", "已取消", "已关闭", "(删除)等待出库", "未发货，退款成功"):
        assert calculations.is_cancelled_status(status), status
    for status in ("待发货", "交易成功", "等待出库", "已发货，退款成功"):
        assert not calculations.is_cancelled_status(status), status


def test_version_order_is_by_time_then_hash_and_undated_arrivals_win():
    early = datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC)
    late = early + datetime.timedelta(minutes=1)
    assert calculations.is_newer((late, "a"), (early, "b"))
    assert not calculations.is_newer((early, "b"), (late, "a"))
    assert not calculations.is_newer((late, "a"), (late, "a"))
    assert calculations.is_newer((late, "b"), (late, "a")) != calculations.is_newer((late, "a"), (late, "b"))
    assert calculations.is_newer((None, "b"), (late, "a"))


def test_cells_lose_their_junk():
    assert clean('="3901234567890123456"') == "3901234567890123456"
    assert clean("'138****0001") == "138****0001"
    assert clean("156.00元") == "156.00"
    assert clean("1\t") == "1"
    assert clean("\t") == ""
    assert clean("--") == ""
    assert clean("￥12.30") == "12.30"


def test_taobao_address_is_split_and_postcode_dropped():
    parts = split_taobao_address("浙江省 杭州市 西湖区 文新街道示例路88号1幢101室(310012)")
    assert parts == {"province": "浙江省", "city": "杭州市", "district": "西湖区",
                     "address": "文新街道示例路88号1幢101室"}
