"""Shared pieces of the master data API modules: JSON input into service arguments, answers, and Crud,
the list / get / create / update / delete plumbing every type shares, so each module states only what differs.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Callable

from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from ecerp.core.api import ErrorsOut, Pagination
from ecerp.core.errors import DomainError, ErrorCode, ErrorDetail
from ecerp.core.money import parse_decimal
from ecerp.core.permissions import api_permission
from ecerp.masterdata import queries, services
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


def deleted(request: HttpRequest, instance):
    """Delete through the service (IN_USE, 409, while something refers to it) and answer 204."""
    services.delete_record(user=request.user, instance=instance)
    return Status(204, None)


# --- the CRUD operations of one type ------------------------------------------------------------------

PATH_PARAMETER = re.compile(r"\{(\w+)\}")


def _operation(name: str, module: str, doc: str | None, parameters: list[tuple[str, object]], body: Callable):
    """A view function named name in module, taking request and the given (name, annotation) parameters.

    django-ninja reads an operation's inputs from its signature and names it (operation id, URL name,
    summary) after the function, so the generated function carries the name and signature a
    hand-written one would have.
    """
    def view(request: HttpRequest, **kwargs):
        return body(request, **kwargs)

    view.__name__ = view.__qualname__ = name
    view.__module__ = module
    view.__doc__ = doc
    view.__signature__ = inspect.Signature([
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=HttpRequest),
        *[inspect.Parameter(parameter, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=annotation)
          for parameter, annotation in parameters],
    ])
    return view


@dataclasses.dataclass
class Crud:
    """The list / get / create / update / delete operations of one master-data type.

    register(router) adds them under the names, paths, permissions, schemas and answers every type
    shares: list_<plural> (GET collection, paginated), get_<name> (GET item), create_<name> (POST
    collection, 201), update_<name> (PATCH item), delete_<name> (DELETE item, 204), each declaring
    masterdata.<view|add|change|delete>_<model>. The collection path may hold its parent's id
    (e.g. "/{warehouse_id}/locations"); every path parameter is an integer and reaches the hooks
    as a keyword argument.
    """

    model: type[Model]
    name: str
    plural: str
    module: str  # the endpoint module's __name__ (part of each operation id)
    out: type[Schema]
    payload: type[Schema]
    save: Callable  # the service: save(user=, data=, instance=None)
    listing: Callable  # (request, **path ids, **filters) -> QuerySet
    filters: type[Schema] | None = None
    detail_out: type[Schema] | None = None  # what get, create and update answer (default: out)
    collection: str = ""
    id_name: str = ""  # the item's path parameter (default: <name>_id)
    fetch: Callable | None = None  # (request, **path ids) -> the row (default: get_record by its id)
    decimals: dict = dataclasses.field(default_factory=dict)  # input_data's decimals / optional_decimals
    # name -> (rows the client may name, or (request) -> those rows; the code of an unknown id): <name>_id
    # of the payload becomes the row (resolve_foreign).
    foreign: dict[str, tuple] = dataclasses.field(default_factory=dict)
    parent: tuple[str, Callable] | None = None  # (field, (request, **collection ids) -> row) added on create
    answer: Callable = stored  # the saved row -> what create and update answer
    paginated: bool = True
    operations: tuple[str, ...] = ("list", "get", "create", "update", "delete")
    docs: dict[str, str] = dataclasses.field(default_factory=dict)

    def register(self, router: Router) -> None:
        """Add the operations named in self.operations to router."""
        for operation in self.operations:
            getattr(self, f"_add_{operation}")(router)

    # --- pieces ----------------------------------------------------------------------------------

    @property
    def item(self) -> str:
        return f"{self.collection}/{{{self.id_name or self.name + '_id'}}}"

    def _permission(self, action: str) -> str:
        return f"masterdata.{action}_{self.model._meta.model_name}"

    @staticmethod
    def _ids(path: str) -> list[tuple[str, type]]:
        return [(name, int) for name in PATH_PARAMETER.findall(path)]

    def _fetch(self, request: HttpRequest, **ids) -> Model:
        if self.fetch is not None:
            return self.fetch(request, **ids)
        return queries.get_record(self.model, ids[self.id_name or f"{self.name}_id"])

    def _data(self, request: HttpRequest, payload) -> dict:
        data = input_data(payload, **self.decimals)
        for name, (rows, code) in self.foreign.items():
            resolve_foreign(data, name, rows(request) if callable(rows) else rows, code)
        return data

    def _view(self, name: str, operation: str, parameters: list, body: Callable):
        return _operation(name, self.module, self.docs.get(operation), parameters, body)

    # --- operations ------------------------------------------------------------------------------

    def _add_list(self, router: Router) -> None:
        nested = bool(self._ids(self.collection))
        filters = [("filters", Query[self.filters])] if self.filters is not None else []

        def body(request, filters=None, **ids):
            return self.listing(request, **ids, **(filters.dict() if filters is not None else {}))

        view = api_permission(self._permission("view"))(
            self._view(f"list_{self.plural}", "list", [*self._ids(self.collection), *filters], body))
        if self.paginated:
            view = paginate(Pagination)(view)
        response = {200: list[self.out], 404: ErrorsOut} if nested else list[self.out]
        router.get(self.collection, response=response)(view)

    def _add_get(self, router: Router) -> None:
        view = self._view(f"get_{self.name}", "get", self._ids(self.item), self._fetch)
        router.get(self.item, response={200: self.detail_out or self.out, 404: ErrorsOut})(
            api_permission(self._permission("view"))(view))

    def _add_create(self, router: Router) -> None:
        def body(request, payload, **ids):
            data = self._data(request, payload)
            if self.parent is not None:
                data[self.parent[0]] = self.parent[1](request, **ids)
            return Status(201, self.answer(self.save(user=request.user, data=data)))

        view = self._view(f"create_{self.name}", "create", [*self._ids(self.collection), ("payload", self.payload)],
                          body)
        router.post(self.collection, response={201: self.detail_out or self.out, **WRITE_ERRORS})(
            api_permission(self._permission("add"))(view))

    def _add_update(self, router: Router) -> None:
        def body(request, payload, **ids):
            instance = self._fetch(request, **ids)
            return self.answer(self.save(user=request.user, data=self._data(request, payload), instance=instance))

        view = self._view(f"update_{self.name}", "update", [*self._ids(self.item), ("payload", self.payload)], body)
        router.patch(self.item, response={200: self.detail_out or self.out, **WRITE_ERRORS})(
            api_permission(self._permission("change"))(view))

    def _add_delete(self, router: Router) -> None:
        def body(request, **ids):
            return deleted(request, self._fetch(request, **ids))

        view = self._view(f"delete_{self.name}", "delete", self._ids(self.item), body)
        router.delete(self.item, response={204: None, **DELETE_ERRORS})(
            api_permission(self._permission("delete"))(view))
