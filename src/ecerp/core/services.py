"""Services of the shared kernel: coding rules, system mode, API tokens, login throttling."""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecerp.core.audit import record_change, record_login, snapshot
from ecerp.core.errors import DomainError, ErrorCode
from ecerp.core.models import (
    ApiToken,
    AuditAction,
    CodeSequence,
    CodingRule,
    CodingRuleKind,
    DatePart,
    LoginFailure,
    SystemMode,
    SystemSetting,
)

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,39}$")

# The rules a fresh company starts with; an admin may change them on the coding-rule page.
DEFAULT_RULES = {
    "department": dict(name="部门", kind=CodingRuleKind.SEQUENCE, prefix="D", sequence_length=3),
    "employee": dict(name="员工", kind=CodingRuleKind.SEQUENCE, prefix="E", sequence_length=5),
    "partner": dict(name="业务单位", kind=CodingRuleKind.SEQUENCE, prefix="P", sequence_length=5),
    "category": dict(name="商品分类", kind=CodingRuleKind.HIERARCHICAL, segment_lengths="2-2-3"),
    "product": dict(name="商品", kind=CodingRuleKind.SEQUENCE, prefix="SKU", sequence_length=6),
    "warehouse": dict(name="仓库", kind=CodingRuleKind.SEQUENCE, prefix="WH", sequence_length=3),
    "location": dict(name="库位", kind=CodingRuleKind.SEQUENCE, prefix="L", sequence_length=5),
    "store": dict(name="店铺", kind=CodingRuleKind.SEQUENCE, prefix="ST", sequence_length=3),
    "sales_order": dict(name="销售订单", kind=CodingRuleKind.SEQUENCE, prefix="SO", date_part="%Y%m%d",
                        sequence_length=6),
    "purchase_order": dict(name="采购订单", kind=CodingRuleKind.SEQUENCE, prefix="PO", date_part="%Y%m%d",
                           sequence_length=5),
}


def ensure_default_rules() -> None:
    """Create the default coding rules that do not exist yet (never changes an existing rule)."""
    existing = set(CodingRule.objects.values_list("target", flat=True))
    CodingRule.objects.bulk_create(
        [CodingRule(target=target, **values) for target, values in DEFAULT_RULES.items() if target not in existing],
        ignore_conflicts=True,
    )


def get_rule(target: str) -> CodingRule:
    """Return the coding rule of target, creating the default one if missing."""
    try:
        return CodingRule.objects.get(target=target)
    except CodingRule.DoesNotExist:
        if target not in DEFAULT_RULES:
            raise DomainError(
                ErrorCode.CODE_RULE_MISSING, _("没有「%(target)s」的编码规则"), field="code", target=target
            ) from None
        CodingRule.objects.get_or_create(target=target, defaults=DEFAULT_RULES[target])
        return CodingRule.objects.get(target=target)


def _advance(rule: CodingRule, scope: str, count: int) -> int:
    """Add count to the sequence of (rule, scope) in one conditional UPDATE; return the new last value.

    The UPDATE takes the row lock until the caller's transaction ends, so two
    transactions can never receive the same numbers.
    """
    with transaction.atomic():
        rows = CodeSequence.objects.filter(rule=rule, scope=scope)
        if not rows.update(last_value=F("last_value") + count):
            try:
                with transaction.atomic():
                    CodeSequence.objects.create(rule=rule, scope=scope, last_value=count)
                    return count
            except IntegrityError:
                rows.update(last_value=F("last_value") + count)
        return rows.values_list("last_value", flat=True).get()


def _local_date(when: datetime.datetime | datetime.date | None) -> datetime.date:
    if when is None:
        return timezone.localdate()
    if isinstance(when, datetime.datetime):
        return timezone.localtime(when).date() if timezone.is_aware(when) else when.date()
    return when


def _sequence_scope(rule: CodingRule, when) -> str:
    return _local_date(when).strftime(rule.date_part) if rule.date_part else ""


