"""Small factories for kernel and master-data tests; each goes through the services."""

from __future__ import annotations

from decimal import Decimal

from stdnum.cn import ric, uscc

from ecerp.masterdata import services

VALID_ID_NUMBER = "110101199003071233"
OTHER_ID_NUMBER = "110105198505121238"
VALID_CREDIT_CODE = "91110000101623741K"


def id_number(body17: str) -> str:
    """Complete 17 characters (region + birth date + sequence) with the right check character."""
    return body17 + ric.calc_check_digit(body17 + "0")


def credit_code(body17: str) -> str:
    """Complete 17 characters of a unified social credit code with its check character."""
    return body17 + uscc.calc_check_digit(body17)


def make_department(user=None, name="运营部", **data):
    return services.save_department(user=user, data={"name": name, **data})


def make_employee(user=None, department=None, name="张三", **data):
    department = department or make_department(user, name="人事部")
    return services.save_employee(user=user, data={"name": name, "department": department, **data})


def make_partner(user=None, name="上海某某贸易有限公司", roles=("supplier",), **data):
    return services.save_partner(user=user, data={"name": name, "roles": list(roles), **data})


def make_product(user=None, name="面霜", **data):
    values = {"name": name, "unit": "件", "cost_price": Decimal("10"), "sale_price": Decimal("20")}
    values.update(data)
    return services.save_product(user=user, data=values)


def make_cross_border_product(user=None, name="进口面霜", **data):
    values = {"is_cross_border": True, "hs_code": "3304990099", "origin_country": "JP", "customs_unit": "035"}
    values.update(data)
    return make_product(user, name=name, **values)


def make_warehouse(user=None, name="上海仓", **data):
    return services.save_warehouse(user=user, data={"name": name, **data})


def make_store(user=None, name="天猫旗舰店", platform="tmall", shop_id="1001", **data):
    return services.save_store(user=user, data={"name": name, "platform": platform, "shop_id": shop_id, **data})
