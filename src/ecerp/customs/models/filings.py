"""Customs tables: product filings (商品备案) and the customs channel profile of each cross-border store.

Whether a filing's 8-digit line is on the positive list is not stored: it depends on the declaration
date and is looked up then (queries.filing_problem), so nothing here goes stale when the list changes.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ecerp.customs.states import FilingState

__all__ = [
    "VatKind", "ConsumptionTaxRule", "ContentUnit", "PostalTier", "ProductFiling",
    "CustomsRegime", "TradeMode", "CustomsChannel",
]

RATE = {"max_digits": 7, "decimal_places": 4}
QUANTITY = {"max_digits": 19, "decimal_places": 5}
MONEY = {"max_digits": 14, "decimal_places": 2}


class VatKind(models.TextChoices):
    STANDARD = "standard", _("基本税率")
    REDUCED = "reduced", _("低税率")


class ConsumptionTaxRule(models.TextChoices):
    NONE = "none", _("不征消费税")
    ALWAYS = "always", _("从价征收")
    COSMETICS_HIGH_END = "cosmetics_high_end", _("高档化妆品（每毫升/克≥10元或每片/支≥15元）")
    WATCH_HIGH_END = "watch_high_end", _("高档手表（每只≥10000元）")


class ContentUnit(models.TextChoices):
    MILLILITRE = "ml", _("毫升")
    GRAM = "g", _("克")
    PIECE = "piece", _("片/支")


class PostalTier(models.IntegerChoices):
    TIER_1 = 1, _("第一档")
    TIER_2 = 2, _("第二档")
    TIER_3 = 3, _("第三档")


class ProductFiling(models.Model):
    """The customs filing of one SKU: classification, units, origin, tax attributes and its approval state."""

    product = models.OneToOneField("masterdata.Product", verbose_name=_("商品"), on_delete=models.PROTECT,
                                   related_name="customs_filing")
    hs_code = models.CharField(_("商品编码(HS)"), max_length=10)
    gname = models.CharField(_("申报品名"), max_length=250)
    gmodel = models.CharField(_("规格型号"), max_length=510,
                              help_text=_("品名、品牌、规格、型号、成分、含量、等级等"))
    barcode = models.CharField(_("条码"), max_length=50, blank=True, default="")
    item_record_no = models.CharField(_("账册备案料号"), max_length=30, blank=True, default="",
                                      help_text=_("保税模式必填"))
    unit = models.CharField(_("申报计量单位"), max_length=3)
    unit1 = models.CharField(_("法定第一计量单位"), max_length=3)
    qty1_per_unit = models.DecimalField(_("每申报单位的法定第一数量"), **QUANTITY)
    unit2 = models.CharField(_("法定第二计量单位"), max_length=3, blank=True, default="")
    qty2_per_unit = models.DecimalField(_("每申报单位的法定第二数量"), **QUANTITY, null=True, blank=True)
    origin_country = models.CharField(_("原产国（地区）"), max_length=3)
    vat_kind = models.CharField(_("增值税税率"), max_length=10, choices=VatKind.choices, default=VatKind.STANDARD)
    tariff_rate = models.DecimalField(_("最惠国关税税率"), **RATE, default=0)
    consumption_tax_rule = models.CharField(_("消费税规则"), max_length=20, choices=ConsumptionTaxRule.choices,
                                            default=ConsumptionTaxRule.NONE)
    consumption_tax_rate = models.DecimalField(_("消费税税率"), **RATE, default=0)
    net_content = models.DecimalField(_("净含量"), **QUANTITY, null=True, blank=True)
    content_unit = models.CharField(_("含量单位"), max_length=5, choices=ContentUnit.choices, blank=True, default="")
    postal_tier = models.PositiveSmallIntegerField(_("行邮税档次"), choices=PostalTier.choices,
                                                   default=PostalTier.TIER_2)
    inspection_required = models.BooleanField(_("需检验检疫"), default=False)
    reference_price = models.DecimalField(_("参考价格"), **MONEY, null=True, blank=True)
    state = models.CharField(_("备案状态"), max_length=20, choices=FilingState.choices, default=FilingState.DRAFT)
    version = models.PositiveIntegerField(_("版本"), default=1)
    rejection_reason = models.CharField(_("驳回原因"), max_length=500, blank=True, default="")
    filing_no = models.CharField(_("备案编号"), max_length=40, blank=True, default="")
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("备案时间"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("商品备案")
        verbose_name_plural = _("商品备案")
        ordering = ["product_id"]
        permissions = [("approve_productfiling", _("审核商品备案")), ("import_productfiling", _("导入商品备案"))]
        indexes = [models.Index(fields=["state", "hs_code"], name="customs_filing_state_hs")]
        constraints = [
            models.CheckConstraint(condition=Q(hs_code__regex=r"^[0-9]{10}$"), name="customs_filing_hs_10_digits"),
            models.CheckConstraint(condition=Q(origin_country__regex=r"^[0-9]{3}$"),
                                   name="customs_filing_origin_3_digits"),
            models.CheckConstraint(condition=~Q(gname="") & ~Q(gmodel=""), name="customs_filing_names_present"),
            models.CheckConstraint(condition=~Q(unit="") & ~Q(unit1=""), name="customs_filing_units_present"),
            models.CheckConstraint(condition=Q(qty1_per_unit__gt=0), name="customs_filing_qty1_positive"),
            models.CheckConstraint(
                condition=(Q(unit2="") & Q(qty2_per_unit__isnull=True))
                | (~Q(unit2="") & Q(qty2_per_unit__isnull=False) & Q(qty2_per_unit__gt=0)),
                name="customs_filing_second_unit_both_or_neither"),
            models.CheckConstraint(
                condition=Q(tariff_rate__gte=0) & Q(tariff_rate__lte=1) & Q(consumption_tax_rate__gte=0)
                & Q(consumption_tax_rate__lt=1), name="customs_filing_rates_fraction"),
            # the high-end rules take their rate from the dated TaxRate rows; "always" carries its own rate
            models.CheckConstraint(condition=~Q(consumption_tax_rule="always") | Q(consumption_tax_rate__gt=0),
                                   name="customs_filing_consumption_always_has_rate"),
            models.CheckConstraint(
                condition=(Q(net_content__isnull=True) & Q(content_unit=""))
                | (Q(net_content__isnull=False) & Q(net_content__gt=0) & ~Q(content_unit="")),
                name="customs_filing_content_both_or_neither"),
            models.CheckConstraint(condition=Q(postal_tier__gte=1) & Q(postal_tier__lte=3),
                                   name="customs_filing_postal_tier_1_to_3"),
            models.CheckConstraint(condition=Q(reference_price__isnull=True) | Q(reference_price__gte=0),
                                   name="customs_filing_reference_price_not_negative"),
            models.CheckConstraint(condition=~Q(state="rejected") | ~Q(rejection_reason=""),
                                   name="customs_filing_rejection_has_reason"),
        ]

    def __str__(self):
        return f"{self.hs_code} {self.gname}"

    @property
    def hs_code8(self) -> str:
        return self.hs_code[:8]

    @property
    def is_approved(self) -> bool:
        return self.state == FilingState.APPROVED


class CustomsRegime(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("跨境电商综合税")
    POSTAL = "postal", _("行邮税")


class TradeMode(models.TextChoices):
    DIRECT_PURCHASE = "9610", _("9610 跨境贸易电子商务（直购）")
    BONDED = "1210", _("1210 保税跨境贸易电子商务")
    BONDED_A = "1239", _("1239 保税跨境贸易电子商务A")


BONDED_TRADE_MODES = (TradeMode.BONDED, TradeMode.BONDED_A)


class CustomsChannel(models.Model):
    """How one cross-border store declares: regime, trade mode, customs offices and the parties of the list."""

    store = models.OneToOneField("masterdata.Store", verbose_name=_("店铺"), on_delete=models.PROTECT,
                                 related_name="customs_channel")
    regime = models.CharField(_("计税方式"), max_length=20, choices=CustomsRegime.choices,
                              default=CustomsRegime.COMPREHENSIVE)
    trade_mode = models.CharField(_("贸易方式"), max_length=4, choices=TradeMode.choices,
                                  default=TradeMode.DIRECT_PURCHASE)
    customs_code = models.CharField(_("申报海关"), max_length=4)
    port_code = models.CharField(_("口岸海关"), max_length=4)
    platform = models.ForeignKey("masterdata.Partner", verbose_name=_("电商平台(ebp)"), on_delete=models.PROTECT,
                                 related_name="+")
    ecommerce_company = models.ForeignKey("masterdata.Partner", verbose_name=_("电商企业(ebc)"),
                                          on_delete=models.PROTECT, related_name="+")
    logistics = models.ForeignKey("masterdata.Partner", verbose_name=_("物流企业"), on_delete=models.PROTECT,
                                  related_name="+")
    payment = models.ForeignKey("masterdata.Partner", verbose_name=_("支付企业"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    agent = models.ForeignKey("masterdata.Partner", verbose_name=_("申报企业(报关企业)"), on_delete=models.PROTECT,
                              related_name="+")
    guarantor = models.ForeignKey("masterdata.Partner", verbose_name=_("担保企业"), on_delete=models.PROTECT,
                                  related_name="+")
    area = models.ForeignKey("masterdata.Partner", verbose_name=_("区内企业"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    ems_no = models.CharField(_("账册编号"), max_length=30, blank=True, default="")
    loct_no = models.CharField(_("监管场所代码"), max_length=10, blank=True, default="")
    departure_country = models.CharField(_("起运国（地区）"), max_length=3, default="142")
    transport_mode = models.CharField(_("运输方式"), max_length=1)
    wrap_type = models.CharField(_("包装种类"), max_length=1, blank=True, default="")
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("店铺关务通道")
        verbose_name_plural = _("店铺关务通道")
        ordering = ["store_id"]
        constraints = [
            models.CheckConstraint(condition=Q(customs_code__regex=r"^[0-9]{4}$") & Q(port_code__regex=r"^[0-9]{4}$"),
                                   name="customs_channel_district_4_digits"),
            models.CheckConstraint(condition=Q(regime__in=["comprehensive", "postal"]), name="customs_channel_regime"),
            models.CheckConstraint(condition=Q(trade_mode__in=["9610", "1210", "1239"]),
                                   name="customs_channel_trade_mode"),
            models.CheckConstraint(condition=Q(departure_country__regex=r"^[0-9]{3}$"),
                                   name="customs_channel_country_3_digits"),
            models.CheckConstraint(condition=~Q(transport_mode=""), name="customs_channel_transport_mode_present"),
            models.CheckConstraint(
                condition=Q(guarantor=F("platform")) | Q(guarantor=F("ecommerce_company"))
                | Q(guarantor=F("logistics")),
                name="customs_channel_guarantor_is_a_party"),
            models.CheckConstraint(
                condition=Q(trade_mode="9610") | (~Q(ems_no="") & Q(area__isnull=False)),
                name="customs_channel_bonded_needs_ems_and_area"),
        ]

    def __str__(self):
        return f"{self.store} {self.trade_mode}"

    @property
    def is_bonded(self) -> bool:
        return self.trade_mode in BONDED_TRADE_MODES
