"""Personal data at rest: encrypted columns, keyed lookup hashes and the masks."""

import pytest
from django.db import connection

from ecerp.core import crypto
from ecerp.masterdata.models import Employee
from tests.core.factories import VALID_ID_NUMBER, make_employee


@pytest.mark.django_db
def test_id_number_and_phone_are_ciphertext_in_the_table(admin_user):
    # given an employee saved with an ID number and a phone
    employee = make_employee(admin_user, id_number=VALID_ID_NUMBER, phone="13812345678")
    # when the raw columns are read with SQL, bypassing the ORM
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM masterdata_employee WHERE id = %s", [employee.pk])
        stored_id, stored_phone = cursor.fetchone()
    # then they hold ciphertext, never the numbers
    assert stored_id.startswith("enc1:") and stored_phone.startswith("enc1:")
    assert VALID_ID_NUMBER not in stored_id and "13812345678" not in stored_phone
    assert "12345678" not in stored_phone
    # and the model reads them back in clear
    fresh = Employee.objects.get(pk=employee.pk)
    assert (fresh.id_number, fresh.phone) == (VALID_ID_NUMBER, "13812345678")
    assert Employee.objects.filter(pk=employee.pk).values_list("id_number", flat=True).get() == VALID_ID_NUMBER


@pytest.mark.django_db
def test_same_value_encrypts_differently_each_time():
    # given one clear value encrypted twice
    first, second = crypto.encrypt("13812345678"), crypto.encrypt("13812345678")
    # then the ciphertexts differ (random IV) and both decrypt to the value
    assert first != second
    assert crypto.decrypt(first) == crypto.decrypt(second) == "13812345678"


@pytest.mark.django_db
def test_blank_personal_data_stays_blank(admin_user):
    employee = make_employee(admin_user)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM masterdata_employee WHERE id = %s", [employee.pk])
        assert cursor.fetchone()[0] == ""


def test_lookup_hash_is_keyed_and_normalised(settings):
    # given the same ID number typed with a lowercase x and spaces
    assert crypto.lookup_hash(" 31010119850512123x ") == crypto.lookup_hash("31010119850512123X")
    # then it is not a plain hash of the value, and another key gives another hash
    before = crypto.lookup_hash("31010119850512123X")
    settings.ECERP_DATA_KEY = crypto.Fernet.generate_key().decode()
    assert crypto.lookup_hash("31010119850512123X") != before


def test_ciphertext_under_another_key_does_not_leak(settings):
    # given a value encrypted under one key
    stored = crypto.encrypt("secret")
    # when the key changes
    settings.ECERP_DATA_KEY = crypto.Fernet.generate_key().decode()
    # then decrypting gives a marker, never garbage or the ciphertext
    assert crypto.decrypt(stored) == "<无法解密>"


def test_masks_exact_outputs():
    assert crypto.mask_id_number("110101199003071233") == "110101********1233"
    assert crypto.mask_id_number("31010119850512123X") == "310101********123X"
    assert crypto.mask_id_number("1234") == "****"
    assert crypto.mask_id_number("") == ""
    assert crypto.mask_phone("13812345678") == "138****5678"
    assert crypto.mask_phone("010-12345678") == "010*****5678"
    assert crypto.mask_phone("1234567") == "1****67"
    assert crypto.mask_phone("123") == "***"
    assert crypto.mask_text("北京市朝阳区建国路88号") == "北京市朝********"
    assert crypto.mask_text("王五") == "王*"
    assert crypto.mask_value("13812345678", "phone") == "138****5678"
    assert crypto.mask_value("110101199003071233", "id_number") == "110101********1233"
    assert crypto.mask_value(None, "address") == ""


@pytest.mark.django_db
def test_clear_text_looking_like_ciphertext_is_still_encrypted():
    # given a value that starts with the prefix but is no ciphertext (written bypassing the services)
    from tests.core.factories import make_department

    employee = Employee.objects.create(code="E1", name="x", department=make_department(None),
                                       id_number="enc1:not-a-token")
    # then it is stored encrypted and reads back as typed
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM masterdata_employee WHERE id = %s", [employee.pk])
        assert cursor.fetchone()[0] != "enc1:not-a-token"
    assert Employee.objects.get(pk=employee.pk).id_number == "enc1:not-a-token"


@pytest.mark.django_db
def test_saving_under_a_wrong_key_keeps_the_stored_value(admin_user, settings):
    # given an employee saved under the current key
    employee = make_employee(admin_user, id_number=VALID_ID_NUMBER)
    right_key = settings.ECERP_DATA_KEY
    # when the key is wrong (misconfigured server) and the record is saved anyway
    settings.ECERP_DATA_KEY = crypto.Fernet.generate_key().decode()
    loaded = Employee.objects.get(pk=employee.pk)
    assert loaded.id_number == "<无法解密>"
    loaded.position = "主管"
    loaded.save()
    # then, back under the right key, the ID number is intact
    settings.ECERP_DATA_KEY = right_key
    assert Employee.objects.get(pk=employee.pk).id_number == VALID_ID_NUMBER
