"""Reference data (codes, positive-list lines, dated tax rates and limits): the only writers.

Dated rows of one key (a tax-rate kind, an 8-digit line, the limits) must not overlap: a lookup on a date
finds at most one row. Every save is audited; the per-process cache of queries follows the model signals.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ecerp.core.audit import record_change, snapshot
from ecerp.core.errors import ErrorCode, ErrorDetail
from ecerp.core.models import AuditAction
from ecerp.customs import queries, reference_data
from ecerp.customs.errors import CustomsConflict, CustomsError
from ecerp.customs.models import CrossBorderLimit, PositiveListLine, ReferenceCode, TaxRate
from ecerp.customs.services.common import assign, raise_details, required

CODE_FIELDS = ("kind", "code", "name_zh", "name_en", "alias", "valid_from", "valid_to", "active", "verified", "note")
LINE_FIELDS = ("hs_code8", "description", "note", "batch", "valid_from", "valid_to", "verified")
RATE_FIELDS = ("kind", "rate", "valid_from", "valid_to", "source", "verified")
LIMIT_FIELDS = ("single_limit", "annual_limit", "valid_from", "valid_to", "source")


def _validity(instance, details: list[ErrorDetail], same_key) -> None:
    """VALIDITY_ORDER when valid_to < valid_from; VALIDITY_OVERLAP when another row of the same key overlaps."""
    start, end = instance.valid_from, instance.valid_to
    if start and end and end < start:
        details.append(ErrorDetail(CustomsError.VALIDITY_ORDER, _("失效日期不能早于生效日期"), "valid_to"))
        return
    if same_key is None or start is None:
        return
    others = same_key.exclude(pk=instance.pk)
    if end is not None:
        others = others.filter(valid_from__lte=end)
    clash = others.filter(valid_to__isnull=True).first() or others.filter(valid_to__gte=start).first()
    if clash is not None:
        details.append(ErrorDetail(CustomsError.VALIDITY_OVERLAP, _(
            "有效期与已有记录（%(start)s 至 %(end)s）重叠") % {
            "start": clash.valid_from, "end": clash.valid_to or _("长期")}, "valid_from"))


def _save(*, user, instance, data: dict, fields: tuple, checks):
    model = type(instance)
    with transaction.atomic():
        creating = instance.pk is None
        if not creating:
            instance = model.objects.select_for_update().get(pk=instance.pk)
        before = None if creating else snapshot(instance)
        details: list[ErrorDetail] = []
        assign(instance, data, fields, details)
        raise_details(details)
        checks(instance, details)
        raise_details(details)
        try:
            with transaction.atomic():
                instance.save()
        except IntegrityError as error:
            raise CustomsConflict(ErrorCode.CONFLICT, _("保存失败，数据与已有记录冲突：%(reason)s"),
                                  reason=str(error).splitlines()[0][:200]) from error
        record_change(user=user, action=AuditAction.CREATE if creating else AuditAction.UPDATE, instance=instance,
                      before=before, after=snapshot(instance))
    return instance


def _code_checks(row: ReferenceCode, details: list[ErrorDetail]) -> None:
    details.extend(required(row, "kind", "code", "name_zh"))
    _validity(row, details, None)
    if row.code and ReferenceCode.objects.filter(kind=row.kind, code=row.code).exclude(pk=row.pk).exists():
        details.append(ErrorDetail(ErrorCode.CODE_TAKEN, _("代码「%(code)s」已存在") % {"code": row.code}, "code"))


def save_reference_code(*, user, data: dict, instance: ReferenceCode | None = None) -> ReferenceCode:
    """Create or update a customs code (unit, country, currency, transport mode, district, wrap type, trade mode)."""
    return _save(user=user, instance=instance or ReferenceCode(), data=data, fields=CODE_FIELDS, checks=_code_checks)


def _line_checks(line: PositiveListLine, details: list[ErrorDetail]) -> None:
    details.extend(required(line, "hs_code8", "description", "valid_from"))
    if line.hs_code8 and not (len(line.hs_code8) == 8 and line.hs_code8.isdigit()):
        details.append(ErrorDetail(CustomsError.INVALID_HS_CODE, _("税则号列应为 8 位数字：%(value)s") % {
            "value": line.hs_code8}, "hs_code8"))
    _validity(line, details, PositiveListLine.objects.filter(hs_code8=line.hs_code8))


def save_positive_list_line(*, user, data: dict, instance: PositiveListLine | None = None) -> PositiveListLine:
    """Create or update a positive-list line (8 digits, validity not overlapping another row of the line)."""
    return _save(user=user, instance=instance or PositiveListLine(), data=data, fields=LINE_FIELDS,
                 checks=_line_checks)


def _rate_checks(rate: TaxRate, details: list[ErrorDetail]) -> None:
    details.extend(required(rate, "kind", "rate", "valid_from"))
    if rate.rate is not None and not 0 <= rate.rate <= 1:
        details.append(ErrorDetail(CustomsError.INVALID_RATE, _("税率应为 0 到 1 之间的小数（13%% 填 0.13）"), "rate"))
    _validity(rate, details, TaxRate.objects.filter(kind=rate.kind))


def save_tax_rate(*, user, data: dict, instance: TaxRate | None = None) -> TaxRate:
    """Create or update a dated tax rate (a fraction; ranges of one kind must not overlap)."""
    return _save(user=user, instance=instance or TaxRate(), data=data, fields=RATE_FIELDS, checks=_rate_checks)


def _limit_checks(limit: CrossBorderLimit, details: list[ErrorDetail]) -> None:
    details.extend(required(limit, "single_limit", "annual_limit", "valid_from"))
    if limit.single_limit is not None and limit.annual_limit is not None and not (
            0 < limit.single_limit <= limit.annual_limit):
        details.append(ErrorDetail(CustomsError.INVALID_NUMBER, _("单次限值应大于 0 且不超过年度限值"),
                                   "single_limit"))
    _validity(limit, details, CrossBorderLimit.objects.all())


def save_cross_border_limit(*, user, data: dict, instance: CrossBorderLimit | None = None) -> CrossBorderLimit:
    """Create or update the dated cross-border limits (single transaction, personal annual)."""
    return _save(user=user, instance=instance or CrossBorderLimit(), data=data, fields=LIMIT_FIELDS,
                 checks=_limit_checks)


def ensure_reference_data() -> dict[str, int]:
    """Insert the shipped reference rows that are missing (reference_data.load); edited rows are kept.

    Migration 0002 does this on migrate; call it after a release ships new rows. Returns the counts added.
    """
    with transaction.atomic():
        added = reference_data.load()
    queries.clear_reference_cache()
    return added
