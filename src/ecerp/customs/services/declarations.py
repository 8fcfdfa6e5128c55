"""Declaration services: create from orders, pre-check, override, submit (build + sign + queue the
messages), mark sent, request cancellation or return; record_incoming (receipts) lives in
declaration_receipts and is re-exported here.

Every service takes the acting user first (None for the system), runs in one transaction, locks the
declaration, moves it with ecerp.core.states (history row) and audits what it changed.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecerp.core.audit import record_change, snapshot
from ecerp.core.crypto import lookup_hash
from ecerp.core.errors import DomainError, ErrorCode
from ecerp.core.models import AuditAction
from ecerp.core.money import parse_decimal
from ecerp.core.permissions import check_permission
from ecerp.core.states import InvalidTransition, move
from ecerp.customs import prechecks
from ecerp.customs.errors import CustomsConflict, CustomsError, CustomsInvalid
from ecerp.customs.identity import check_resident_id
from ecerp.customs.models import CustomsMessage, Declaration, DeclarationFinding, DeclarationLine
from ecerp.customs.services import declaration_documents as documents
from ecerp.customs.services.declaration_facts import FactsLookups, declaration_facts, filing_of
from ecerp.customs.services.declaration_receipts import IncomingResult, record_incoming  # noqa: F401 - re-export
from ecerp.customs.states import (
    DECLARATION_EDITABLE,
    DECLARATION_LABELS,
    DECLARATION_TRANSITIONS,
    DeclarationStatus,
    MessageDirection,
    MessageStatus,
)
from ecerp.sales.models import SalesOrder

D = DeclarationStatus
CENT = Decimal("0.01")
QTY = Decimal("0.00001")
OVERRIDE_PERMISSION = "customs.override_declaration"
# the messages a declaration sends, in the order customs expects them
SUBMITTED_TYPES = ("CEB311", "CEB411", "CEB511", "CEB621")
CANCELLABLE = (D.ACCEPTED, D.MANUAL_REVIEW, D.INSPECTION, D.RELEASED)
RETURNABLE = (D.RELEASED, D.CLOSED)
IDENTITY_KEYS = (
    "buyer_name", "buyer_id_number", "buyer_phone", "buyer_reg_no", "payer_name", "payer_id_number", "payer_phone",
    "pay_transaction_id", "pay_time", "amount_paid", "tax_total", "insured_fee", "freight", "discount",
    "logistics_no", "bill_no", "weight", "net_weight", "decl_date", "pack_no", "consignee_district",
    "waybill_consignee_name", "waybill_consignee_phone", "waybill_consignee_address", "actural_paid",
)


def move_declaration(user, declaration: Declaration, to_state: str, reason: str = "") -> bool:
    return move(user=user, obj=declaration, to_state=to_state, transitions=DECLARATION_TRANSITIONS,
                labels=DECLARATION_LABELS, reason=str(reason))


def _require_state(declaration: Declaration, allowed, to_state: str) -> None:
    """INVALID_TRANSITION (409) naming both states unless the declaration stands in one of allowed (a repeated
    submit, cancel or return is refused rather than building its messages twice)."""
    if declaration.status not in allowed:
        raise InvalidTransition(
            ErrorCode.INVALID_TRANSITION, _("不能从「%(from_state)s」变为「%(to_state)s」"), field="status",
            from_state=str(DECLARATION_LABELS.get(declaration.status, declaration.status)),
            to_state=str(DECLARATION_LABELS.get(to_state, to_state)))


def locked(declaration: Declaration) -> Declaration:
    """The declaration row locked for the rest of the transaction."""
    return Declaration.objects.select_for_update(of=("self",)).select_related("order", "store").get(
        pk=declaration.pk)


def _code(partner) -> str:
    """A partner's customs code: the 10-character registration code, else its social credit code."""
    if partner is None:
        return ""
    return partner.customs_code or partner.social_credit_code or ""


