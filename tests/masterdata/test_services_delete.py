"""Deleting master data: refused while in use, with a clear message; audited."""

import pytest

from ecerp.core.errors import Conflict, DomainError, NotFound
from ecerp.core.models import AuditLog
from ecerp.masterdata import services
from ecerp.masterdata.models import Department, Product
from tests.core.factories import make_department, make_employee, make_partner, make_product, make_store


@pytest.mark.django_db
def test_department_with_employees_cannot_be_deleted(admin_user):
    # given a department with two employees
    department = make_department(admin_user, name="客服部")
    make_employee(admin_user, department=department, name="甲")
    make_employee(admin_user, department=department, name="乙")
    # when it is deleted
    with pytest.raises(DomainError) as error:
        services.delete_record(user=admin_user, instance=department)
    # then IN_USE (409) says what refers to it and suggests deactivating
    assert isinstance(error.value, Conflict) and error.value.http_status == 409
    assert error.value.code == "IN_USE"
    message = str(error.value)
    assert "客服部" in message and "「员工」2 条" in message and "停用" in message
    assert Department.objects.filter(pk=department.pk).exists()
    assert not AuditLog.objects.filter(action="delete").exists()


@pytest.mark.django_db
def test_component_and_store_partner_in_use(admin_user):
    # given a product used in a bundle and a partner running a store
    box, cream = make_product(admin_user, name="礼盒"), make_product(admin_user, name="面霜")
    services.set_bundle_components(user=admin_user, bundle=box, components=[(cream, 1)])
    company = make_partner(admin_user, roles=["ecommerce"])
    make_store(admin_user, type="cbec_9610", ecommerce_company=company)
    # then neither can be deleted
    for instance, referrer in ((cream, "组合明细"), (company, "店铺")):
        with pytest.raises(DomainError) as error:
            services.delete_record(user=admin_user, instance=instance)
        assert error.value.code == "IN_USE" and referrer in str(error.value)
    # and the bundle itself can be deleted, taking its component lines with it
    services.delete_record(user=admin_user, instance=box)
    assert list(Product.objects.values_list("name", flat=True)) == ["面霜"]


@pytest.mark.django_db
def test_deleting_twice_is_not_found(admin_user):
    department = make_department(admin_user)
    services.delete_record(user=admin_user, instance=department)
    with pytest.raises(NotFound):
        services.delete_record(user=admin_user, instance=department)
    assert AuditLog.objects.filter(action="delete").count() == 1
