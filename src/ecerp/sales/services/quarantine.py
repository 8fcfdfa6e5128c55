"""Quarantined records: fix (edit the raw record) and retry through ingest_orders, or discard."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecerp.core.audit import record_change, snapshot
from ecerp.core.models import AuditAction
from ecerp.sales.errors import SalesConflict, SalesError
from ecerp.sales.models import QuarantinedRecord
from ecerp.sales.services.ingest import IngestResult, ingest_orders
from ecerp.sales.states import IngestOutcome, QuarantineStatus


def _open(record_id: int) -> QuarantinedRecord:
    record = QuarantinedRecord.objects.select_for_update().get(pk=record_id)
    if record.status != QuarantineStatus.OPEN:
        raise SalesConflict(SalesError.QUARANTINE_CLOSED, _("隔离记录 %(id)s 已处理（%(status)s）"),
                            id=record.pk, status=record.get_status_display())
    return record


def retry_quarantined(*, user, record: QuarantinedRecord, raw: dict | None = None) -> IngestResult:
    """Retry a quarantined record (with its raw record replaced by raw when given) through ingest_orders.

    Success marks it fixed and links the order; failure keeps it open with the new errors (no second
    quarantine row). Raises SalesConflict QUARANTINE_CLOSED when it was already fixed or discarded.
    """
    with transaction.atomic():
        record = _open(record.pk)
        before = snapshot(record)
        if raw is not None:
            record.raw = raw
        result = ingest_orders(user=user, source=record.source, records=[record.raw], quarantine=False)
        outcome = result.results[0]
        if outcome.outcome == IngestOutcome.QUARANTINED:
            record.errors = outcome.errors
            record.message = "\n".join(error["message"] for error in outcome.errors)
        else:
            record.status = QuarantineStatus.FIXED
            record.order_id = outcome.order_id
            record.resolved_at = timezone.now()
            record.resolved_by = user if getattr(user, "pk", None) else None
        record.store_code = str(record.raw.get("store") or "")[:40] if isinstance(record.raw, dict) else ""
        record.platform_order_no = (str(record.raw.get("platform_order_no") or "")[:64]
                                    if isinstance(record.raw, dict) else "")
        record.save()
        record_change(user=user, action=AuditAction.UPDATE, instance=record, before=before, after=snapshot(record),
                      note=_("重试隔离记录"))
    return result


def discard_quarantined(*, user, record: QuarantinedRecord, reason: str = "") -> QuarantinedRecord:
    """Discard a quarantined record (it stays listed as discarded). Raises QUARANTINE_CLOSED if not open."""
    with transaction.atomic():
        record = _open(record.pk)
        before = snapshot(record)
        record.status = QuarantineStatus.DISCARDED
        record.resolved_at = timezone.now()
        record.resolved_by = user if getattr(user, "pk", None) else None
        record.save()
        record_change(user=user, action=AuditAction.UPDATE, instance=record, before=before, after=snapshot(record),
                      note=reason[:300] or _("丢弃隔离记录"))
    return record