def _decimal(value, field: str, default: Decimal) -> Decimal:
    """An identity amount (core.money.parse_decimal: no negatives, no NaN/infinity), default when blank."""
    try:
        amount = parse_decimal(value, field=field)
    except DomainError:
        raise CustomsInvalid(CustomsError.IDENTITY_INVALID, _("%(field_name)s 不是有效的金额"), field=field,
                             field_name=field) from None
    return default if amount is None else amount


def _date(value, field: str, default: datetime.date) -> datetime.date:
    if not value:
        return default
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise CustomsInvalid(CustomsError.IDENTITY_INVALID, _("%(field_name)s 不是有效的日期（YYYY-MM-DD）"),
                             field=field, field_name=field) from None


def _datetime(value, field: str, default):
    if not value:
        return default
    if isinstance(value, datetime.datetime):
        return value
    try:
        parsed = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        raise CustomsInvalid(CustomsError.IDENTITY_INVALID, _("%(field_name)s 不是有效的时间"), field=field,
                             field_name=field) from None
    return parsed if parsed.tzinfo else timezone.make_aware(parsed)


def new_cop_no() -> str:
    """A 20-character enterprise number for a declaration (copNo)."""
    return "CD" + uuid.uuid4().hex[:18].upper()


def id_hash(id_number: str) -> str:
    return lookup_hash(id_number) if id_number and id_number.strip() else ""


def id_number(value) -> str:
    """An ID number as customs expects it: full-width digits made ASCII, spaces and dashes removed, X upper-case.

    The same normalisation as the pre-check, so that the message, the keyed hash of the annual quota and
    the payer = buyer comparison all see one number ("１１０１… " and "1101…" are one buyer).
    """
    text = str(value or "")
    return check_resident_id(text).number if text.strip() else ""


def phone_number(value) -> str:
    """A telephone number with full-width characters made ASCII and outer spaces removed."""
    return unicodedata.normalize("NFKC", str(value or "")).strip()


def _line_rows(order) -> list[DeclarationLine]:
    rows = []
    for gnum, line in enumerate(order.lines.all().order_by("line_no"), start=1):
        product = line.product
        filing = filing_of(product)
        quantity = line.quantity
        total = Decimal(line.amount).quantize(CENT)
        price = (total / quantity).quantize(QTY, rounding=ROUND_HALF_UP) if quantity else Decimal(0)
        qty1 = (filing.qty1_per_unit * quantity).quantize(QTY) if filing else Decimal(quantity)
        qty2 = (filing.qty2_per_unit * quantity).quantize(QTY) if filing and filing.qty2_per_unit else None
        rows.append(DeclarationLine(
            gnum=gnum, product=product, item_no=(product.code if product else line.sku_code)[:30],
            item_record_no=getattr(filing, "item_record_no", "") or "",
            item_name=(line.title or (product.name if product else line.sku_code))[:250],
            gcode=(filing.hs_code if filing else getattr(product, "hs_code", "")) or "",
            gname=(filing.gname if filing else (product.name if product else line.title))[:250],
            gmodel=(filing.gmodel if filing else getattr(product, "specification", ""))[:510],
            bar_code=(filing.barcode if filing else getattr(product, "barcode", "")) or "",
            unit=filing.unit if filing else getattr(product, "customs_unit", "") or "",
            qty=quantity, unit1=filing.unit1 if filing else "", qty1=qty1,
            unit2=filing.unit2 if filing else "", qty2=qty2, price=price, total_price=total,
            country=filing.origin_country if filing else ""))
    return rows


def _weights(order, identity: Mapping) -> tuple[Decimal, Decimal]:
    gross = net = Decimal(0)
    for line in order.lines.all():
        if line.product is not None:
            gross += (line.product.gross_weight or Decimal(0)) * line.quantity
            net += (line.product.net_weight or Decimal(0)) * line.quantity
    gross = _decimal(identity.get("weight"), "weight", gross or Decimal("1"))
    net = _decimal(identity.get("net_weight"), "net_weight", net or gross)
    return gross, min(net, gross)


