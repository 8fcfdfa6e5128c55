"""Pick waves: many parcels of one warehouse, summed per SKU, in location order; printable."""

import pytest

from ecerp.core.errors import DomainError
from ecerp.inventory import pdf, services
from ecerp.inventory.models import PickWave, Shipment
from ecerp.inventory.services import MoveLine
from ecerp.inventory.services.picking import pick_order
from ecerp.inventory.states import ShipmentStatus
from ecerp.masterdata import services as masterdata_services
from ecerp.masterdata.models import Location
from tests.inventory.helpers import sku, warehouse
from tests.inventory.shipment_helpers import fresh_carrier, reserved_shipment  # noqa: F401

pytestmark = pytest.mark.django_db


def _location(wh, code, sequence):
    return masterdata_services.save_location(user=None, data={"warehouse": wh, "code": code, "name": code,
                                                              "pick_sequence": sequence})


def _put_away(product, wh, location, quantity=10):
    services.receive_stock(user=None, lines=[MoveLine(product=product, warehouse=wh, quantity=quantity,
                                                      location=location)])


def test_pick_order_puts_unassigned_skus_last():
    # given locations out of order (pure: no database needed for the sort)
    far, near = Location(code="C-09", pick_sequence=30), Location(code="A-01", pick_sequence=10)
    assert pick_order([(1, None), (2, far), (3, near)]) == [(3, near), (2, far), (1, None)]


def test_a_wave_sums_lines_per_sku_sorted_by_the_location_they_were_put_away_in():
    # given three SKUs put away at C (seq 30), A (seq 10) and nowhere, and two orders
    wh = warehouse()
    cream, lotion, mask = sku("面霜"), sku("乳液"), sku("面膜")
    old, far, near = _location(wh, "Z-99", 5), _location(wh, "C-09", 30), _location(wh, "A-01", 10)
    _put_away(cream, wh, old)
    _put_away(cream, wh, far)  # the latest receipt decides: C-09, not Z-99
    _put_away(lotion, wh, near)
    _put_away(mask, wh, None)
    first = reserved_shipment([(cream, 2), (mask, 1)], wh, reference="SO1", stock=False)
    second = reserved_shipment([(cream, 1), (lotion, 3)], wh, reference="SO2", stock=False)
    # when a wave is made of both
    wave = services.create_pick_wave(user=None, warehouse=wh, shipments=[first, second])
    # then one line per SKU, summed, in walking order, unassigned last
    assert wave.code.startswith("BC")
    assert [(line.product_id, line.location.code if line.location else None, line.quantity)
            for line in wave.lines.all()] == [(lotion.pk, "A-01", 3), (cream.pk, "C-09", 3), (mask.pk, None, 1)]
    # and the parcels are being picked in that wave
    assert set(Shipment.objects.values_list("status", "wave_id")) == {(ShipmentStatus.PICKING, wave.pk)}


def test_a_wave_takes_only_waiting_parcels_of_its_warehouse():
    wh, other = warehouse("上海仓"), warehouse("广州仓")
    cream = sku()
    here = reserved_shipment([(cream, 1)], wh, reference="SO1")
    there = reserved_shipment([(cream, 1)], other, reference="SO2")
    with pytest.raises(DomainError) as error:
        services.create_pick_wave(user=None, warehouse=wh, shipments=[here, there])
    assert error.value.code == "WAVE_WAREHOUSE_MISMATCH" and there.code in str(error.value)
    services.create_pick_wave(user=None, warehouse=wh, shipments=[here])
    with pytest.raises(DomainError) as error:
        services.create_pick_wave(user=None, warehouse=wh, shipments=[here])
    assert error.value.code == "SHIPMENT_NOT_OPEN"
    with pytest.raises(DomainError) as error:
        services.create_pick_wave(user=None, warehouse=wh, shipments=[])
    assert error.value.code == "NO_LINES"
    assert PickWave.objects.count() == 1


def test_the_pick_list_prints_as_a_pdf():
    wh, cream = warehouse(), sku("面霜")
    wave = services.create_pick_wave(user=None, warehouse=wh,
                                     shipments=[reserved_shipment([(cream, 2)], wh, reference="SO1")])
    data = pdf.pick_list_pdf(wave)
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") >= 1
    assert b"STSong-Light" in data
