"""`ecerp orders import` and `ecerp orders sync`."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ecerp.sales.adapters.platform import SimulatedPlatform, register_adapter
from ecerp.sales.models import QuarantinedRecord, SalesOrder
from tests.sales.helpers import SAMPLES, record, store

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("orders", *args, stdout=out)
    return out.getvalue()


def test_import_pdd_file_twice():
    store(code="PDD1", platform="pinduoduo")
    first = run("import", str(SAMPLES / "pdd_orders.csv"), "--store", "PDD1")
    second = run("import", str(SAMPLES / "pdd_orders.csv"), "--store", "PDD1", "--format", "pdd")
    assert "format: pdd" in first and "created=3" in first
    assert "unchanged=3" in second
    assert SalesOrder.objects.count() == 3


def test_import_taobao_with_items():
    store(code="TB1", platform="taobao")
    out = run("import", str(SAMPLES / "taobao_orders.csv"), "--store", "TB1",
              "--items", str(SAMPLES / "taobao_items.csv"))
    assert "created=4" in out and QuarantinedRecord.objects.count() == 0


def test_unknown_store_and_wrong_format_fail_clearly():
    store(code="DY1", platform="douyin")
    with pytest.raises(CommandError):
        run("import", str(SAMPLES / "douyin_orders.csv"), "--store", "NOPE")
    with pytest.raises(CommandError, match="无法识别"):
        run("import", str(SAMPLES / "douyin_orders.csv"), "--store", "DY1", "--format", "jd")


def test_sync_pulls_windows_from_a_registered_adapter():
    store(code="TM01")
    platform = SimulatedPlatform(name="sim-cmd")
    platform.publish(record("P1", updated="2024-05-01T10:00:00+08:00"))
    register_adapter("sim-cmd", lambda: platform)
    out = run("sync", "--store", "TM01", "--adapter", "sim-cmd", "--until", "2024-05-01T12:00:00+08:00")
    assert "created=1" in out
    assert SalesOrder.objects.get().platform_order_no == "P1"