def _new_declaration(*, user, order, identity: Mapping, now) -> Declaration:
    store = order.store
    channel = getattr(store, "customs_channel", None)
    if channel is None:
        raise CustomsInvalid(CustomsError.NO_CUSTOMS_CHANNEL, _("店铺「%(store)s」没有关务通道，不能申报"),
                             field="order_id", store=store.code)
    unknown = sorted(set(identity) - set(IDENTITY_KEYS))
    if unknown:
        raise CustomsInvalid(CustomsError.IDENTITY_INVALID, _("未知字段：%(names)s"), field=unknown[0],
                             names=", ".join(unknown))
    lines = _line_rows(order)
    for line in lines:
        if line.product is None:
            raise CustomsInvalid(CustomsError.ORDER_LINE_UNMAPPED, _("订单第 %(gnum)s 行「%(sku)s」没有对应商品"),
                                 field=f"lines.{line.gnum}", gnum=line.gnum, sku=line.item_no)
    goods_value = sum((line.total_price for line in lines), Decimal(0))
    freight = _decimal(identity.get("freight"), "freight", order.freight)
    insured_fee = _decimal(identity.get("insured_fee"), "insured_fee", Decimal(0))
    discount = _decimal(identity.get("discount"), "discount", order.discount)
    gross, net = _weights(order, identity)
    address = "".join(part for part in (order.province, order.city, order.district, order.address) if part)
    buyer_id = id_number(identity.get("buyer_id_number"))
    buyer_name = str(identity.get("buyer_name") or "").strip()
    buyer_phone = phone_number(identity.get("buyer_phone") or order.consignee_phone)
    decl_date = _date(identity.get("decl_date"), "decl_date", timezone.localdate())
    declaration = Declaration(
        order=order, store=store, cop_no=new_cop_no(), regime=channel.regime, trade_mode=channel.trade_mode,
        customs_code=channel.customs_code, port_code=channel.port_code, decl_date=decl_date,
        order_no=order.platform_order_no, ebp_code=_code(channel.platform), ebp_name=channel.platform.name[:100],
        ebc_code=_code(channel.ecommerce_company), ebc_name=channel.ecommerce_company.name[:100],
        goods_value=goods_value, freight=freight, insured_fee=insured_fee, discount=discount,
        buyer_reg_no=str(identity.get("buyer_reg_no") or order.buyer_nick or order.platform_order_no)[:60],
        buyer_name=buyer_name, buyer_id_number=buyer_id, buyer_id_hash=id_hash(buyer_id), buyer_phone=buyer_phone,
        consignee_name=order.consignee_name, consignee_phone=order.consignee_phone, consignee_address=address,
        consignee_district=str(identity.get("consignee_district") or ""),
        pay_code=_code(channel.payment), pay_name=channel.payment.name[:100] if channel.payment else "",
        pay_transaction_id=str(identity.get("pay_transaction_id") or order.platform_order_no)[:60],
        pay_time=_datetime(identity.get("pay_time"), "pay_time", order.payment_time or now),
        payer_name=str(identity.get("payer_name") or buyer_name).strip(),
        payer_id_number=id_number(identity.get("payer_id_number") or buyer_id),
        payer_phone=phone_number(identity.get("payer_phone") or buyer_phone),
        logistics_code=_code(channel.logistics), logistics_name=channel.logistics.name[:100],
        logistics_no=str(identity.get("logistics_no") or "").strip(), bill_no=str(identity.get("bill_no") or ""),
        weight=gross, net_weight=net, pack_no=int(identity.get("pack_no") or 1),
        waybill_consignee_name=str(identity.get("waybill_consignee_name") or order.consignee_name),
        waybill_consignee_phone=str(identity.get("waybill_consignee_phone") or order.consignee_phone),
        waybill_consignee_address=str(identity.get("waybill_consignee_address") or address),
        agent_code=_code(channel.agent), agent_name=channel.agent.name[:100], assure_code=_code(channel.guarantor),
        ems_no=channel.ems_no, area_code=_code(channel.area), area_name=channel.area.name[:100] if channel.area else "",
        country=channel.departure_country, traf_mode=channel.transport_mode, wrap_type=channel.wrap_type,
        loct_no=channel.loct_no, created_by=user if getattr(user, "pk", None) else None,
    )
    declaration.save()
    for line in lines:
        line.declaration = declaration
    DeclarationLine.objects.bulk_create(lines)
    # The withheld tax defaults to the tax computed on the declaration date; the payment to acturalPaid.
    result = prechecks.compute_tax(declaration_facts(declaration, lookups=FactsLookups.none()))[0]
    computed = result.total if result is not None else Decimal(0)
    declaration.tax_total = _decimal(identity.get("tax_total"), "tax_total", computed)
    declaration.actural_paid = _decimal(identity.get("actural_paid"), "actural_paid",
                                        goods_value + freight + declaration.tax_total - discount)
    declaration.amount_paid = _decimal(identity.get("amount_paid"), "amount_paid", declaration.actural_paid)
    declaration.save(update_fields=["tax_total", "actural_paid", "amount_paid"])
    record_change(user=user, action=AuditAction.CREATE, instance=declaration, after=snapshot(declaration))
    return declaration


