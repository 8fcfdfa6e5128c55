"""Columns of an import: Chinese header, English alias, how a cell is parsed, how it is exported.

A parser turns one raw cell (str from CSV; str, int, float, datetime or bool
from xlsx) into a Python value or raises DomainError. Blank cells never reach a
parser: the engine treats them as "the field's default".
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ecerp.core.errors import DomainError, ErrorCode
from ecerp.core.money import parse_decimal, parse_quantity
from ecerp.masterdata.errors import MasterdataError
from ecerp.masterdata.models import Category, Department, Partner, PartnerRole, Product, Warehouse

# A cell neutralised on export ('=SUM(...)) comes back without its quote.
NEUTRALISED = ("=", "+", "-", "@", "\t", "\r")

TRUE_WORDS = {"是", "y", "yes", "true", "t", "1", "启用", "有效", "√", "✓", "对"}
FALSE_WORDS = {"否", "n", "no", "false", "f", "0", "停用", "无效", "×", "✗", "不是"}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
ROLE_SEPARATORS = re.compile(r"\s*[、,，/;；|]\s*")

UNKNOWN_CODES = {
    Category: MasterdataError.UNKNOWN_CATEGORY,
    Department: MasterdataError.UNKNOWN_DEPARTMENT,
    Partner: MasterdataError.UNKNOWN_PARTNER,
    Warehouse: MasterdataError.UNKNOWN_WAREHOUSE,
    Product: MasterdataError.UNKNOWN_PRODUCT,
}


def labels_in_every_language(label) -> set[str]:
    """A choice label as written in Chinese and in the active language: files keep working
    whichever language the person importing them has chosen."""
    with translation.override("zh-hans"):
        chinese = str(label)
    return {chinese, str(label)}


def clean_cell(raw):
    """Strip text, drop the export's formula-neutralising quote; None for a blank cell."""
    if raw is None:
        return None
    if isinstance(raw, str):
        text = raw.strip()
        if len(text) > 1 and text[0] == "'" and text[1] in NEUTRALISED:
            text = text[1:]
        return text or None
    return raw


def as_text(raw) -> str:
    """Text of a cell; whole numbers typed into Excel (1.0) lose the '.0'."""
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() else repr(raw)
    if isinstance(raw, datetime.datetime):
        return raw.date().isoformat() if raw.time() == datetime.time() else raw.isoformat(sep=" ")
    if isinstance(raw, datetime.date):
        return raw.isoformat()
    return str(raw).strip()


class Context:
    """Look-ups shared by the rows of one import: each table is read once, in one query."""

    def __init__(self):
        self._lookups: dict[type, dict[str, models.Model]] = {}

    def lookup(self, model: type[models.Model]) -> dict[str, models.Model]:
        """Return {code: record} for model, plus {name: record} where the name is unique."""
        if model not in self._lookups:
            queryset = model.objects.all()
            if model is Product:
                queryset = queryset.only("id", "code", "name", "is_bundle")
            by_code: dict[str, models.Model] = {}
            names: dict[str, list] = {}
            for record in queryset:
                by_code[record.code] = record
                names.setdefault(record.name, []).append(record)
            if model is not Product:
                for name, records in names.items():
                    if len(records) == 1 and name not in by_code:
                        by_code[name] = records[0]
            self._lookups[model] = by_code
        return self._lookups[model]


