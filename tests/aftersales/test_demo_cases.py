"""The demo company's after-sales cases and warehouse documents: written through the services on the demo
orders, in every state the pages show; loading twice creates nothing; balances agree with the ledger."""

import time

import pytest
from django.core.management import call_command

from ecerp.aftersales.demo import DEMO_AFTERSALES_KEY, build_demo_aftersales
from ecerp.aftersales.models import AfterSalesCase, AfterSalesLine
from ecerp.aftersales.states import CaseStatus, CaseType
from ecerp.core import services as core_services
from ecerp.inventory.models import (
    PickWave,
    Shipment,
    StockDocument,
    StockMove,
    Stocktake,
    StoreStockPolicy,
    Transfer,
)
from ecerp.inventory.services import check_stock_balances
from ecerp.inventory.states import DocumentStatus, ShipmentStatus, StocktakeStatus, TransferStatus
from ecerp.masterdata.demo import build_demo_company
from ecerp.masterdata.models import Store, Warehouse, WarehouseType
from ecerp.sales.demo import build_demo_orders

pytestmark = pytest.mark.django_db

TABLES = [AfterSalesCase, AfterSalesLine, PickWave, Shipment, StockDocument, StockMove, Stocktake, Transfer,
          StoreStockPolicy, Warehouse]


def test_demo_aftersales_fill_the_pages_through_the_services():
    # given the demo company and its orders
    build_demo_company(None)
    build_demo_orders(None)
    # when the after-sales demo is loaded
    started = time.perf_counter()
    counts = build_demo_aftersales(None)
    assert time.perf_counter() - started < 10
    # then five cases, one per path, each on a different shipped order
    cases = {(case.type, case.status): case for case in AfterSalesCase.objects.select_related("order")}
    assert set(cases) == {(CaseType.REFUND_ONLY, CaseStatus.REFUNDED), (CaseType.RETURN_REFUND, CaseStatus.REFUNDED),
                          (CaseType.EXCHANGE, CaseStatus.RESHIPPED), (CaseType.INTERCEPT, CaseStatus.INTERCEPTING),
                          (CaseType.RETURN_REFUND, CaseStatus.REQUESTED)}
    assert counts["cases"] == 5 == len({case.order_id for case in cases.values()})
    assert counts["cases_refunded"] == 2 and counts["cases_requested"] == 1
    assert all(case.refunded_amount == case.refund_amount > 0 for (_type, status), case in cases.items()
               if status == CaseStatus.REFUNDED)
    # the return: one unit back on the shelf, one damaged into the new defective warehouse
    defective = Warehouse.objects.get(type=WarehouseType.DEFECTIVE)
    returned = cases[(CaseType.RETURN_REFUND, CaseStatus.REFUNDED)]
    lines = list(returned.lines.all())
    assert sum(line.sellable_quantity for line in lines) == 1 and sum(line.damaged_quantity for line in lines) == 1
    damaged = StockMove.objects.filter(document_id=str(returned.pk), kind="return_in", warehouse=defective)
    assert damaged.exists() and counts["defective_warehouses"] == 1
    # the exchange has its replacement parcel, the intercepted parcel is being stopped
    assert cases[(CaseType.EXCHANGE, CaseStatus.RESHIPPED)].replacement_shipment_id
    assert cases[(CaseType.INTERCEPT, CaseStatus.INTERCEPTING)].shipment.status == ShipmentStatus.INTERCEPTING
    # warehouse paperwork: a pick wave, a confirmed other receipt, a transfer in transit, a stocktake counting
    wave = PickWave.objects.get()
    assert wave.shipments.count() == counts["wave_parcels"] >= 2
    assert set(wave.shipments.values_list("status", flat=True)) == {ShipmentStatus.PICKING}
    assert StockDocument.objects.get().status == DocumentStatus.CONFIRMED
    transfer = Transfer.objects.get()
    assert transfer.status == TransferStatus.SHIPPED and transfer.lines.exists()
    stocktake = Stocktake.objects.get()
    assert stocktake.status == StocktakeStatus.COUNTING
    assert stocktake.lines.filter(counted_quantity__isnull=False).exists()
    assert stocktake.lines.filter(counted_quantity__isnull=True).exists()
    # every store has an available-to-sell policy from a sellable warehouse
    policies = list(StoreStockPolicy.objects.prefetch_related("warehouses"))
    assert len(policies) == Store.objects.count() == counts["store_policies"]
    assert all(w.type in (WarehouseType.NORMAL, WarehouseType.BONDED) for p in policies for w in p.warehouses.all())
    # and the balances still agree with the ledger
    assert check_stock_balances() == []
    assert core_services.get_setting(DEMO_AFTERSALES_KEY)


def test_demo_aftersales_load_once_and_the_command_says_so(capsys):
    # given the whole demo loaded by the command
    call_command("demo")
    out = capsys.readouterr().out
    assert "售后单 after-sales cases: 5" in out and "拣货波次 pick waves: 1" in out
    before = {model: model.objects.count() for model in TABLES}
    # when it is loaded again, directly and by the command
    assert build_demo_aftersales(None) == {}
    call_command("demo")
    # then nothing new is written
    assert "未重复创建" in capsys.readouterr().out
    assert {model: model.objects.count() for model in TABLES} == before


def test_demo_aftersales_need_the_demo_orders():
    # given the demo company without its orders
    build_demo_company(None)
    # then the after-sales demo writes nothing (and can still load later)
    assert build_demo_aftersales(None) == {}
    assert not AfterSalesCase.objects.exists() and not core_services.get_setting(DEMO_AFTERSALES_KEY)