def create_declarations(*, user, orders: Iterable, identities: Mapping | None = None) -> list[Declaration]:
    """Create the declaration of each cross-border order and pre-check it (draft -> ready | precheck_failed).

    identities maps an order's pk (or code) to what the order does not hold: the buyer's real name, ID number
    and phone, the payer, payment transaction id and time, withheld tax, insurance, waybill number, weight...
    (IDENTITY_KEYS). An order that already has a declaration answers it unchanged (idempotent).
    Errors: NO_CUSTOMS_CHANNEL (the store has no channel profile), ORDER_LINE_UNMAPPED, IDENTITY_INVALID
    (a bad identity value, naming the field).
    """
    identities = identities or {}
    orders = list(orders)
    now = timezone.now()
    with transaction.atomic():
        # the order rows, locked in primary-key order, serialise two callers declaring the same orders at once
        list(SalesOrder.objects.select_for_update().filter(pk__in=[order.pk for order in orders]).order_by("pk")
             .values_list("pk", flat=True))
        declared = {declaration.order_id: declaration
                    for declaration in Declaration.objects.filter(order_id__in=[order.pk for order in orders])}
        created, new = [], []
        for order in orders:
            declaration = declared.get(order.pk)
            if declaration is None:
                identity = (identities.get(order.pk) or identities.get(str(order.pk)) or identities.get(order.code)
                            or {})
                declaration = declared[order.pk] = _new_declaration(user=user, order=order, identity=identity,
                                                                    now=now)
                new.append(declaration)
            created.append(declaration)
        # the new ones pre-checked together: the look-ups once for the batch, after every row is written
        recheck_declarations(user=user, declarations=new)
    for declaration in new:
        declaration.refresh_from_db()
    return created


def update_identity(*, user, declaration: Declaration, identity: Mapping) -> Declaration:
    """Correct the identity/payment/waybill fields of a declaration before submission, then re-check it."""
    with transaction.atomic():
        declaration = locked(declaration)
        if declaration.status not in DECLARATION_EDITABLE:
            raise CustomsConflict(CustomsError.DECLARATION_NOT_EDITABLE, _("申报单已申报，不能修改"), field="status")
        unknown = sorted(set(identity) - set(IDENTITY_KEYS))
        if unknown:
            raise CustomsInvalid(CustomsError.IDENTITY_INVALID, _("未知字段：%(names)s"), field=unknown[0],
                                 names=", ".join(unknown))
        before = snapshot(declaration)
        for key, value in identity.items():
            if key in ("amount_paid", "tax_total", "insured_fee", "freight", "discount", "weight", "net_weight",
                       "actural_paid"):
                value = _decimal(value, key, getattr(declaration, key))
            elif key == "decl_date":
                value = _date(value, key, declaration.decl_date)
            elif key == "pay_time":
                value = _datetime(value, key, declaration.pay_time)
            elif key == "pack_no":
                value = int(value or 1)
            elif key in ("buyer_id_number", "payer_id_number"):
                value = id_number(value)
            elif key in ("buyer_phone", "payer_phone", "waybill_consignee_phone"):
                value = phone_number(value)
            else:
                value = str(value or "").strip()
            setattr(declaration, key, value)
        declaration.buyer_id_hash = id_hash(declaration.buyer_id_number)
        declaration.save()
        record_change(user=user, action=AuditAction.UPDATE, instance=declaration, before=before,
                      after=snapshot(declaration))
        recheck_declaration(user=user, declaration=declaration)
    declaration.refresh_from_db()
    return declaration