def next_codes(*, target: str, count: int = 1, when=None) -> list[str]:
    """Hand out count new codes of a sequence rule: prefix + date part + zero-padded number.

    Raises SEQUENCE_EXHAUSTED when the numbers would outgrow the rule's length.
    """
    if count <= 0:
        return []
    rule = get_rule(target)
    if rule.kind != CodingRuleKind.SEQUENCE:
        raise DomainError(ErrorCode.CODE_RULE_MISSING, _("「%(target)s」使用分级编码，请指定上级"),
                          field="code", target=target)
    scope = _sequence_scope(rule, when)
    last = _advance(rule, scope, count)
    if last >= 10**rule.sequence_length:
        raise DomainError(ErrorCode.SEQUENCE_EXHAUSTED, _("「%(name)s」的流水号已用完（%(length)s 位）"),
                          field="code", name=rule.name, length=rule.sequence_length)
    head = f"{rule.prefix}{scope}"
    return [f"{head}{number:0{rule.sequence_length}d}" for number in range(last - count + 1, last + 1)]


def next_code(*, target: str, when=None) -> str:
    """Hand out one new code of a sequence rule (e.g. SO20261129000001)."""
    return next_codes(target=target, count=1, when=when)[0]


def level_lengths(rule: CodingRule) -> list[int]:
    """The code length of each level of a hierarchical rule (2-2-3: [2, 4, 7])."""
    total, lengths = 0, []
    for length in rule.segments:
        total += length
        lengths.append(total)
    return lengths


def next_child_code(*, target: str, parent_code: str | None) -> str:
    """Hand out the next code under parent_code for a hierarchical rule (2-2-3: 01, 0103, 0103007)."""
    rule = get_rule(target)
    levels = level_lengths(rule)
    parent_code = parent_code or ""
    if parent_code and len(parent_code) not in levels:
        raise DomainError(ErrorCode.CODE_PARENT_MISMATCH, _("上级编码「%(parent)s」不符合分级规则"),
                          field="parent", parent=parent_code)
    depth = levels.index(len(parent_code)) + 1 if parent_code else 0
    if depth >= len(levels):
        raise DomainError(ErrorCode.CODE_LEVEL_TOO_DEEP, _("编码规则只允许 %(levels)s 级"),
                          field="parent", levels=len(levels))
    length = rule.segments[depth]
    last = _advance(rule, parent_code, 1)
    if last >= 10**length:
        raise DomainError(ErrorCode.SEQUENCE_EXHAUSTED, _("「%(parent)s」下的编码已用完"),
                          field="code", parent=parent_code or "-")
    return f"{parent_code}{last:0{length}d}"


def check_code(*, target: str, code: str, parent_code: str | None = None, field: str = "code") -> str:
    """Check a code given by hand against target's rule and return it normalised (stripped).

    Sequence rules: letters, digits and . _ - / only, at most 40 characters.
    Hierarchical rules: the length of its level and starting with the parent's code.
    A hand-given code that matches the generated pattern moves the sequence past it,
    so a later generated code never collides with it. See check_codes for many codes.
    """
    return check_codes(target=target, codes=[code], parent_codes=[parent_code], field=field)[0]


