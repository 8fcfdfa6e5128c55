"""/masterdata/ is the master data index (it used to answer 404)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _client(make_user, username, role):
    make_user(username, role=role)
    client = Client()
    assert client.login(username=username, password="Secret-pass-123")
    return client


@pytest.mark.parametrize("role", ["admin", "warehouse", "finance"])
def test_masterdata_opens_the_master_data_index(make_user, role):
    client = _client(make_user, f"md-{role}", role)
    # when a role that may see master data opens /masterdata/
    response = client.get("/masterdata/")
    # then it lands on the admin's master data index, which lists the kinds it may open
    assert response.status_code == 302 and response["Location"] == "/admin/masterdata/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "商品" in page.content.decode()


def test_masterdata_without_master_data_rights_goes_to_the_home_page(make_user):
    client = _client(make_user, "md-nobody", None)
    response = client.get("/masterdata/")
    assert response.status_code == 302 and response["Location"] == "/#module-masterdata"
    assert client.get("/").status_code == 200


def test_masterdata_index_needs_a_login():
    response = Client().get("/masterdata/")
    assert response.status_code == 302 and "/login/" in response["Location"]