def recheck_declaration(*, user, declaration: Declaration) -> prechecks.PrecheckResult:
    """Run the pre-checks again: findings replaced, tax recomputed, state ready or precheck_failed.

    Only before submission (draft, precheck_failed, ready) or after a rejection; DECLARATION_NOT_EDITABLE
    (409) otherwise.
    """
    return recheck_declarations(user=user, declarations=[declaration])[0]


def recheck_declarations(*, user, declarations: Sequence[Declaration]) -> list[prechecks.PrecheckResult]:
    """recheck_declaration() of many declarations in one transaction, their look-ups made once for the set
    (declaration_facts.FactsLookups: two queries for the set instead of two per declaration); the results in
    the order given. DECLARATION_NOT_EDITABLE (409) for any one not editable (nothing is changed then).
    """
    with transaction.atomic():
        declarations = [locked(declaration) for declaration in declarations]
        for declaration in declarations:
            if declaration.status not in DECLARATION_EDITABLE:
                raise CustomsConflict(CustomsError.DECLARATION_NOT_EDITABLE, _("申报单已申报，不能重新预检"),
                                      field="status")
        lookups = FactsLookups(declarations)
        return [_recheck(user, declaration, lookups) for declaration in declarations]


def _recheck(user, declaration: Declaration, lookups: FactsLookups) -> prechecks.PrecheckResult:
    """Re-check one declaration, locked and found editable by the caller."""
    lines = list(declaration.lines.select_related("product__customs_filing"))
    result = prechecks.run_prechecks(declaration_facts(declaration, lines, lookups=lookups),
                                     tax_tolerance=lookups.tolerance)
    declaration.findings.all().delete()
    DeclarationFinding.objects.bulk_create([
        DeclarationFinding(declaration=declaration, code=finding.code, field=finding.field,
                           message_id=finding.message_id, params=finding.params)
        for finding in result.findings])
    tax = result.tax
    if tax is not None:
        by_line = dict(zip([line.gnum for line in lines], tax.lines, strict=False))
        for line in lines:
            line_tax = by_line.get(line.gnum)
            if line_tax is not None:
                line.dutiable_value, line.customs_duty = line_tax.dutiable_value, line_tax.customs_duty
                line.vat, line.consumption_tax = line_tax.vat, line_tax.consumption_tax
        DeclarationLine.objects.bulk_update(lines, ["dutiable_value", "customs_duty", "vat", "consumption_tax"])
        declaration.tax_basis = result.classification or tax.basis
        declaration.dutiable_value = tax.dutiable_value
        declaration.computed_duty, declaration.computed_vat = tax.customs_duty, tax.vat
        declaration.computed_consumption_tax, declaration.computed_tax = tax.consumption_tax, tax.total
    declaration.checked_at = timezone.now()
    declaration.override_reason, declaration.overridden_by, declaration.overridden_at = "", None, None
    declaration.save(update_fields=["tax_basis", "dutiable_value", "computed_duty", "computed_vat",
                                    "computed_consumption_tax", "computed_tax", "checked_at",
                                    "override_reason", "overridden_by", "overridden_at", "updated_at"])
    move_declaration(user, declaration, D.READY if result.passed else D.PRECHECK_FAILED,
                     reason=",".join(sorted({finding.code for finding in result.findings})))
    return result


