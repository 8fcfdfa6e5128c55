"""Idempotency keys of API requests: the same key and body replay the first answer; a different body is 409."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ecerp.sales.errors import SalesConflict, SalesError
from ecerp.sales.models import IdempotencyKey


def request_hash(body) -> str:
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_idempotent(*, user, key: str, body, handler: Callable[[], tuple[int, dict]]) -> tuple[int, dict]:
    """Run handler() once per (user, key): return (status, response), replaying the stored answer on a repeat.

    Raises SalesConflict IDEMPOTENCY_CONFLICT (409) when the key was used with a different body.
    The handler's writes and the key commit together; a concurrent twin waits on the unique key and
    then replays.
    """
    digest = request_hash(body)
    user_id = getattr(user, "pk", None)

    def replay(stored: IdempotencyKey) -> tuple[int, dict]:
        if stored.request_hash != digest:
            raise SalesConflict(SalesError.IDEMPOTENCY_CONFLICT,
                                _("幂等键「%(key)s」已用于另一个请求体"), field="Idempotency-Key", key=key)
        return stored.status_code, stored.response

    stored = IdempotencyKey.objects.filter(user_id=user_id, key=key).first()
    if stored is not None:
        return replay(stored)
    try:
        with transaction.atomic():
            status, response = handler()
            IdempotencyKey.objects.create(user_id=user_id, key=key, request_hash=digest, status_code=status,
                                          response=response)
    except IntegrityError:
        stored = IdempotencyKey.objects.filter(user_id=user_id, key=key).first()
        if stored is None:
            raise
        return replay(stored)
    return status, response
