"""Customs tables: reference data shipped with ECERP and editable by the customs role.

Codes (units, countries, currency, transport modes, customs districts, wrap types, trade modes) share one
table keyed by kind. Tax rates and the cross-border limits are dated rows, never constants: a lookup takes
the declaration date (queries.rate_on, queries.limits_on, queries.positive_list_line). Validity is
inclusive at both ends; an empty valid_to means "still valid".
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

__all__ = ["ReferenceKind", "ReferenceCode", "PositiveListLine", "TaxRateKind", "TaxRate", "CrossBorderLimit"]

RATE = {"max_digits": 7, "decimal_places": 4}
LIMIT = {"max_digits": 14, "decimal_places": 2}


class ReferenceKind(models.TextChoices):
    CUSTOMS_UNIT = "customs_unit", _("海关计量单位")
    COUNTRY = "country", _("国别（地区）")
    CURRENCY = "currency", _("币制")
    TRANSPORT_MODE = "transport_mode", _("运输方式")
    CUSTOMS_DISTRICT = "customs_district", _("关区代码")
    WRAP_TYPE = "wrap_type", _("包装种类")
    TRADE_MODE = "trade_mode", _("贸易方式")


def _validity_in_order(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                                  name=f"{prefix}_validity_in_order")


class ReferenceCode(models.Model):
    """One code of a customs code table (e.g. unit 035 千克, country 116 日本)."""

    kind = models.CharField(_("代码类别"), max_length=20, choices=ReferenceKind.choices)
    code = models.CharField(_("代码"), max_length=10)
    name_zh = models.CharField(_("中文名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True, default="")
    alias = models.CharField(_("对应代码"), max_length=10, blank=True, default="",
                             help_text=_("其他编码体系中的对应代码，如国别的 ISO 3166 二位代码"))
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    verified = models.BooleanField(_("已核实"), default=True,
                                   help_text=_("未核实的代码来自记忆或演示用途，正式申报前请与官方代码表核对"))
    note = models.CharField(_("备注"), max_length=300, blank=True, default="")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("海关参数代码")
        verbose_name_plural = _("海关参数代码")
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="customs_reference_code_once_per_kind"),
            models.CheckConstraint(condition=~Q(code=""), name="customs_reference_code_not_empty"),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True)
                                   | Q(valid_to__gte=F("valid_from")),
                                   name="customs_reference_code_validity_in_order"),
        ]

    def __str__(self):
        return f"{self.code} {self.name_zh}"


class PositiveListLine(models.Model):
    """One 8-digit tariff line of the positive list (跨境电子商务零售进口商品清单) and its validity."""

    hs_code8 = models.CharField(_("税则号列"), max_length=8)
    description = models.CharField(_("商品描述"), max_length=300)
    note = models.CharField(_("备注（条件）"), max_length=500, blank=True, default="")
    batch = models.CharField(_("批次/公告"), max_length=100, blank=True, default="")
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    verified = models.BooleanField(_("已核实"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("正面清单税号")
        verbose_name_plural = _("正面清单税号")
        ordering = ["hs_code8", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["hs_code8", "valid_from"], name="customs_positive_line_once_per_start"),
            models.CheckConstraint(condition=Q(hs_code8__regex=r"^[0-9]{8}$"), name="customs_positive_line_8_digits"),
            _validity_in_order("customs_positive_line"),
        ]

    def __str__(self):
        return f"{self.hs_code8} {self.description}"


class TaxRateKind(models.TextChoices):
    VAT_STANDARD = "vat_standard", _("进口增值税（基本税率）")
    VAT_REDUCED = "vat_reduced", _("进口增值税（低税率）")
    POSTAL_TIER_1 = "postal_tier_1", _("行邮税第一档")
    POSTAL_TIER_2 = "postal_tier_2", _("行邮税第二档")
    POSTAL_TIER_3 = "postal_tier_3", _("行邮税第三档")
    POSTAL_TIER_4 = "postal_tier_4", _("行邮税第四档")
    CONSUMPTION_COSMETICS = "consumption_cosmetics_high_end", _("消费税：高档化妆品")
    CONSUMPTION_WATCH = "consumption_watch_high_end", _("消费税：高档手表")
    CBEC_FACTOR = "cbec_factor", _("跨境电商综合税征收比例")


class TaxRate(models.Model):
    """A tax rate (a fraction, 0.13 = 13 %) valid over a date range."""

    kind = models.CharField(_("税率类别"), max_length=40, choices=TaxRateKind.choices)
    rate = models.DecimalField(_("税率"), **RATE)
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    source = models.CharField(_("依据"), max_length=200, blank=True, default="")
    verified = models.BooleanField(_("已核实"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("税率")
        verbose_name_plural = _("税率")
        ordering = ["kind", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "valid_from"], name="customs_tax_rate_once_per_start"),
            models.CheckConstraint(condition=Q(rate__gte=0) & Q(rate__lte=1), name="customs_tax_rate_fraction"),
            _validity_in_order("customs_tax_rate"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.rate} ({self.valid_from}–{self.valid_to or ''})"


class CrossBorderLimit(models.Model):
    """The cross-border retail import limits (single transaction, personal annual) over a date range."""

    single_limit = models.DecimalField(_("单次交易限值"), **LIMIT)
    annual_limit = models.DecimalField(_("个人年度限值"), **LIMIT)
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    source = models.CharField(_("依据"), max_length=200, blank=True, default="")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("跨境电商限值")
        verbose_name_plural = _("跨境电商限值")
        ordering = ["valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["valid_from"], name="customs_limit_once_per_start"),
            models.CheckConstraint(condition=Q(single_limit__gt=0) & Q(annual_limit__gte=F("single_limit")),
                                   name="customs_limit_positive_annual_ge_single"),
            _validity_in_order("customs_limit"),
        ]

    def __str__(self):
        return f"{self.single_limit}/{self.annual_limit} ({self.valid_from}–{self.valid_to or ''})"
