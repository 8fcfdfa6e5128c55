"""The one domain error type of ECERP and the codes of the core app.

A business failure is raised as a DomainError (or a subclass) carrying a stable
code, the field it concerns and named parameters. One place turns it into the
API's {"errors": [{"field", "code", "message"}]} and into page messages.
Messages are translatable and Chinese first.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


class ErrorCode(enum.StrEnum):
    """Codes of the core app, the HTTP edge's included. Each app has its own enum in its errors.py."""

    INVALID_DECIMAL = "INVALID_DECIMAL"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    NEGATIVE_AMOUNT = "NEGATIVE_AMOUNT"
    INVALID_CODE = "INVALID_CODE"
    CODE_TAKEN = "CODE_TAKEN"
    CODE_RULE_MISSING = "CODE_RULE_MISSING"
    CODE_PARENT_MISMATCH = "CODE_PARENT_MISMATCH"
    CODE_LEVEL_TOO_DEEP = "CODE_LEVEL_TOO_DEEP"
    SEQUENCE_EXHAUSTED = "SEQUENCE_EXHAUSTED"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    NOT_FOUND = "NOT_FOUND"
    REQUIRED = "REQUIRED"
    INVALID_VALUE = "INVALID_VALUE"
    CONFLICT = "CONFLICT"
    LOGIN_THROTTLED = "LOGIN_THROTTLED"
    # Produced by the HTTP edge itself (ecerp.api, ecerp.core.api), not by a service.
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    CSRF_FAILED = "CSRF_FAILED"
    SERVER_ERROR = "SERVER_ERROR"


@dataclass
class ErrorDetail:
    """One problem: which field, which code, what message (already rendered)."""

    code: str
    message: str
    field: str | None = None
    row: int | None = None
    params: dict = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict:
        data = {"field": self.field, "code": self.code, "message": self.message}
        if self.row is not None:
            data["row"] = self.row
        return data


class DomainError(Exception):
    """A business rule was broken. Carries one or more ErrorDetail.

    Raise as DomainError(code, message, field=..., **params) where message is a
    lazy translatable string with %(name)s placeholders filled from params.
    """

    http_status = 400

    def __init__(self, code, message=None, /, *, field: str | None = None, row: int | None = None, **params):
        code = str(code)
        rendered = str(message % params if params and message is not None else (message or code))
        self.details = [ErrorDetail(code=code, message=rendered, field=field, row=row, params=params)]
        super().__init__(rendered)

    @classmethod
    def many(cls, details: list[ErrorDetail]) -> DomainError:
        """Build one error from several details (e.g. every invalid field of a form).

        Works for subclasses with their own constructor (NotFound, PermissionDenied): the
        base initialiser is used, so the class and its http_status are kept.
        """
        if not details:
            raise ValueError("DomainError.many() needs at least one detail")
        error = cls.__new__(cls)
        DomainError.__init__(error, details[0].code, details[0].message, field=details[0].field, row=details[0].row)
        error.details = list(details)
        return error

    @property
    def code(self) -> str:
        return self.details[0].code

    @property
    def field(self) -> str | None:
        return self.details[0].field

    def as_dict(self) -> dict:
        return {"errors": [detail.as_dict() for detail in self.details]}


class NotFound(DomainError):
    http_status = 404

    def __init__(self, what: str, key, field: str | None = None):
        super().__init__(
            ErrorCode.NOT_FOUND, _("%(what)s「%(key)s」不存在"), field=field, what=what, key=key
        )


class PermissionDenied(DomainError):
    http_status = 403

    def __init__(self, permission: str):
        super().__init__(
            ErrorCode.PERMISSION_DENIED,
            _("没有权限执行此操作（需要 %(permission)s）"),
            permission=permission,
        )


class Conflict(DomainError):
    http_status = 409
