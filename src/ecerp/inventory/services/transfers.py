"""Transfers between warehouses (调拨): draft -> shipped (in transit) -> received; a draft may be cancelled.

Shipping takes the goods out of the source at its moving average (transfer_out moves) and
freezes each line's unit cost and value; receiving brings exactly that value into the
destination (transfer_in moves), where it joins the destination's own average. Between the
two the goods are in transit: on the transfer, in no warehouse's on hand.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecerp.core.audit import record_change, snapshot
from ecerp.core.models import AuditAction
from ecerp.core.states import move
from ecerp.inventory.errors import InventoryError, InventoryInvalid
from ecerp.inventory.events import STOCK_TRANSFERRED, publish_moves
from ecerp.inventory.models import MoveKind, Transfer, TransferLine
from ecerp.inventory.services.codes import next_document_code
from ecerp.inventory.services.ledger import MoveLine, check_quantity, check_stockable, post_moves
from ecerp.inventory.states import TRANSFER_TRANSITIONS, TransferStatus
from ecerp.masterdata.models import Product, Warehouse

DOCUMENT_TYPE = "inventory.transfer"
LABELS = dict(TransferStatus.choices)


def _check_draft(transfer: Transfer) -> None:
    if transfer.status != TransferStatus.DRAFT:
        raise InventoryInvalid(InventoryError.NOT_DRAFT, _("单据「%(code)s」已不是草稿，不能修改"), field="status",
                               code=transfer.code)


def _add_line(transfer: Transfer, *, index: int, product: Product, quantity: int) -> TransferLine:
    check_stockable(product, field=f"lines.{index + 1}.product")
    check_quantity(quantity, field=f"lines.{index + 1}.quantity")
    line_no = (transfer.lines.order_by("-line_no").values_list("line_no", flat=True).first() or 0) + 1
    return TransferLine.objects.create(transfer=transfer, line_no=line_no, product=product, quantity=quantity)


def create_transfer(*, user, from_warehouse: Warehouse, to_warehouse: Warehouse, reason: str = "",
                    lines: list[dict] | None = None) -> Transfer:
    """Create a draft transfer (code DB...). lines: dicts with product and quantity.

    Raises SAME_WAREHOUSE when both warehouses are one, and the line errors naming lines.<n>.<field>.
    """
    if from_warehouse.pk == to_warehouse.pk:
        raise InventoryInvalid(InventoryError.SAME_WAREHOUSE, _("调出仓库和调入仓库不能相同：%(warehouse)s"),
                               field="to_warehouse", warehouse=to_warehouse.code)
    with transaction.atomic():
        transfer = Transfer.objects.create(code=next_document_code("transfer"), from_warehouse=from_warehouse,
                                           to_warehouse=to_warehouse, reason=reason[:200],
                                           created_by=user if getattr(user, "pk", None) else None)
        for index, line in enumerate(lines or []):
            _add_line(transfer, index=index, **line)
        record_change(user=user, action=AuditAction.CREATE, instance=transfer, after=snapshot(transfer))
        return transfer


def add_transfer_line(*, user, transfer: Transfer, product: Product, quantity: int) -> TransferLine:
    """Add a line to a draft transfer (NOT_DRAFT otherwise)."""
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
        _check_draft(transfer)
        line = _add_line(transfer, index=transfer.lines.count(), product=product, quantity=quantity)
        record_change(user=user, action=AuditAction.CREATE, instance=line, after=snapshot(line))
        return line


def remove_transfer_line(*, user, line: TransferLine) -> None:
    """Remove a line of a draft transfer (NOT_DRAFT otherwise)."""
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().get(pk=line.transfer_id)
        _check_draft(transfer)
        record_change(user=user, action=AuditAction.DELETE, instance=line, before=snapshot(line))
        line.delete()


def ship_transfer(*, user, transfer: Transfer) -> Transfer:
    """Send the goods: transfer_out moves from the source at its average; the transfer is in transit.

    Publishes StockTransferred (stage "shipped"). Shipping again is a no-op. Raises NO_LINES,
    INSUFFICIENT_STOCK (nothing leaves), INVALID_TRANSITION from cancelled.
    """
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().select_related("from_warehouse", "to_warehouse").get(
            pk=transfer.pk)
        if transfer.status in (TransferStatus.SHIPPED, TransferStatus.RECEIVED):
            return transfer
        lines = list(transfer.lines.select_related("product"))
        if transfer.status == TransferStatus.DRAFT and not lines:
            raise InventoryInvalid(InventoryError.NO_LINES, _("单据「%(code)s」没有明细"), field="lines",
                                   code=transfer.code)
        move(user=user, obj=transfer, to_state=TransferStatus.SHIPPED, transitions=TRANSFER_TRANSITIONS,
             labels=LABELS)
        now = timezone.now()
        moves = post_moves(
            user=user, kind=MoveKind.TRANSFER_OUT,
            lines=[MoveLine(product=line.product, warehouse=transfer.from_warehouse, quantity=line.quantity,
                            document_line=str(line.line_no)) for line in lines],
            document_type=DOCUMENT_TYPE, document_id=transfer.pk, document_code=transfer.code,
            reason=transfer.reason, occurred_at=now,
        )
        for line, stock_move in zip(lines, moves, strict=True):
            line.unit_cost, line.value = stock_move.unit_cost, -stock_move.value
        TransferLine.objects.bulk_update(lines, ["unit_cost", "value"])
        transfer.shipped_at = now
        transfer.save(update_fields=["shipped_at"])
        record_change(user=user, action=AuditAction.TRANSITION, instance=transfer,
                      after={"status": transfer.status}, note="ship")
        publish_moves(STOCK_TRANSFERRED, moves, document_type=DOCUMENT_TYPE, document_id=transfer.pk,
                      document_code=transfer.code, occurred_at=now, stage="shipped",
                      from_warehouse_code=transfer.from_warehouse.code, to_warehouse_code=transfer.to_warehouse.code)
        return transfer


def receive_transfer(*, user, transfer: Transfer) -> Transfer:
    """Take a shipped transfer in: transfer_in moves into the destination at the value it left with.

    Publishes StockTransferred (stage "received"). Receiving again is a no-op; a draft or
    cancelled transfer raises INVALID_TRANSITION.
    """
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().select_related("from_warehouse", "to_warehouse").get(
            pk=transfer.pk)
        if not move(user=user, obj=transfer, to_state=TransferStatus.RECEIVED, transitions=TRANSFER_TRANSITIONS,
                    labels=LABELS):
            return transfer
        lines = list(transfer.lines.select_related("product"))
        now = timezone.now()
        moves = post_moves(
            user=user, kind=MoveKind.TRANSFER_IN,
            lines=[MoveLine(product=line.product, warehouse=transfer.to_warehouse, quantity=line.quantity,
                            unit_cost=line.unit_cost, value=line.value, document_line=str(line.line_no))
                   for line in lines],
            document_type=DOCUMENT_TYPE, document_id=transfer.pk, document_code=transfer.code,
            reason=transfer.reason, occurred_at=now,
        )
        transfer.received_at = now
        transfer.save(update_fields=["received_at"])
        record_change(user=user, action=AuditAction.TRANSITION, instance=transfer,
                      after={"status": transfer.status}, note="receive")
        publish_moves(STOCK_TRANSFERRED, moves, document_type=DOCUMENT_TYPE, document_id=transfer.pk,
                      document_code=transfer.code, occurred_at=now, stage="received",
                      from_warehouse_code=transfer.from_warehouse.code, to_warehouse_code=transfer.to_warehouse.code)
        return transfer


def cancel_transfer(*, user, transfer: Transfer, reason: str = "") -> Transfer:
    """Cancel a draft transfer (INVALID_TRANSITION once shipped)."""
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
        if move(user=user, obj=transfer, to_state=TransferStatus.CANCELLED, transitions=TRANSFER_TRANSITIONS,
                labels=LABELS, reason=reason):
            record_change(user=user, action=AuditAction.TRANSITION, instance=transfer,
                          after={"status": transfer.status}, note="cancel")
        return transfer
