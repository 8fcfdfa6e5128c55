"""Helpers shared by the customs services: typed assignment of input values and collected errors."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from ecerp.core.errors import DomainError, ErrorCode, ErrorDetail
from ecerp.customs.errors import CustomsError, CustomsInvalid


def label_of(instance_or_model, field: str) -> str:
    return str(instance_or_model._meta.get_field(field).verbose_name)


def assign(instance: models.Model, data: dict, fields: tuple[str, ...], details: list[ErrorDetail]) -> None:
    """Set each of fields present in data on instance, converted by the model field (strings from forms too).

    A key of data that is not in fields is refused (INVALID_VALUE); a value the field cannot hold is reported
    as INVALID_VALUE naming the field. Relations are given as instances.
    """
    for key in data:
        if key not in fields:
            message = _("「%(field)s」不是可修改的字段") % {"field": key}
            details.append(ErrorDetail(ErrorCode.INVALID_VALUE, message, key))
    for name in fields:
        if name not in data:
            continue
        field = instance._meta.get_field(name)
        value = data[name]
        if field.is_relation:
            setattr(instance, name, value or None)
            continue
        if isinstance(value, str):
            value = value.strip()
        if value in ("", None) and field.null:
            value = None
        elif value is None and not field.null:
            value = field.get_default()
        try:
            value = field.to_python(value)
        except ValidationError:
            code = CustomsError.INVALID_NUMBER if isinstance(field, models.DecimalField) else ErrorCode.INVALID_VALUE
            message = _("「%(label)s」无效：%(value)s") % {"label": field.verbose_name, "value": value}
            details.append(ErrorDetail(code, message, name))
            continue
        if field.choices and value not in ("", None) and value not in {choice for choice, _label in field.choices}:
            details.append(ErrorDetail(ErrorCode.INVALID_VALUE, _("无效的%(label)s：%(value)s") % {
                "label": field.verbose_name, "value": value}, name))
            continue
        setattr(instance, name, value)


def run_checks(checks: list[Callable[[], None]], details: list[ErrorDetail]) -> None:
    """Run every check (each raises DomainError); add what they raise to details."""
    for check in checks:
        try:
            check()
        except DomainError as error:
            details.extend(error.details)


def raise_details(details: list[ErrorDetail]) -> None:
    """Raise one CustomsInvalid carrying every detail, if there is any."""
    if details:
        raise CustomsInvalid.many(details)


def required(instance: models.Model, *fields: str) -> list[ErrorDetail]:
    """REQUIRED details of the empty fields of instance, each naming the field by its label."""
    return [ErrorDetail(ErrorCode.REQUIRED, _("「%(label)s」不能为空") % {"label": label_of(instance, name)}, name)
            for name in fields if getattr(instance, name) in (None, "")]
