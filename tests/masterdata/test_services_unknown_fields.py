"""Every save_* refuses a key of data that is no field of the type, naming it, and writes nothing."""

import pytest

from ecerp.core.errors import DomainError
from ecerp.core.models import AuditLog
from ecerp.masterdata import services
from ecerp.masterdata.models import (
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
from tests.core.factories import make_department, make_partner, make_product, make_warehouse

pytestmark = pytest.mark.django_db


def valid_data(user, model) -> dict:
    """Data each service would accept as it is (so only the unknown key can be refused)."""
    if model is Department:
        return {"name": "运营部"}
    if model is Employee:
        return {"name": "张三", "department": make_department(user, name="人事部")}
    if model is Partner:
        return {"name": "上海某某贸易有限公司", "roles": ["supplier"]}
    if model is PartnerContact:
        return {"name": "王芳", "partner": make_partner(user)}
    if model is PartnerBankAccount:
        return {"partner": make_partner(user), "bank_name": "工商银行", "account_name": "某某贸易",
                "account_number": "6222020200001234567", "currency": "CNY"}
    if model is Category:
        return {"name": "面部护理"}
    if model is Product:
        return {"name": "面霜", "unit": "件"}
    if model is Warehouse:
        return {"name": "上海仓"}
    if model is Location:
        return {"warehouse": make_warehouse(user), "code": "A-01"}
    return {"name": "天猫旗舰店", "platform": "tmall", "shop_id": "1001"}


SAVES = {
    Department: services.save_department,
    Employee: services.save_employee,
    Partner: services.save_partner,
    PartnerContact: services.save_partner_contact,
    PartnerBankAccount: services.save_partner_bank_account,
    Category: services.save_category,
    Product: services.save_product,
    Warehouse: services.save_warehouse,
    Location: services.save_location,
    Store: services.save_store,
}


@pytest.mark.parametrize("model", list(SAVES), ids=lambda model: model.__name__)
def test_an_unknown_key_is_refused_naming_it(admin_user, model):
    # given data the service accepts, plus a misspelt key and the primary key
    data = valid_data(admin_user, model)
    rows_before = model.objects.count()
    audit_before = AuditLog.objects.count()
    # when it is saved
    with pytest.raises(DomainError) as error:
        SAVES[model](user=admin_user, data={**data, "nmae": "错字", "id": 99})
    # then each unknown key is an INVALID_VALUE naming it, and nothing was written
    assert [(detail.field, detail.code) for detail in error.value.details] == [
        ("nmae", "INVALID_VALUE"), ("id", "INVALID_VALUE")]
    assert "「nmae」" in error.value.details[0].message
    assert model.objects.count() == rows_before and AuditLog.objects.count() == audit_before
    # and the same data without them is saved
    assert SAVES[model](user=admin_user, data=data).pk is not None


def test_field_names_and_their_id_columns_are_both_known(admin_user):
    # given a department, an employee can be saved by department or by department_id
    department = make_department(admin_user, name="人事部")
    employee = services.save_employee(user=admin_user, data={"name": "李四", "department_id": department.pk})
    assert employee.department == department
    # and an update with an unknown key changes nothing
    product = make_product(admin_user, name="面霜")
    with pytest.raises(DomainError):
        services.save_product(user=admin_user, instance=product, data={"name": "新名", "colour": "红"})
    product.refresh_from_db()
    assert product.name == "面霜"