def check_codes(*, target: str, codes: list[str], parent_codes: list[str | None] | None = None,
                field: str = "code", move_sequences: bool = True) -> list[str]:
    """Check many codes given by hand against target's rule; return them normalised (stripped), in order.

    The rules are check_code's; parent_codes, when given, pairs each code with its parent's
    code (hierarchical rules). Every code is checked before anything is written: one
    DomainError carries a detail per refused code, whose params["index"] is the code's
    position in codes. When every code passes and move_sequences is true, each sequence
    the codes match the generated pattern of moves once, to the highest number given
    (sequences in a fixed order, so concurrent batches lock them alike). With
    move_sequences false nothing is written (a dry run).
    """
    rule = get_rule(target)
    parents = [None] * len(codes) if parent_codes is None else parent_codes
    date_width = len(_local_date(None).strftime(rule.date_part)) if rule.date_part else 0
    checked: list[str] = []
    highest: dict[str, int] = {}
    details = []
    for index, (code, parent_code) in enumerate(zip(codes, parents, strict=True)):
        try:
            text, used = _checked_code(rule, code, parent_code, field, date_width)
        except DomainError as error:
            for detail in error.details:
                detail.params["index"] = index
            details.extend(error.details)
            checked.append(code)
            continue
        checked.append(text)
        if used is not None and used[1] > highest.get(used[0], -1):
            highest[used[0]] = used[1]
    if details:
        raise DomainError.many(details)
    if move_sequences:
        for scope, number in sorted(highest.items()):
            note_used_number(rule, scope, number)
    return checked


def _checked_code(rule: CodingRule, code: str, parent_code: str | None, field: str,
                  date_width: int) -> tuple[str, tuple[str, int] | None]:
    """One code of check_codes: the code stripped and the (scope, number) it takes from a sequence, if any."""
    code = (code or "").strip()
    if not CODE_PATTERN.match(code):
        raise DomainError(ErrorCode.INVALID_CODE, _("编码「%(code)s」只能包含字母、数字和 . _ - /，最长 40 位"),
                          field=field, code=code)
    if rule.kind == CodingRuleKind.HIERARCHICAL:
        levels = level_lengths(rule)
        expected = len(parent_code) if parent_code else 0
        position = levels.index(expected) + 1 if expected in levels and parent_code else 0
        if parent_code and expected not in levels:
            raise DomainError(ErrorCode.CODE_PARENT_MISMATCH, _("上级编码「%(parent)s」不符合分级规则"),
                              field="parent", parent=parent_code)
        if position >= len(levels):
            raise DomainError(ErrorCode.CODE_LEVEL_TOO_DEEP, _("编码规则只允许 %(levels)s 级"),
                              field="parent", levels=len(levels))
        if len(code) != levels[position] or (parent_code and not code.startswith(parent_code)):
            raise DomainError(
                ErrorCode.CODE_PARENT_MISMATCH,
                _("编码「%(code)s」应为 %(length)s 位并以上级编码「%(parent)s」开头（规则 %(rule)s）"),
                field=field, code=code, length=levels[position], parent=parent_code or "-",
                rule=rule.segment_lengths,
            )
        tail = code[len(parent_code or ""):]
        return code, ((parent_code or "", int(tail)) if tail.isdigit() else None)
    head = rule.prefix
    if code.startswith(head):
        rest = code[len(head):]
        scope, number = rest[:date_width], rest[date_width:]
        if len(number) == rule.sequence_length and number.isdigit() and (scope.isdigit() or not scope):
            return code, (scope, int(number))
    return code, None


def note_used_number(rule: CodingRule, scope: str, number: int) -> None:
    """Move the sequence of (rule, scope) to at least number (conditional update, never backwards)."""
    with transaction.atomic():
        rows = CodeSequence.objects.filter(rule=rule, scope=scope)
        if not rows.exists():
            try:
                with transaction.atomic():
                    CodeSequence.objects.create(rule=rule, scope=scope, last_value=number)
                    return
            except IntegrityError:
                pass
        rows.filter(last_value__lt=number).update(last_value=number)


RULE_FIELDS = {"name", "kind", "prefix", "date_part", "sequence_length", "segment_lengths", "allow_manual"}
PREFIX_PATTERN = re.compile(r"^[A-Za-z0-9._\-/]{0,10}$")
MAX_CODE_LENGTH = 40


