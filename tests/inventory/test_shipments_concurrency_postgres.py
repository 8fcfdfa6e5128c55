"""PostgreSQL: parallel packers and shippers on one parcel never overcount scans nor issue twice."""

import pytest

from ecerp.inventory import services
from ecerp.inventory.models import MoveKind, ScanRecord, Shipment, StockBalance, StockMove
from tests.inventory.helpers import sku, warehouse
from tests.inventory.shipment_helpers import fresh_carrier, reserved_shipment, scan_all  # noqa: F401
from tests.inventory.test_concurrency_postgres import _in_parallel

BARCODE = "6900000000014"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_scans_of_the_last_units_count_each_unit_once():
    # given a parcel of 3 creams
    cream, wh = sku(barcode=BARCODE), warehouse()
    shipment = reserved_shipment([(cream, 3)], wh)

    # when 8 scanners scan the cream at the same moment
    def scan(_n):
        services.scan_item(user=None, shipment=shipment, barcode=BARCODE)
        return "ok"

    results = _in_parallel(scan, count=8)
    # then 3 are accepted, 5 refused as extra, and the parcel is packed
    assert results.count("ok") == 3 and results.count("EXTRA_ITEM") == 5
    assert ScanRecord.objects.filter(accepted=True).count() == 3
    assert Shipment.objects.get(pk=shipment.pk).status == "packed"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_ship_calls_issue_the_stock_once():
    cream, wh = sku(barcode=BARCODE), warehouse()
    shipment = reserved_shipment([(cream, 2)], wh)
    scan_all(shipment)

    def ship(_n):
        services.ship_shipment(user=None, shipment=Shipment.objects.get(pk=shipment.pk), carrier_code="SIM")
        return "ok"

    results = _in_parallel(ship, count=6)
    assert results.count("ok") == 1 and results.count("ALREADY_SHIPPED") == 5
    assert StockMove.objects.filter(kind=MoveKind.ISSUE).count() == 1
    balance = StockBalance.objects.get(product=cream, warehouse=wh)
    assert (balance.on_hand, balance.reserved) == (0, 0)
