"""The state-machine helper every stateful document uses.

An app declares its states as a TextChoices enum and TRANSITIONS as
{from_state: {to_state, ...}} in its states.py; its services call move().
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecerp.core.errors import DomainError, ErrorCode
from ecerp.core.models import StateHistory


class InvalidTransition(DomainError):
    http_status = 409


def can_move(transitions: dict, from_state: str, to_state: str) -> bool:
    """True when from_state may become to_state (staying in the same state always may)."""
    return from_state == to_state or to_state in transitions.get(from_state, ())


def check_transition(transitions: dict, from_state: str, to_state: str, *, field: str = "status",
                     labels: dict | None = None) -> None:
    """Raise InvalidTransition (INVALID_TRANSITION, 409) naming both states unless from_state may become to_state.

    labels maps states to their display names (e.g. dict(EmployeeStatus.choices)).
    """
    if can_move(transitions, from_state, to_state):
        return
    labels = labels or {}
    raise InvalidTransition(
        ErrorCode.INVALID_TRANSITION,
        _("不能从「%(from_state)s」变为「%(to_state)s」"),
        field=field,
        from_state=str(labels.get(from_state, from_state)),
        to_state=str(labels.get(to_state, to_state)),
    )


def move(*, user, obj, to_state: str, transitions: dict, field: str = "status", reason: str = "",
         labels: dict | None = None) -> bool:
    """Move obj along its state machine and write a history row.

    The same state is a no-op (returns False, so retries are safe); a forbidden
    edge raises InvalidTransition naming both states. The caller holds the row lock.
    """
    current = getattr(obj, field)
    if current == to_state:
        return False
    check_transition(transitions, current, to_state, field=field, labels=labels)
    setattr(obj, field, to_state)
    obj.save(update_fields=[field])
    StateHistory.objects.create(
        model=obj._meta.label_lower,
        object_id=str(obj.pk),
        field=field,
        from_state=current,
        to_state=to_state,
        user=user if getattr(user, "pk", None) else None,
        reason=reason[:300],
    )
    return True


def move_rows(*, user, model, rows: list[tuple], to_state: str, transitions: dict, field: str = "status",
              reason: str | dict = "", labels: dict | None = None, extra: dict | None = None) -> list:
    """move_many() for rows given as (pk, current state) instead of model instances.

    The caller has locked the rows and read their current state. Rows already in to_state are
    left alone; any forbidden edge raises InvalidTransition before anything is written. One
    UPDATE (pk IN ...) sets field (and extra) and one insert writes the history rows. Returns the
    (pk, from_state) pairs moved.
    """
    from ecerp.core.bulk import insert_rows

    moving = [(pk, current) for pk, current in rows if current != to_state]
    for _pk, current in moving:
        check_transition(transitions, current, to_state, field=field, labels=labels)
    if not moving:
        return []
    model.objects.filter(pk__any=[pk for pk, _current in moving]).update(**{field: to_state}, **(extra or {}))
    who = user.pk if getattr(user, "pk", None) else None
    label = model._meta.label_lower
    at = StateHistory._meta.get_field("at").get_db_prep_save(timezone.now(), connection)
    insert_rows(StateHistory, ["at", "model", "object_id", "field", "from_state", "to_state", "user_id", "reason"], [
        (at, label, str(pk), field, current, to_state, who,
         str(reason.get(pk, "") if isinstance(reason, dict) else reason)[:300])
        for pk, current in moving])
    return moving


def move_many(*, user, objs: list, to_state: str, transitions: dict, field: str = "status",
              reason: str | dict = "", labels: dict | None = None, extra: dict | None = None) -> list:
    """move() for a batch: one UPDATE for every object that changes state and one insert of history rows.

    objs are model instances of one model whose rows the caller has locked. Objects already in
    to_state are left alone (not returned); any forbidden edge raises InvalidTransition before
    anything is written. reason is one text for all or {pk: text}. extra sets more fields in the
    same UPDATE (e.g. {"hold_reason": ""}). Returns the objects moved (their field set to to_state).
    """
    moving = [obj for obj in objs if getattr(obj, field) != to_state]
    if not moving:
        return []
    move_rows(user=user, model=type(moving[0]), rows=[(obj.pk, getattr(obj, field)) for obj in moving],
              to_state=to_state, transitions=transitions, field=field, reason=reason, labels=labels, extra=extra)
    for obj in moving:
        setattr(obj, field, to_state)
        for name, value in (extra or {}).items():
            setattr(obj, name, value)
    return moving
