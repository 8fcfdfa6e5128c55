"""Reads of after-sales: case lists and details inside the caller's stores, and a case's timeline."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from ecerp.aftersales.models import AfterSalesCase
from ecerp.core.admin_history import describe_entries, describe_states
from ecerp.core.errors import NotFound
from ecerp.masterdata.scopes import visible_stores
from ecerp.sales.queries import actor_label


def list_cases(*, user, type: str = "", status: str = "", store_id: int | None = None,  # noqa: A002
               store: str = "", q: str = "", date_from: datetime.date | None = None,
               date_to: datetime.date | None = None, order_id: int | None = None) -> QuerySet:
    """Cases of the caller's stores, newest first (dates on the creation time)."""
    cases = AfterSalesCase.objects.filter(store__in=visible_stores(user)).select_related("store", "order")
    if type:
        cases = cases.filter(type=type)
    if status:
        cases = cases.filter(status=status)
    if store_id:
        cases = cases.filter(store_id=store_id)
    if store:
        cases = cases.filter(store__code=store)
    if order_id:
        cases = cases.filter(order_id=order_id)
    if q:
        cases = cases.filter(Q(code__icontains=q) | Q(order__code__icontains=q)
                             | Q(order__platform_order_no__icontains=q) | Q(platform_refund_id__icontains=q))
    if date_from:
        cases = cases.filter(created_at__date__gte=date_from)
    if date_to:
        cases = cases.filter(created_at__date__lte=date_to)
    return cases.order_by("-id")


def get_case(*, user, pk: int) -> AfterSalesCase:
    """One case of the caller's stores (NotFound otherwise) with its lines loaded."""
    case = (AfterSalesCase.objects.filter(store__in=visible_stores(user), pk=pk)
            .select_related("store", "order", "shipment", "replacement_shipment")
            .prefetch_related("lines__order_line__product", "lines__replacement_product").first())
    if case is None:
        raise NotFound("售后单", pk)
    return case


def timeline(case: AfterSalesCase) -> list[dict]:
    """State moves and audit entries of a case, oldest first."""
    items = [{"at": row["at"], "kind": "state", "text": f"{row['from_state'] or '-'} → {row['to_state']}",
              "user": actor_label(row["user"]), "note": row["reason"]} for row in describe_states(case)]
    for entry in describe_entries(case):
        items.append({"at": entry.at, "kind": "audit", "text": str(entry.action_label),
                      "user": actor_label(entry.username),
                      "note": "; ".join(f"{change.label}: {change.before} → {change.after}"
                                        for change in entry.changes)[:500]})
    return sorted(items, key=lambda item: item["at"])
