"""Incoming customs messages: store verbatim, deduplicate, parse, and apply each receipt to its declaration.

A receipt is applied only when it moves its document forward (receipts.codes.rank) and the declaration only
along its state machine to a state of higher DECLARATION_RANK: a late "120" after "800" is kept in the log
and changes nothing. The same bytes twice are one row (SHA-256); a message that does not parse is kept as a
failed row with its error, never stalling the exchange.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from ecerp.core.errors import DomainError
from ecerp.core.states import can_move, move
from ecerp.customs.models import CustomsMessage, Declaration, DeclarationLine
from ecerp.customs.states import (
    DECLARATION_LABELS,
    DECLARATION_RANK,
    DECLARATION_TRANSITIONS,
    DeclarationStatus,
    MessageDirection,
    MessageStatus,
)

D = DeclarationStatus
# the declaration's status and rank columns of each document
DOCUMENT_COLUMNS = {
    "order": ("order_status", "order_rank"),
    "payment": ("payment_status", "payment_rank"),
    "waybill": ("waybill_status", "waybill_rank"),
    "inventory": ("list_status", "list_rank"),
}


@dataclass
class IncomingResult:
    """What record_incoming did: the stored row, whether it was a duplicate, and per-receipt outcomes."""

    message: CustomsMessage | None
    duplicate: bool = False
    receipts: int = 0
    applied: int = 0
    unmatched: int = 0
    error: str = ""
    declarations: list[int] = field(default_factory=list)


def list_state(code: str) -> str | None:
    """The declaration state a goods-list (CEB622) returnStatus stands for, or None (no state change)."""
    from ecerp.customs.receipts.codes import is_error

    if is_error(code) or code == "100":
        return D.REJECTED
    if code in ("2", "3"):
        return D.DECLARED
    if code in ("120", "399"):
        return D.ACCEPTED
    if code == "300":
        return D.MANUAL_REVIEW
    if code == "500":
        return D.INSPECTION
    if code.isdigit() and 501 <= int(code) <= 599:
        return D.DETAINED
    return {"700": D.RETURNED_ABROAD, "800": D.RELEASED, "899": D.CLOSED}.get(code)


def _forward(user, declaration: Declaration, to_state: str | None, reason: str) -> bool:
    """Move the declaration to to_state when that is progress along its state machine; else leave it."""
    current = declaration.status
    if to_state is None or to_state == current:
        return False
    if DECLARATION_RANK.get(to_state, 0) <= DECLARATION_RANK.get(current, 0):
        return False
    if not can_move(DECLARATION_TRANSITIONS, current, to_state):
        return False
    return move(user=user, obj=declaration, to_state=to_state, transitions=DECLARATION_TRANSITIONS,
                labels=DECLARATION_LABELS, reason=reason[:300])


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items() if key != "ori_biz_message"}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def _decoded(receipt) -> dict:
    return {"message_type": receipt.message_type, "guid": receipt.guid, "document": receipt.document,
            "return_status": receipt.return_status, "return_time": _jsonable(receipt.return_time),
            "return_info": receipt.return_info, "keys": _jsonable(dict(receipt.keys)),
            "details": _jsonable(dict(receipt.details))}


def match_declaration(receipt) -> Declaration | None:
    """The declaration a receipt speaks of, by the keys of its document (locked for the transaction)."""
    keys = receipt.keys
    rows = Declaration.objects.select_for_update(of=("self",)).order_by("-id")
    document = receipt.document
    if document == "order" and keys.get("order_no"):
        return rows.filter(order_no=keys["order_no"], ebp_code=keys.get("ebp_code", "")).first()
    if document == "payment" and keys.get("pay_transaction_id"):
        return rows.filter(pay_transaction_id=keys["pay_transaction_id"], pay_code=keys.get("pay_code", "")).first()
    if document in ("waybill", "waybill_status") and keys.get("logistics_no"):
        return (rows.filter(logistics_no=keys["logistics_no"], logistics_code=keys.get("logistics_code", ""))
                .exclude(status=D.CANCELLED).first())
    if document in ("inventory", "cancel", "refund", "tax", "tax_status"):
        for name in ("cop_no", "pre_no", "invt_no"):
            if keys.get(name):
                found = rows.filter(**{name: keys[name]}).first()
                if found is not None:
                    return found
    return None


def _apply_document(user, declaration: Declaration, receipt) -> bool:
    from ecerp.customs.receipts.codes import is_failure, rank

    code = receipt.return_status.strip()
    status_column, rank_column = DOCUMENT_COLUMNS[receipt.document]
    new_rank = rank(receipt.document, code)
    if new_rank <= getattr(declaration, rank_column):
        return False
    setattr(declaration, status_column, code)
    setattr(declaration, rank_column, new_rank)
    declaration.return_info = (receipt.return_info or "")[:1000]
    changed = [status_column, rank_column, "return_info", "updated_at"]
    if receipt.document == "inventory":
        for name in ("pre_no", "invt_no"):
            value = (receipt.keys.get(name) or "").strip()
            if value and value != getattr(declaration, name):
                setattr(declaration, name, value[:18])
                changed.append(name)
        target = list_state(code)
        if target == D.RELEASED and declaration.released_at is None:
            declaration.released_at = receipt.return_time or timezone.now()
            changed.append("released_at")
        if target == D.CLOSED and declaration.closed_at is None:
            declaration.closed_at = receipt.return_time or timezone.now()
            changed.append("closed_at")
    else:
        target = D.REJECTED if is_failure(code) and code != "4" else D.DECLARED
    declaration.save(update_fields=changed)
    _forward(user, declaration, target, f"{receipt.message_type} {code} {receipt.return_info}")
    return True


def _apply_request(user, declaration: Declaration, receipt, *, pending: str, done: str) -> bool:
    """A cancellation (CEB624) or return (CEB626) receipt: 399 grants it, 100 or an error refuses it."""
    from ecerp.customs.receipts.codes import is_error

    code = receipt.return_status.strip()
    if declaration.status != pending:
        return False
    reason = f"{receipt.message_type} {code} {receipt.return_info}"[:300]
    if code == "399":
        if done == D.RETURNED:
            _book_return(declaration)
        move(user=user, obj=declaration, to_state=done, transitions=DECLARATION_TRANSITIONS,
             labels=DECLARATION_LABELS, reason=reason)
        return True
    if code == "100" or is_error(code):
        back = declaration.request_state or D.RELEASED
        declaration.return_info = (receipt.return_info or "")[:1000]
        declaration.save(update_fields=["return_info", "updated_at"])
        move(user=user, obj=declaration, to_state=back, transitions=DECLARATION_TRANSITIONS,
             labels=DECLARATION_LABELS, reason=reason)
        return True
    return False


def _book_return(declaration: Declaration) -> None:
    """Count the lines of the latest return application as returned (the quota gets their value back)."""
    request = (declaration.messages.filter(direction=MessageDirection.OUT, message_type="CEB625")
               .order_by("-id").first())
    wanted = dict((int(gnum), int(qty)) for gnum, qty in (request.decoded.get("lines", []) if request else []))
    returned_value = declaration.returned_value
    lines = list(declaration.lines.all())
    for line in lines:
        quantity = min(wanted.get(line.gnum, 0), line.qty - line.returned_qty)
        if quantity <= 0:
            continue
        line.returned_qty += quantity
        value = line.dutiable_value if line.returned_qty == line.qty else (
            line.dutiable_value * quantity / line.qty).quantize(Decimal("0.01"))
        returned_value += value
    DeclarationLine.objects.bulk_update(lines, ["returned_qty"])
    declaration.returned_value = min(returned_value, declaration.dutiable_value)
    declaration.save(update_fields=["returned_value", "updated_at"])


def _apply_tax(declaration: Declaration, receipt) -> bool:
    from ecerp.customs.receipts.codes import rank

    details = receipt.details
    status = str(details.get("status") or receipt.return_status or "").strip()
    if declaration.tax_bill_status and rank("tax", status) < rank("tax", declaration.tax_bill_status):
        return False
    changed = ["tax_bill_status", "updated_at"]
    declaration.tax_bill_status = status[:1]
    if receipt.keys.get("tax_no"):
        declaration.tax_no = receipt.keys["tax_no"][:50]
        changed.append("tax_no")
    if details.get("ent_duty_no"):
        declaration.ent_duty_no = str(details["ent_duty_no"])[:50]
        changed.append("ent_duty_no")
    if receipt.document == "tax":
        declaration.tax_bill_duty = details.get("customs_tax")
        declaration.tax_bill_vat = details.get("value_added_tax")
        declaration.tax_bill_consumption_tax = details.get("consumption_tax")
        changed += ["tax_bill_duty", "tax_bill_vat", "tax_bill_consumption_tax"]
        if not declaration.invt_no and receipt.keys.get("invt_no"):
            declaration.invt_no = receipt.keys["invt_no"][:18]
            changed.append("invt_no")
    declaration.save(update_fields=changed)
    return True


def _apply_format_error(user, receipt) -> tuple[bool, Declaration | None]:
    """CEB900: the original outgoing message is marked failed with the error; its declaration is rejected."""
    details = receipt.details
    original_guid = ""
    biz = details.get("ori_biz_message") or ""
    if biz:
        from lxml import etree

        try:
            original_guid = (etree.fromstring(biz.encode() if isinstance(biz, str) else biz).get("guid") or "")
        except (etree.XMLSyntaxError, ValueError):
            original_guid = ""
    wanted = [value for value in (details.get("ori_cop_msg_id"), original_guid) if value]
    if not wanted:
        return False, None
    original = (CustomsMessage.objects.select_for_update().filter(direction=MessageDirection.OUT)
                .filter(Q(guid__in=wanted)).order_by("-id").first())
    if original is None:
        return False, None
    original.status = MessageStatus.FAILED
    original.last_error = f"{receipt.return_status} {receipt.return_info}"[:2000]
    original.save(update_fields=["status", "last_error"])
    declaration = None
    if original.declaration_id:
        declaration = Declaration.objects.select_for_update(of=("self",)).get(pk=original.declaration_id)
        declaration.return_info = (receipt.return_info or "")[:1000]
        declaration.save(update_fields=["return_info", "updated_at"])
        _forward(user, declaration, D.REJECTED, f"CEB900 {receipt.return_status} {receipt.return_info}")
    return True, declaration


def apply_receipt(user, receipt) -> tuple[bool, Declaration | None]:
    """Apply one parsed receipt; (changed anything, the declaration it matched or None)."""
    if receipt.document == "format_error":
        return _apply_format_error(user, receipt)
    declaration = match_declaration(receipt)
    if declaration is None:
        return False, None
    if receipt.document in DOCUMENT_COLUMNS:
        return _apply_document(user, declaration, receipt), declaration
    if receipt.document == "cancel":
        return _apply_request(user, declaration, receipt, pending=D.CANCELLING, done=D.CANCELLED), declaration
    if receipt.document == "refund":
        return _apply_request(user, declaration, receipt, pending=D.RETURNING, done=D.RETURNED), declaration
    if receipt.document in ("tax", "tax_status"):
        return _apply_tax(declaration, receipt), declaration
    return False, declaration


def _is_envelope(raw: bytes) -> bool:
    head = raw[:400]
    return b"DxpMsg" in head


def record_incoming(*, raw: bytes, source: str, user=None) -> IncomingResult:
    """Store an incoming message verbatim and apply its receipts to their declarations (atomic, idempotent).

    raw may be a DXP envelope (unwrapped first) or a bare CEB receipt message. The same bytes twice give one
    row (the second call answers duplicate=True); a message whose guid was already received is a duplicate
    too. A message that does not parse is stored as failed with the error (IncomingResult.error).
    """
    raw = bytes(raw)
    digest = hashlib.sha256(raw).hexdigest()
    existing = CustomsMessage.objects.filter(sha256=digest).first()
    if existing is not None:
        return IncomingResult(message=existing, duplicate=True)
    from ecerp.customs.receipts.parse import parse_receipts

    message = raw
    error = ""
    receipts = []
    message_type = ""
    try:
        if _is_envelope(raw):
            from ecerp.customs.dxp import unwrap

            message = unwrap(raw).message
        receipts = parse_receipts(message)
        message_type = receipts[0].message_type
    except DomainError as problem:
        error = str(problem)
    except Exception as problem:  # noqa: BLE001 - any unreadable input is quarantined, never raised
        error = f"{type(problem).__name__}: {problem}"
    guid = receipts[0].message_guid if receipts else ""
    try:
        with transaction.atomic():
            if guid and CustomsMessage.objects.filter(direction=MessageDirection.IN, guid=guid).exists():
                return IncomingResult(
                    message=CustomsMessage.objects.get(direction=MessageDirection.IN, guid=guid), duplicate=True)
            row = CustomsMessage.objects.create(
                direction=MessageDirection.IN, message_type=message_type[:10] or "UNKNOWN", guid=guid[:36],
                status=MessageStatus.FAILED if error else MessageStatus.RECEIVED, raw=raw, sha256=digest,
                source=source[:200], last_error=error[:2000], decoded={"receipts": []})
            result = IncomingResult(message=row, receipts=len(receipts), error=error)
            decoded = []
            for receipt in receipts:
                changed, declaration = apply_receipt(user, receipt)
                entry = _decoded(receipt)
                entry["applied"] = changed
                entry["cop_no"] = declaration.cop_no if declaration is not None else ""
                decoded.append(entry)
                result.applied += int(changed)
                if declaration is None:
                    result.unmatched += 1
                else:
                    result.declarations.append(declaration.pk)
                    if row.declaration_id is None:
                        row.declaration_id = declaration.pk
            row.decoded = {"receipts": decoded}
            row.save(update_fields=["decoded", "declaration"])
            return result
    except IntegrityError:
        # another worker stored the same bytes (or guid) a moment ago
        row = CustomsMessage.objects.filter(sha256=digest).first() or CustomsMessage.objects.filter(
            direction=MessageDirection.IN, guid=guid).first()
        return IncomingResult(message=row, duplicate=True)