def override_prechecks(*, user, declaration: Declaration, reason: str) -> Declaration:
    """Let a declaration with failed pre-checks go on (precheck_failed -> ready): needs the permission
    customs.override_declaration and a reason; every finding is marked overridden; audited.

    Errors: PERMISSION_DENIED (403), REASON_REQUIRED, NOTHING_TO_OVERRIDE / INVALID_TRANSITION (409).
    """
    check_permission(user, OVERRIDE_PERMISSION)
    reason = (reason or "").strip()
    if not reason:
        raise CustomsInvalid(CustomsError.REASON_REQUIRED, _("请填写放行预检的理由"), field="reason")
    with transaction.atomic():
        declaration = locked(declaration)
        if declaration.status != D.PRECHECK_FAILED:
            raise CustomsConflict(CustomsError.NOTHING_TO_OVERRIDE, _("申报单没有未通过的预检"), field="status")
        before = snapshot(declaration)
        codes = sorted(set(declaration.findings.values_list("code", flat=True)))
        declaration.findings.update(overridden=True)
        declaration.override_reason = reason[:500]
        declaration.overridden_by = user if getattr(user, "pk", None) else None
        declaration.overridden_at = timezone.now()
        declaration.save(update_fields=["override_reason", "overridden_by", "overridden_at", "updated_at"])
        move_declaration(user, declaration, D.READY, reason=reason)
        record_change(user=user, action=AuditAction.UPDATE, instance=declaration, before=before,
                      after=snapshot(declaration), note=f"override {','.join(codes)}: {reason}")
    return declaration


def _store_message(*, declaration, message_type: str, raw: bytes, guid: str, decoded: dict) -> CustomsMessage:
    return CustomsMessage.objects.create(
        direction=MessageDirection.OUT, message_type=message_type, guid=guid, status=MessageStatus.PENDING,
        declaration=declaration, raw=raw, sha256=hashlib.sha256(raw).hexdigest(), decoded=decoded,
        next_attempt_at=timezone.now())


def build_signed(message_type: str, document, *, base=None) -> tuple[bytes, str]:
    """Build one message around a document, sign it and check it against the XSD (a failure is a bug: raised).

    base: the BaseTransfer (default: read from the customs settings).
    """
    from ecerp.customs.messages.build import build_message
    from ecerp.customs.schema import validate_message
    from ecerp.customs.signing import get_signer

    guid = documents.new_guid()
    xml = build_message(message_type, [document], base or documents.base_transfer(), guid=guid)
    signed = get_signer().sign(xml)
    errors = validate_message(signed)
    if errors:
        raise RuntimeError(f"{message_type} built by ECERP is not valid against the XSD: {errors[:3]}")
    return signed, guid


def _decoded(declaration, message_type: str, document, **extra) -> dict:
    """What the message log shows decoded: the keys and amounts, no personal data."""
    return {"message_type": message_type, "document_guid": document.guid, "cop_no": declaration.cop_no,
            "order_no": declaration.order_no, "logistics_no": declaration.logistics_no, **extra}


APP_TYPE_CHANGE = "2"
# A document customs accepted (120 stored, 399 cleared) stays in its database after the list is rejected;
# -301010 (duplicate order number) says the same of an order sent again as new.
STORED_CODES = ("120", "399", "-301010")


def stored_documents(declaration: Declaration) -> set[str]:
    """The message types of the documents customs already holds from an earlier submission of this
    declaration: sending them again as new (appType 1) is refused as a duplicate (-301010 for the order),
    so a resubmission declares them as changes (appType 2)."""
    statuses = {"CEB311": declaration.order_status, "CEB411": declaration.payment_status,
                "CEB511": declaration.waybill_status, "CEB621": declaration.list_status}
    return {message_type for message_type, code in statuses.items() if (code or "").strip() in STORED_CODES}


