"""Demo declarations: the demo's cross-border orders declared with made-up buyer identities; a few fail their
pre-checks on purpose (invalid ID number, payer not the buyer, consignee mismatch) so the console has
exceptions to show, the rest are submitted (their messages wait for the exchange). Idempotent."""

from __future__ import annotations

import datetime

from django.db import transaction
from stdnum.cn import ric

from ecerp.customs.models import Declaration
from ecerp.customs.services.declarations import create_declarations, submit_declaration
from ecerp.customs.states import DeclarationStatus
from ecerp.sales.models import SalesOrder
from ecerp.sales.states import OrderStatus

# Real county codes (GB/T 2260) for the made-up buyers.
AREAS = ("110101", "310104", "330106", "440305", "510107", "420106")
# Every n-th order gets one pre-check failure, in this rotation.
FAILING_EVERY = 7
FAILURES = (
    {"buyer_id_number": "110101199003071234"},  # wrong check digit
    {"payer_name": "王五"},                      # payer is not the buyer
    {"waybill_consignee_phone": "13900000000"},  # order and waybill disagree
)


def demo_id_number(index: int) -> str:
    """A valid resident ID number for the index-th demo buyer (born 1980-1999)."""
    born = datetime.date(1980 + index % 20, 1 + index % 12, 1 + index % 28)
    body = f"{AREAS[index % len(AREAS)]}{born:%Y%m%d}{100 + index % 900:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum takes the full number and ignores its last character


def demo_identity(order: SalesOrder, index: int) -> dict:
    identity = {
        "buyer_name": order.consignee_name or f"买家{index}", "buyer_id_number": demo_id_number(index),
        "buyer_phone": order.consignee_phone or f"1380000{index:04d}",
        "logistics_no": f"CN{order.pk:010d}DEMO", "pay_transaction_id": f"2026{order.pk:012d}",
    }
    if index % FAILING_EVERY == FAILING_EVERY - 1:
        identity.update(FAILURES[(index // FAILING_EVERY) % len(FAILURES)])
    return identity


def build_demo_declarations(user, *, limit: int = 200) -> dict[str, int]:
    """Declare the demo's cross-border orders not declared yet (up to limit); submit those that pass.

    Orders of stores with a customs channel profile, paid (not cancelled or still awaiting payment).
    Returns {"declarations": created, "submitted": n, "precheck_failed": n}; idempotent (an order with a
    declaration is skipped).
    """
    counts = {"declarations": 0, "submitted": 0, "precheck_failed": 0}
    orders = list(SalesOrder.objects.filter(store__customs_channel__isnull=False, customs_declaration__isnull=True,
                                            lines__product__isnull=False)
                  .exclude(status__in=[OrderStatus.CANCELLED]).distinct()
                  .select_related("store").order_by("pk")[:limit])
    if not orders:
        return counts
    start = Declaration.objects.count()
    for index, order in enumerate(orders, start=start):
        if order.lines.filter(product__isnull=True).exists():
            continue
        with transaction.atomic():
            declaration = create_declarations(user=user, orders=[order],
                                              identities={order.pk: demo_identity(order, index)})[0]
            counts["declarations"] += 1
            if declaration.status == DeclarationStatus.READY:
                submit_declaration(user=user, declaration=declaration)
                counts["submitted"] += 1
            else:
                counts["precheck_failed"] += 1
    return counts