def _check_rule(rule: CodingRule) -> None:
    """Raise INVALID_VALUE naming the field when a rule could not produce valid codes."""
    if rule.kind not in CodingRuleKind.values:
        raise DomainError(ErrorCode.INVALID_VALUE, _("无效的编码类型：%(value)s"), field="kind", value=rule.kind)
    if rule.date_part not in DatePart.values:
        raise DomainError(ErrorCode.INVALID_VALUE, _("无效的日期部分：%(value)s"), field="date_part",
                          value=rule.date_part)
    if not PREFIX_PATTERN.match(rule.prefix or ""):
        raise DomainError(ErrorCode.INVALID_VALUE, _("前缀「%(value)s」只能包含字母、数字和 . _ - /，最长 10 位"),
                          field="prefix", value=rule.prefix)
    length = rule.sequence_length
    if not isinstance(length, int) or isinstance(length, bool) or not 1 <= length <= 12:
        raise DomainError(ErrorCode.INVALID_VALUE, _("流水号位数应为 1 到 12"), field="sequence_length")
    if rule.kind == CodingRuleKind.HIERARCHICAL:
        parts = (rule.segment_lengths or "").split("-")
        if not all(part.strip().isdigit() and 0 < int(part) <= 9 for part in parts):
            raise DomainError(ErrorCode.INVALID_VALUE, _("分级段长格式应为如 2-2-3 的数字"),
                              field="segment_lengths")
        if sum(int(part) for part in parts) > MAX_CODE_LENGTH:
            raise DomainError(ErrorCode.INVALID_VALUE, _("分级编码总长不能超过 %(max)s 位"),
                              field="segment_lengths", max=MAX_CODE_LENGTH)


def update_coding_rule(*, user, target: str, **changes) -> CodingRule:
    """Change a coding rule (prefix, date part, lengths); audited. Codes already given stay as they are.

    Raises INVALID_VALUE naming the field for an unknown field, a prefix outside the code
    charset, a length out of range, bad segment lengths or codes longer than 40 characters.
    """
    with transaction.atomic():
        rule = CodingRule.objects.select_for_update().get(target=target)
        before = snapshot(rule)
        for key, value in changes.items():
            if key not in RULE_FIELDS:
                raise DomainError(ErrorCode.INVALID_VALUE, _("编码规则没有字段「%(field)s」"), field=key)
            setattr(rule, key, value)
        _check_rule(rule)
        rule.save()
        record_change(user=user, action=AuditAction.UPDATE, instance=rule, before=before, after=snapshot(rule))
    return rule


# --- named locks ----------------------------------------------------------------------------------

def lock_named(name: str) -> None:
    """Serialise one kind of change across connections until the current transaction ends.

    Must run inside transaction.atomic(). On PostgreSQL this takes a transaction-scoped
    advisory lock keyed by the name; SQLite already runs one writing transaction at a time
    (IMMEDIATE transactions), so nothing more is needed there.
    """
    from django.db import connection

    if not connection.in_atomic_block:
        raise RuntimeError("lock_named() must be called inside transaction.atomic()")
    if connection.vendor == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


# --- system mode -----------------------------------------------------------------------------------

MODE_KEY = "system_mode"


def get_system_mode() -> str:
    """Return training / trial / live (training on a fresh install)."""
    value = SystemSetting.objects.filter(key=MODE_KEY).values_list("value", flat=True).first()
    return value or SystemMode.TRAINING


def set_system_mode(*, user, mode: str) -> None:
    """Set the system mode (display only for now); audited."""
    if mode not in SystemMode.values:
        raise DomainError(ErrorCode.INVALID_VALUE, _("无效的系统模式：%(mode)s"), field="mode", mode=mode)
    set_setting(user=user, key=MODE_KEY, value=mode)


def get_setting(key: str, default: str = "") -> str:
    """Return the value of a plain setting, or default when it was never set."""
    value = SystemSetting.objects.filter(key=key).values_list("value", flat=True).first()
    return default if value is None else value