def submit_declaration(*, user, declaration: Declaration) -> list[CustomsMessage]:
    """Build, sign, validate and queue the four messages (CEB311, 411, 511, 621) of a ready declaration.

    The declaration moves ready -> submitted; the messages are stored pending for the exchange to send.
    On a resubmission after a rejection, the documents customs already stored go as changes (appType 2).
    Errors: PRECHECKS_NOT_PASSED (409: a finding not overridden), INVALID_TRANSITION (409: not ready).
    """
    with transaction.atomic():
        declaration = locked(declaration)
        if declaration.findings.filter(overridden=False).exists():
            raise CustomsConflict(CustomsError.PRECHECKS_NOT_PASSED, _("预检未通过，不能申报"), field="status")
        _require_state(declaration, (D.READY,), D.SUBMITTED)
        messages, base = [], documents.base_transfer()
        stored = stored_documents(declaration)
        for message_type, document in documents.declaration_documents(declaration).items():
            if message_type in stored:  # customs keeps it from the first submission: a change, not a new one
                document = dataclasses.replace(document, app_type=APP_TYPE_CHANGE)
            raw, guid = build_signed(message_type, document, base=base)
            messages.append(_store_message(declaration=declaration, message_type=message_type, raw=raw, guid=guid,
                                           decoded=_decoded(declaration, message_type, document)))
        declaration.submitted_at = timezone.now()
        # a resubmission after a rejection starts the documents' receipts afresh (else the old "100" would
        # outrank every receipt of the new messages)
        for name in ("order", "payment", "waybill", "list"):
            setattr(declaration, f"{name}_status", "")
            setattr(declaration, f"{name}_rank", 0)
        declaration.return_info = ""
        declaration.save(update_fields=["submitted_at", "order_status", "order_rank", "payment_status",
                                        "payment_rank", "waybill_status", "waybill_rank", "list_status", "list_rank",
                                        "return_info", "updated_at"])
        move_declaration(user, declaration, D.SUBMITTED)
    return messages


