"""Fulfilment pages: a packer scans a parcel with a barcode scanner, waves and ships from the list."""

import pytest
from django.test import Client

from ecerp.inventory.models import PickWave, Shipment, StoreStockPolicy
from ecerp.inventory.states import ShipmentStatus
from tests.core.factories import make_store
from tests.inventory.helpers import receive, sku, warehouse
from tests.inventory.shipment_helpers import fresh_carrier, reserved_shipment, scan_all  # noqa: F401

pytestmark = pytest.mark.django_db
BARCODE = "6900000000014"


def _login(make_user, role):
    make_user(f"page-{role}", role=role)
    client = Client()
    assert client.login(username=f"page-{role}", password="Secret-pass-123")
    return client


def test_a_packer_scans_a_parcel_on_the_scan_page_and_a_wrong_item_turns_it_red(make_user):
    cream, lotion, wh = sku("面霜", barcode=BARCODE), sku("乳液", barcode="6900000000021"), warehouse()
    shipment = reserved_shipment([(cream, 2)], wh)
    packer = _login(make_user, "warehouse")
    page = packer.get(f"/inventory/shipments/{shipment.pk}/scan/")
    html = page.content.decode()
    assert page.status_code == 200 and 'name="barcode"' in html and "autofocus" in html
    # a wrong item: refused, red banner naming the barcode, a beep
    wrong = packer.post(f"/inventory/shipments/{shipment.pk}/scan/", {"barcode": "6900000000021"})
    assert wrong.status_code == 400
    assert 'id="scan-refused"' in wrong.content.decode() and "6900000000021" in wrong.content.decode()
    assert "AudioContext" in wrong.content.decode()
    # two right ones: the parcel is packed, and a reload shows the progress
    assert packer.post(f"/inventory/shipments/{shipment.pk}/scan/", {"barcode": BARCODE}).status_code == 302
    assert "1 / 2" in packer.get(f"/inventory/shipments/{shipment.pk}/scan/").content.decode()
    packer.post(f"/inventory/shipments/{shipment.pk}/scan/", {"barcode": BARCODE})
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PACKED
    # then it ships from the detail page
    packer.post(f"/inventory/shipments/{shipment.pk}/ship/", {"carrier": "SIM"})
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.SHIPPED and shipment.waybill_no
    assert lotion.pk  # the lotion was never in the parcel


def test_the_list_filters_waves_and_batch_ships(make_user):
    cream, wh = sku(barcode=BARCODE), warehouse()
    first = reserved_shipment([(cream, 1)], wh, reference="SO1")
    second = reserved_shipment([(cream, 1)], wh, reference="SO2")
    clerk = _login(make_user, "warehouse")
    listed = clerk.get("/inventory/shipments/", {"status": "created"}).content.decode()
    assert first.code in listed and second.code in listed
    # a wave of both, its pick list as PDF
    response = clerk.post("/inventory/waves/new/", {"ids": [first.pk, second.pk]})
    wave = PickWave.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/inventory/waves/{wave.pk}/"
    assert clerk.get(f"/inventory/waves/{wave.pk}/pick-list.pdf").content.startswith(b"%PDF")
    assert first.code not in clerk.get("/inventory/shipments/", {"status": "created"}).content.decode()
    # one scanned, both sent to batch ship: one ships, the other is reported
    scan_all(first)
    clerk.post("/inventory/shipments/ship/", {"ids": [first.pk, second.pk], "carrier": "SIM"})
    assert dict(Shipment.objects.values_list("pk", "status")) == {first.pk: "shipped", second.pk: "picking"}
    labels = clerk.post("/inventory/shipments/labels/", {"ids": [first.pk]})
    assert labels["Content-Type"] == "application/pdf"


def test_the_detail_masks_the_consignee_and_other_roles_cannot_scan(make_user):
    cream, wh = sku(), warehouse()
    shipment = reserved_shipment([(cream, 1)], wh)
    viewer = _login(make_user, "finance")
    detail = viewer.get(f"/inventory/shipments/{shipment.pk}/").content.decode()
    assert "138****5678" in detail and "13812345678" not in detail
    assert viewer.post(f"/inventory/shipments/{shipment.pk}/scan/", {"barcode": "x"}).status_code == 403
    admin = _login(make_user, "admin")
    assert "13812345678" in admin.get(f"/inventory/shipments/{shipment.pk}/").content.decode()
    assert viewer.get("/inventory/shipments/999999/").status_code == 404


def test_available_to_sell_page_saves_a_policy_and_shows_the_quantities(make_user):
    cream, wh = sku("面霜"), warehouse()
    receive(cream, wh, 10)
    store = make_store()
    clerk = _login(make_user, "warehouse")
    bad = clerk.post("/inventory/available/policy/", {"store": store.pk, "warehouses": [wh.pk], "share_ratio": "2"},
                     follow=True)
    assert "共享比例" in bad.content.decode() and not StoreStockPolicy.objects.exists()
    clerk.post("/inventory/available/policy/", {"store": store.pk, "warehouses": [wh.pk], "share_ratio": "0.5",
                                                "default_safety_stock": "2", "safety_stocks": ""})
    page = clerk.get("/inventory/available/", {"store": store.pk}).content.decode()
    assert cream.code in page and "<strong>4</strong>" in page


def test_the_admin_shows_parcels_without_their_consignee(make_user):
    cream, wh = sku(), warehouse()
    shipment = reserved_shipment([(cream, 1)], wh)
    admin = _login(make_user, "admin")
    from django.urls import reverse

    listing = admin.get(reverse("admin:inventory_shipment_changelist"))
    detail = admin.get(reverse("admin:inventory_shipment_change", args=[shipment.pk]))
    assert listing.status_code == 200 and shipment.code in listing.content.decode()
    assert detail.status_code == 200 and "13812345678" not in detail.content.decode()
    assert "138****5678" not in detail.content.decode()