def get_settings(defaults: dict[str, str]) -> dict[str, str]:
    """Return several plain settings in one query: {key: value, or the key's default when never set}."""
    found = dict(SystemSetting.objects.filter(key__in=list(defaults)).values_list("key", "value"))
    return {key: found.get(key, default) for key, default in defaults.items()}


def set_setting(*, user, key: str, value: str) -> None:
    """Store a plain setting (e.g. that the demo company was loaded); audited (a setting row when it changed)."""
    with transaction.atomic():
        setting, _created = SystemSetting.objects.select_for_update().get_or_create(key=key)
        before = snapshot(setting)
        setting.value = value
        setting.save()
        record_change(user=user, action=AuditAction.SETTING, instance=setting, before=before,
                      after=snapshot(setting))


# --- API tokens ------------------------------------------------------------------------------------

def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_token(*, user, owner, name: str, days: int | None = 365) -> tuple[ApiToken, str]:
    """Issue a bearer token for owner; the secret is returned once and only its hash is kept."""
    secret = "ecerp_" + secrets.token_urlsafe(32)
    expires = timezone.now() + datetime.timedelta(days=days) if days else None
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=owner, name=name[:100], prefix=secret[:12], token_hash=_hash_token(secret), expires_at=expires
        )
        record_change(user=user, action=AuditAction.CREATE, instance=token, after={"name": token.name,
                                                                                  "user": owner.pk})
    return token, secret


def authenticate_token(secret: str):
    """Return the active user owning this token secret, or None."""
    if not secret:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=_hash_token(secret), revoked=False)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.expires_at and token.expires_at <= now:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def revoke_api_token(*, user, token_id: int) -> None:
    """Revoke a token; audited."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token_id)
        token.revoked = True
        token.save(update_fields=["revoked"])
        record_change(user=user, action=AuditAction.UPDATE, instance=token, before={"revoked": False},
                      after={"revoked": True})


# --- login throttling ------------------------------------------------------------------------------

def login_throttled(*, username: str, address: str) -> bool:
    """True when too many logins failed for this username or address inside the window."""
    since = timezone.now() - datetime.timedelta(seconds=settings.ECERP_LOGIN_WINDOW_SECONDS)
    recent = LoginFailure.objects.filter(at__gte=since)
    limit = settings.ECERP_LOGIN_MAX_FAILURES
    if username and recent.filter(username=username.lower()).count() >= limit:
        return True
    return bool(address) and recent.filter(address=address).count() >= limit * 4


def record_login_failure(*, username: str, address: str) -> None:
    LoginFailure.objects.create(username=(username or "").lower()[:150], address=(address or "")[:64])


def clear_login_failures(*, username: str) -> None:
    LoginFailure.objects.filter(username=(username or "").lower()).delete()


def throttled_authenticate(request, *, username: str, password: str):
    """Authenticate username/password unless throttled; return the user or None. Every attempt is audited.

    The one door of the page login, the admin login and the API token endpoint. Raises
    LOGIN_THROTTLED after too many failures for the username or the address. Each attempt
    writes an audit row (action "login"): the user on success, the username tried on failure
    or when throttled; the password is never written anywhere.
    """
    from django.contrib.auth import authenticate

    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    path = request.path if request is not None else ""
    if login_throttled(username=username, address=address):
        error = DomainError(ErrorCode.LOGIN_THROTTLED, _("登录失败次数过多，请 %(minutes)s 分钟后再试"),
                            field="username", minutes=settings.ECERP_LOGIN_WINDOW_SECONDS // 60)
        record_login(username=username, address=address, path=path, success=False, note=str(error))
        raise error
    user = authenticate(request, username=username, password=password)
    if user is None:
        record_login_failure(username=username, address=address)
        record_login(username=username, address=address, path=path, success=False,
                     note=str(_("用户名或密码错误")))
        return None
    clear_login_failures(username=username)
    record_login(username=username, user=user, address=address, path=path, success=True)
    return user