@dataclass
class Column:
    """One column of a type's spreadsheet."""

    header: str
    field: str
    kind: str = "text"
    required: bool = False
    aliases: tuple[str, ...] = ()
    ref: type[models.Model] | None = None
    choices: type[models.TextChoices] | None = None
    choice_aliases: dict[str, str] = field(default_factory=dict)
    allow_negative: bool = False
    unknown_code: str | None = None
    example: str = ""
    note: str = ""

    def names(self) -> list[str]:
        return [self.header, self.field, *self.aliases]

    def model_field(self, model) -> models.Field | None:
        cache = self.__dict__.setdefault("_fields", {})
        if model not in cache:
            try:
                cache[model] = model._meta.get_field(self.field)
            except Exception:  # noqa: BLE001 - pseudo columns (roles, parent code) have no model field
                cache[model] = None
        return cache[model]

    def parser(self):
        """The bound parse function of this column's kind (looked up once per import)."""
        return getattr(self, f"_parse_{self.kind}")

    def parse(self, raw, model, ctx: Context):
        return self.parser()(raw, model, ctx)

    def too_long(self, value, model) -> None:
        """Refuse text longer than the column allows (checked after the services normalised it)."""
        model_field = self.model_field(model)
        limit = getattr(model_field, "max_length", None)
        if limit and isinstance(value, str) and len(value) > limit:
            raise DomainError(MasterdataError.TOO_LONG, _("「%(label)s」不能超过 %(limit)s 个字符"),
                              field=self.field, label=self.header, limit=limit)

    def _too_long(self, text: str, model) -> str:
        return text

    def _parse_text(self, raw, model, ctx):
        return raw if type(raw) is str else as_text(raw)

    _parse_code = _parse_text
    _parse_personal = _parse_text
    _parse_parent = _parse_text

    def _parse_compact(self, raw, model, ctx):
        return self._too_long(as_text(raw).replace(" ", ""), model)

    def _parse_email(self, raw, model, ctx):
        text = self._too_long(as_text(raw), model)
        try:
            validate_email(text)
        except ValidationError:
            raise DomainError(ErrorCode.INVALID_VALUE, _("邮箱「%(value)s」格式不正确"), field=self.field,
                              value=text) from None
        return text

    def _parse_unit_code(self, raw, model, ctx):
        # Customs unit codes are three digits (035 千克); Excel turns "035" into 35.
        text = as_text(raw)
        return self._too_long(text.zfill(3) if text.isdigit() else text, model)

    def _parse_decimal(self, raw, model, ctx):
        model_field = self.model_field(model)
        places = getattr(model_field, "decimal_places", None)
        number = parse_decimal(raw, field=self.field, places=places, allow_negative=self.allow_negative)
        digits = getattr(model_field, "max_digits", None)
        if number is not None and digits and abs(number) >= 10 ** (digits - (places or 0)):
            raise DomainError(ErrorCode.INVALID_DECIMAL, _("「%(value)s」不是有效的数字"), field=self.field,
                              value=raw)
        return number

    def _parse_integer(self, raw, model, ctx):
        return parse_quantity(raw, field=self.field, allow_zero=True)

    def _parse_quantity(self, raw, model, ctx):
        return parse_quantity(raw, field=self.field, allow_zero=False)

    def _parse_boolean(self, raw, model, ctx):
        if isinstance(raw, bool):
            return raw
        text = as_text(raw).lower()
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise DomainError(MasterdataError.INVALID_BOOLEAN, _("「%(value)s」不是有效的是/否值（填 是 或 否）"),
                          field=self.field, value=raw)

    def _parse_date(self, raw, model, ctx):
        if isinstance(raw, datetime.datetime):
            return raw.date()
        if isinstance(raw, datetime.date):
            return raw
        text = as_text(raw).split(" ")[0].split("T")[0]
        for pattern in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        raise DomainError(MasterdataError.INVALID_DATE, _("日期「%(value)s」格式不正确（应为 YYYY-MM-DD）"),
                          field=self.field, value=raw)

    def choice_map(self) -> dict[str, str]:
        mapping = {}
        for value, label in self.choices.choices:
            mapping[str(value).lower()] = value
            for text in labels_in_every_language(label):
                mapping[text.lower()] = value
        mapping.update({key.lower(): value for key, value in self.choice_aliases.items()})
        return mapping

    def _parse_choice(self, raw, model, ctx):
        text = as_text(raw)
        value = self.choice_map().get(text.lower())
        if value is None:
            options = "、".join(str(label) for _value, label in self.choices.choices)
            raise DomainError(MasterdataError.INVALID_CHOICE, _("「%(value)s」不是有效的%(label)s，可选：%(options)s"),
                              field=self.field, value=text, label=self.header, options=options)
        return value

    def _parse_ref(self, raw, model, ctx):
        text = as_text(raw)
        record = ctx.lookup(self.ref).get(text)
        if record is None:
            code = self.unknown_code or UNKNOWN_CODES[self.ref]
            raise DomainError(code, _("%(what)s「%(key)s」不存在"), field=self.field,
                              what=self.ref._meta.verbose_name, key=text)
        return record

    def _parse_roles(self, raw, model, ctx):
        mapping = {}
        for value, label in PartnerRole.choices:
            mapping[value] = value
            for text in labels_in_every_language(label):
                mapping[text] = value
                mapping[text.lower()] = value
        roles = set()
        for part in ROLE_SEPARATORS.split(as_text(raw)):
            if not part:
                continue
            role = mapping.get(part) or mapping.get(part.lower())
            if role is None:
                options = "、".join(str(label) for _value, label in PartnerRole.choices)
                raise DomainError(MasterdataError.UNKNOWN_ROLE, _("未知的角色「%(value)s」，可选：%(options)s"),
                                  field=self.field, value=part, options=options)
            roles.add(role)
        return roles
