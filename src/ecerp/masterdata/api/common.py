"""Shared pieces of the master data API modules: JSON input into service arguments, answers."""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.responses import Status

from ecerp.core.api import ErrorsOut
from ecerp.core.errors import DomainError, ErrorCode, ErrorDetail
from ecerp.core.money import parse_decimal
from ecerp.masterdata import services
from ecerp.masterdata.errors import MasterdataError, MasterdataInvalid

WRITE_ERRORS = {400: ErrorsOut, 404: ErrorsOut, 409: ErrorsOut}
DELETE_ERRORS = {404: ErrorsOut, 409: ErrorsOut}


def input_data(payload, *, decimals: tuple[str, ...] = (), optional_decimals: tuple[str, ...] = ()) -> dict:
    """The fields the client gave, with decimal strings parsed; every unparsable one is reported at once.

    Sign and range are the service's checks, so negatives pass through to it.
    """
    data = payload.dict(exclude_unset=True)
    problems: list[ErrorDetail] = []
    for field in (*decimals, *optional_decimals):
        if field not in data:
            continue
        try:
            data[field] = parse_decimal(data[field], field=field, allow_negative=True)
            if data[field] is None and field in decimals:
                raise DomainError(ErrorCode.REQUIRED, _("「%(field)s」不能为空"), field=field)
        except DomainError as error:
            problems.extend(error.details)
    if problems:
        raise MasterdataInvalid.many(problems)
    return data


def resolve_foreign(data: dict, name: str, queryset, code: MasterdataError) -> None:
    """Replace data[name + "_id"] by the row it names (None stays None); unknown ids raise code."""
    key = f"{name}_id"
    if key not in data:
        return
    pk = data.pop(key)
    if pk is None:
        data[name] = None
        return
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise MasterdataInvalid(code, _("%(what)s「%(key)s」不存在"), field=key,
                                what=queryset.model._meta.verbose_name, key=pk)
    data[name] = row


def stored(instance):
    """The instance as the database now holds it (decimals at their column scale, defaults filled)."""
    instance.refresh_from_db()
    return instance


def created(instance):
    return Status(201, stored(instance))


def deleted(request: HttpRequest, instance):
    services.delete_record(user=request.user, instance=instance)
    return Status(204, None)
