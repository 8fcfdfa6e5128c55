"""Other receipts and other issues (其他入库/其他出库): draft -> confirmed (or cancelled).

A draft collects lines; confirming posts them as movements (other_receipt / other_issue),
freezes each line's unit cost and value, publishes StockReceived or StockIssued and is final:
a confirmed document is corrected by a new one, never edited.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecerp.core.audit import record_change, snapshot
from ecerp.core.errors import ErrorCode
from ecerp.core.models import AuditAction
from ecerp.core.states import move
from ecerp.inventory.errors import InventoryError, InventoryInvalid
from ecerp.inventory.events import STOCK_ISSUED, STOCK_RECEIVED, publish_moves
from ecerp.inventory.models import DocumentDirection, MoveKind, StockDocument, StockDocumentLine
from ecerp.inventory.services.codes import next_document_code
from ecerp.inventory.services.ledger import MoveLine, check_location, check_quantity, check_stockable, post_moves
from ecerp.inventory.states import DOCUMENT_TRANSITIONS, DocumentStatus
from ecerp.masterdata.models import Location, Product, Warehouse

DOCUMENT_TYPE = "inventory.stockdocument"
LABELS = dict(DocumentStatus.choices)


def check_line_cost(unit_cost, *, field: str) -> Decimal | None:
    if unit_cost is not None and unit_cost < 0:
        raise InventoryInvalid(InventoryError.NEGATIVE_QUANTITY, _("单位成本不能为负数：%(value)s"), field=field,
                               value=unit_cost)
    return unit_cost


def _check_draft(document, *, field: str = "status") -> None:
    if document.status != DocumentStatus.DRAFT:
        raise InventoryInvalid(InventoryError.NOT_DRAFT, _("单据「%(code)s」已不是草稿，不能修改"), field=field,
                               code=document.code)


def create_stock_document(*, user, direction: str, warehouse: Warehouse, reason: str = "",
                          lines: list[dict] | None = None) -> StockDocument:
    """Create a draft other receipt (direction "receipt", code QR...) or other issue ("issue", QC...).

    lines: dicts with product, quantity, unit_cost (receipts; blank: the book's average) and
    location. Raises the line errors of add_stock_document_line, naming lines.<n>.<field>.
    """
    if direction not in DocumentDirection.values:
        raise InventoryInvalid(ErrorCode.INVALID_VALUE, _("方向必须是 receipt 或 issue"), field="direction")
    with transaction.atomic():
        target = "stock_receipt" if direction == DocumentDirection.RECEIPT else "stock_issue"
        document = StockDocument.objects.create(
            code=next_document_code(target), direction=direction, warehouse=warehouse, reason=reason[:200],
            created_by=user if getattr(user, "pk", None) else None,
        )
        for index, line in enumerate(lines or []):
            _add_line(document, index=index, **line)
        record_change(user=user, action=AuditAction.CREATE, instance=document, after=snapshot(document))
        return document


def _add_line(document: StockDocument, *, index: int, product: Product, quantity: int, unit_cost=None,
              location: Location | None = None) -> StockDocumentLine:
    prefix = f"lines.{index + 1}."
    check_stockable(product, field=prefix + "product")
    check_quantity(quantity, field=prefix + "quantity")
    check_location(location, document.warehouse, field=prefix + "location")
    if document.direction == DocumentDirection.ISSUE:
        unit_cost = None  # issues leave at the moving average, frozen on confirmation
    check_line_cost(unit_cost, field=prefix + "unit_cost")
    line_no = (document.lines.order_by("-line_no").values_list("line_no", flat=True).first() or 0) + 1
    return StockDocumentLine.objects.create(document=document, line_no=line_no, product=product, quantity=quantity,
                                            unit_cost=unit_cost, location=location)


def add_stock_document_line(*, user, document: StockDocument, product: Product, quantity: int, unit_cost=None,
                            location: Location | None = None) -> StockDocumentLine:
    """Add a line to a draft (NOT_DRAFT otherwise; BUNDLE_NOT_STOCKED, NEGATIVE_QUANTITY, UNKNOWN_LOCATION)."""
    with transaction.atomic():
        document = StockDocument.objects.select_for_update().get(pk=document.pk)
        _check_draft(document)
        index = document.lines.count()
        line = _add_line(document, index=index, product=product, quantity=quantity, unit_cost=unit_cost,
                         location=location)
        record_change(user=user, action=AuditAction.CREATE, instance=line, after=snapshot(line))
        return line


def remove_stock_document_line(*, user, line: StockDocumentLine) -> None:
    """Remove a line of a draft (NOT_DRAFT otherwise)."""
    with transaction.atomic():
        document = StockDocument.objects.select_for_update().get(pk=line.document_id)
        _check_draft(document)
        record_change(user=user, action=AuditAction.DELETE, instance=line, before=snapshot(line))
        line.delete()


def confirm_stock_document(*, user, document: StockDocument) -> StockDocument:
    """Post a draft: its lines become other_receipt / other_issue moves; StockReceived / StockIssued.

    Same state again is a no-op (a retried confirm posts nothing twice). Raises NO_LINES for an
    empty document, INSUFFICIENT_STOCK for an issue short of available stock (nothing posted),
    INVALID_TRANSITION from cancelled.
    """
    with transaction.atomic():
        document = StockDocument.objects.select_for_update().select_related("warehouse").get(pk=document.pk)
        if document.status == DocumentStatus.CONFIRMED:
            return document
        lines = list(document.lines.select_related("product", "location"))
        if document.status == DocumentStatus.DRAFT and not lines:
            raise InventoryInvalid(InventoryError.NO_LINES, _("单据「%(code)s」没有明细"), field="lines",
                                   code=document.code)
        receipt = document.direction == DocumentDirection.RECEIPT
        move(user=user, obj=document, to_state=DocumentStatus.CONFIRMED, transitions=DOCUMENT_TRANSITIONS,
             labels=LABELS)
        now = timezone.now()
        moves = post_moves(
            user=user, kind=MoveKind.OTHER_RECEIPT if receipt else MoveKind.OTHER_ISSUE,
            lines=[MoveLine(product=line.product, warehouse=document.warehouse, quantity=line.quantity,
                            unit_cost=line.unit_cost if receipt else None, location=line.location,
                            document_line=str(line.line_no)) for line in lines],
            document_type=DOCUMENT_TYPE, document_id=document.pk, document_code=document.code,
            reason=document.reason, occurred_at=now,
        )
        for line, stock_move in zip(lines, moves, strict=True):
            line.unit_cost, line.value = stock_move.unit_cost, abs(stock_move.value)
        StockDocumentLine.objects.bulk_update(lines, ["unit_cost", "value"])
        document.confirmed_at = now
        document.save(update_fields=["confirmed_at"])
        record_change(user=user, action=AuditAction.TRANSITION, instance=document,
                      after={"status": document.status}, note="confirm")
        publish_moves(STOCK_RECEIVED if receipt else STOCK_ISSUED, moves, document_type=DOCUMENT_TYPE,
                      document_id=document.pk, document_code=document.code, occurred_at=now,
                      kind=moves[0].kind, warehouse_code=document.warehouse.code)
        return document


def cancel_stock_document(*, user, document: StockDocument, reason: str = "") -> StockDocument:
    """Cancel a draft (INVALID_TRANSITION once confirmed: post a reverse document instead)."""
    with transaction.atomic():
        document = StockDocument.objects.select_for_update().get(pk=document.pk)
        if move(user=user, obj=document, to_state=DocumentStatus.CANCELLED, transitions=DOCUMENT_TRANSITIONS,
                labels=LABELS, reason=reason):
            record_change(user=user, action=AuditAction.TRANSITION, instance=document,
                          after={"status": document.status}, note="cancel")
        return document