def mark_sent(*, message_ids: Sequence[int]) -> int:
    """Record that the exchange sent these outgoing messages; a declaration whose messages are all sent
    moves submitted -> declared. Returns how many messages changed. Idempotent."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(CustomsMessage.objects.select_for_update().filter(
            pk__in=list(message_ids), direction=MessageDirection.OUT, status=MessageStatus.PENDING))
        for row in rows:
            row.status, row.sent_at, row.attempts, row.last_error = MessageStatus.SENT, now, row.attempts + 1, ""
        CustomsMessage.objects.bulk_update(rows, ["status", "sent_at", "attempts", "last_error"])
        declaration_ids = {row.declaration_id for row in rows if row.declaration_id}
        for declaration in Declaration.objects.select_for_update().filter(pk__in=declaration_ids,
                                                                          status=D.SUBMITTED):
            if not declaration.messages.filter(direction=MessageDirection.OUT, status=MessageStatus.PENDING).exists():
                move_declaration(None, declaration, D.DECLARED)
    return len(rows)


def mark_send_failed(*, message_id: int, error: str, retry_at: datetime.datetime | None = None) -> None:
    """Record a failed send: attempts + 1, the error, and when to try again (None: give up, status failed)."""
    with transaction.atomic():
        row = CustomsMessage.objects.select_for_update().get(pk=message_id)
        row.attempts += 1
        row.last_error = str(error)[:2000]
        row.next_attempt_at = retry_at
        if retry_at is None:
            row.status = MessageStatus.FAILED
        row.save(update_fields=["attempts", "last_error", "next_attempt_at", "status"])


def request_cancel(*, user, declaration: Declaration, reason: str) -> CustomsMessage:
    """Ask customs to cancel a declared list (CEB623): the declaration moves to cancelling until CEB624.

    Errors: REASON_REQUIRED, INVT_NO_MISSING (no list number yet), INVALID_TRANSITION (409).
    """
    reason = (reason or "").strip()
    if not reason:
        raise CustomsInvalid(CustomsError.REASON_REQUIRED, _("请填写撤销原因"), field="reason")
    with transaction.atomic():
        declaration = locked(declaration)
        _require_state(declaration, CANCELLABLE, D.CANCELLING)
        if not declaration.invt_no:
            raise CustomsConflict(CustomsError.INVT_NO_MISSING, _("海关尚未返回清单编号，不能撤销"), field="invt_no")
        document = documents.cancel_document(declaration, reason=reason[:1000])
        raw, guid = build_signed("CEB623", document)
        message = _store_message(declaration=declaration, message_type="CEB623", raw=raw, guid=guid,
                                 decoded=_decoded(declaration, "CEB623", document, reason=reason[:1000]))
        declaration.request_state, declaration.cancel_reason = declaration.status, reason[:1000]
        declaration.save(update_fields=["request_state", "cancel_reason", "updated_at"])
        move_declaration(user, declaration, D.CANCELLING, reason=reason)
    return message


def request_return(*, user, declaration: Declaration, lines: Sequence[tuple[int, int]], reason: str) -> CustomsMessage:
    """Ask customs to accept a return of released goods (CEB625): lines are (gnum, quantity).

    The declaration moves to returning until CEB626. Errors: REASON_REQUIRED, RETURN_LINES_INVALID (unknown
    gnum, quantity not in 1..declared minus returned), INVT_NO_MISSING, INVALID_TRANSITION (409).
    """
    reason = (reason or "").strip()
    if not reason:
        raise CustomsInvalid(CustomsError.REASON_REQUIRED, _("请填写退货原因"), field="reason")
    with transaction.atomic():
        declaration = locked(declaration)
        _require_state(declaration, RETURNABLE, D.RETURNING)
        if not declaration.invt_no:
            raise CustomsConflict(CustomsError.INVT_NO_MISSING, _("海关尚未返回清单编号，不能退货"), field="invt_no")
        by_gnum = {line.gnum: line for line in declaration.lines.all()}
        chosen = []
        if not lines:
            raise CustomsInvalid(CustomsError.RETURN_LINES_INVALID, _("请选择退货商品"), field="lines")
        asked: dict[int, int] = {}  # a line named twice counts once with both quantities
        for index, (gnum, quantity) in enumerate(lines, start=1):
            line = by_gnum.get(int(gnum))
            if line is None:
                raise CustomsInvalid(CustomsError.RETURN_LINES_INVALID,
                                     _("第 %(index)s 项：清单中没有商品序号 %(gnum)s"),
                                     field=f"lines.{index}", index=index, gnum=gnum)
            if int(quantity) <= 0:
                raise CustomsInvalid(CustomsError.RETURN_LINES_INVALID, _("第 %(index)s 项：退货数量应为正整数"),
                                     field=f"lines.{index}", index=index)
            asked[line.gnum] = asked.get(line.gnum, 0) + int(quantity)
            remaining = line.qty - line.returned_qty
            if asked[line.gnum] > remaining:
                raise CustomsInvalid(CustomsError.RETURN_LINES_INVALID, _(
                    "商品序号 %(gnum)s 的退货数量 %(qty)s 超过可退数量 %(remaining)s"),
                    field=f"lines.{index}", gnum=line.gnum, qty=asked[line.gnum], remaining=remaining)
        chosen = [(by_gnum[gnum], quantity) for gnum, quantity in asked.items()]
        document = documents.refund_document(declaration, lines=chosen, reason=reason[:1000])
        raw, guid = build_signed("CEB625", document)
        message = _store_message(
            declaration=declaration, message_type="CEB625", raw=raw, guid=guid,
            decoded=_decoded(declaration, "CEB625", document, reason=reason[:1000],
                             lines=[[line.gnum, quantity] for line, quantity in chosen]))
        declaration.request_state, declaration.return_reason = declaration.status, reason[:1000]
        declaration.save(update_fields=["request_state", "return_reason", "updated_at"])
        move_declaration(user, declaration, D.RETURNING, reason=reason)
    return message
