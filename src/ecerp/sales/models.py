"""Sales orders in one normalised schema, whatever the way in (file, API, platform pull).

(store, platform_order_no) is unique: the database-level idempotency key of ingest. Each
delivery of an order is remembered in OrderVersion (hash and platform update time), so the
detail page shows every version received and stale ones are counted, never applied.
Personal data (consignee name, phone, street address) is encrypted at rest and masked for users
without masterdata.view_personal_data.
"""

import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ecerp.core.crypto import EncryptedTextField
from ecerp.masterdata.models import Partner, Platform, Product, Store, Warehouse
from ecerp.sales.states import (
    OPEN_STATES,
    BlacklistKind,
    HoldKind,
    IngestOutcome,
    OrderStatus,
    PaymentTerms,
    QuarantineStatus,
    RuleAction,
    RuleKind,
)

MONEY = {"max_digits": 14, "decimal_places": 2}
PRICE = {"max_digits": 16, "decimal_places": 4}


class SalesOrder(models.Model):
    code = models.CharField(_("订单编号"), max_length=40, unique=True)
    # no index of its own: the unique (store, platform_order_no) index leads with the store and serves
    # both; with a second index SQLite's planner took the store's index for ingest's (store, numbers)
    # lookup and read every order of the store in each batch
    store = models.ForeignKey(Store, verbose_name=_("店铺"), on_delete=models.PROTECT, related_name="sales_orders",
                              db_index=False)
    platform_order_no = models.CharField(_("平台订单号"), max_length=64)
    source = models.CharField(_("来源"), max_length=20, default="api")
    buyer_nick = models.CharField(_("买家昵称"), max_length=100, blank=True, default="")
    consignee_name = EncryptedTextField(_("收货人"))
    consignee_phone = EncryptedTextField(_("联系电话"), mask="phone")
    province = models.CharField(_("省"), max_length=40, blank=True, default="")
    city = models.CharField(_("市"), max_length=40, blank=True, default="")
    district = models.CharField(_("区"), max_length=40, blank=True, default="")
    address = EncryptedTextField(_("详细地址"))
    goods_amount = models.DecimalField(_("商品金额"), **MONEY, default=0)
    discount = models.DecimalField(_("优惠"), **MONEY, default=0)
    freight = models.DecimalField(_("运费"), **MONEY, default=0)
    paid_amount = models.DecimalField(_("实付金额"), **MONEY, default=0)
    order_time = models.DateTimeField(_("下单时间"), null=True, blank=True)
    payment_time = models.DateTimeField(_("付款时间"), null=True, blank=True)
    buyer_remark = models.TextField(_("买家留言"), blank=True, default="")
    seller_memo = models.TextField(_("卖家备注"), blank=True, default="")
    platform_status = models.CharField(_("平台状态"), max_length=60, blank=True, default="")
    refund_status = models.CharField(_("退款状态"), max_length=60, blank=True, default="")
    platform_updated_at = models.DateTimeField(_("平台更新时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.RECEIVED)
    hold_reason = models.CharField(_("挂起原因"), max_length=300, blank=True, default="")
    has_exception = models.BooleanField(_("异常"), default=False)
    exception_reason = models.CharField(_("异常原因"), max_length=300, blank=True, default="")
    payment_terms = models.CharField(_("付款条件"), max_length=20, choices=PaymentTerms.choices, blank=True,
                                     default="")  # empty: the store's default (款到发货 without one)
    deposit_amount = models.DecimalField(_("定金"), **MONEY, default=0)
    customer = models.ForeignKey(Partner, verbose_name=_("客户"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="sales_orders")
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("发货仓库"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="sales_orders")
    merged_into = models.ForeignKey("self", verbose_name=_("合并到"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="merged_from")
    split_from = models.ForeignKey("self", verbose_name=_("拆分自"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="split_children")
    payload = models.JSONField(_("原始数据"), default=dict)  # canonical form, personal data masked
    payload_hash = models.CharField(_("数据指纹"), max_length=64)
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("销售订单")
        verbose_name_plural = _("销售订单")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "platform_order_no"], name="sales_order_once_per_store"),
            models.CheckConstraint(condition=Q(paid_amount__gte=0) & Q(freight__gte=0) & Q(discount__gte=0),
                                   name="sales_order_amounts_not_negative"),
        ]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["payment_time"])]

    def __str__(self):
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    @property
    def payable(self):
        """What the buyer owes: goods - discount + freight."""
        return self.goods_amount - self.discount + self.freight


class SalesOrderLine(models.Model):
    order = models.ForeignKey(SalesOrder, verbose_name=_("订单"), on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("行号"))
    sku_code = models.CharField(_("平台商品编码"), max_length=80)
    title = models.CharField(_("平台商品名称"), max_length=300, blank=True, default="")
    quantity = models.PositiveIntegerField(_("数量"))
    unit_price = models.DecimalField(_("单价"), **PRICE)
    discount = models.DecimalField(_("优惠"), **MONEY, default=0)
    amount = models.DecimalField(_("金额"), **MONEY)
    product = models.ForeignKey(Product, verbose_name=_("商品"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="sales_lines")

    class Meta:
        verbose_name = _("订单明细")
        verbose_name_plural = _("订单明细")
        ordering = ["order_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="sales_line_no_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sales_line_quantity_positive"),
        ]
        indexes = [models.Index(fields=["sku_code"])]

    def __str__(self):
        return f"{self.order_id}/{self.line_no} {self.sku_code}"


class OrderVersion(models.Model):
    """One delivery of an order as received (any source), with what ingest did with it."""

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="versions")
    source = models.CharField(_("来源"), max_length=20)
    payload_hash = models.CharField(_("数据指纹"), max_length=64)
    platform_updated_at = models.DateTimeField(_("平台更新时间"), null=True, blank=True)
    platform_status = models.CharField(_("平台状态"), max_length=60, blank=True, default="")
    outcome = models.CharField(_("结果"), max_length=20, choices=IngestOutcome.choices)
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("订单版本")
        verbose_name_plural = _("订单版本")
        ordering = ["order_id", "id"]

    def __str__(self):
        return f"{self.order_id} {self.outcome}"


class QuarantinedRecord(models.Model):
    """A record ingest refused, kept with its errors until fixed (retried) or discarded."""

    source = models.CharField(_("来源"), max_length=20)
    store_code = models.CharField(_("店铺编码"), max_length=40, blank=True, default="")
    platform_order_no = models.CharField(_("平台订单号"), max_length=64, blank=True, default="")
    raw_json = EncryptedTextField(_("原始记录"))  # the record as received (JSON), personal data inside
    errors = models.JSONField(_("错误"), default=list)
    message = models.TextField(_("错误说明"), blank=True, default="")
    status = models.CharField(_("状态"), max_length=20, choices=QuarantineStatus.choices,
                              default=QuarantineStatus.OPEN)
    order = models.ForeignKey(SalesOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("隔离时间"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("隔离记录")
        verbose_name_plural = _("隔离记录")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status"])]

    def __str__(self):
        return f"{self.source} {self.platform_order_no or self.pk}"

    @property
    def raw(self):
        return json.loads(self.raw_json) if self.raw_json else {}

    @raw.setter
    def raw(self, value):
        self.raw_json = json.dumps(value, ensure_ascii=False, default=str)


class StoreSkuMapping(models.Model):
    """商品对应: a platform SKU code of one store (or of every store of a platform) -> an ECERP product."""

    store = models.ForeignKey(Store, verbose_name=_("店铺"), null=True, blank=True, on_delete=models.CASCADE,
                              related_name="sku_mappings")
    platform = models.CharField(_("平台"), max_length=20, choices=Platform.choices, blank=True, default="")
    sku_code = models.CharField(_("平台商品编码"), max_length=80)
    product = models.ForeignKey(Product, verbose_name=_("商品"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("商品对应")
        verbose_name_plural = _("商品对应")
        ordering = ["sku_code"]
        constraints = [
            models.UniqueConstraint(fields=["store", "sku_code"], condition=Q(store__isnull=False),
                                    name="sku_mapping_once_per_store"),
            models.UniqueConstraint(fields=["platform", "sku_code"], condition=Q(store__isnull=True),
                                    name="sku_mapping_once_per_platform"),
            models.CheckConstraint(condition=Q(store__isnull=False) | ~Q(platform=""),
                                   name="sku_mapping_store_or_platform"),
        ]

    def __str__(self):
        return f"{self.sku_code} -> {self.product_id}"


class IdempotencyKey(models.Model):
    """An API request's Idempotency-Key: the same key and body answer the first response again."""

    key = models.CharField(max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+")
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveIntegerField()
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]

    def __str__(self):
        return self.key


class SyncCursor(models.Model):
    """The last time window pulled from a store's platform API."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="sync_cursor")
    synced_until = models.DateTimeField(_("已同步至"))
    last_run_at = models.DateTimeField(_("上次同步"), auto_now=True)
    last_result = models.JSONField(default=dict)

    def __str__(self):
        return f"{self.store_id} {self.synced_until}"


class StoreSalesSetting(models.Model):
    """Per store: the default payment terms of its orders."""

    store = models.OneToOneField(Store, verbose_name=_("店铺"), on_delete=models.CASCADE, related_name="sales_setting")
    payment_terms = models.CharField(_("默认付款条件"), max_length=20, choices=PaymentTerms.choices,
                                     default=PaymentTerms.PREPAID)

    class Meta:
        verbose_name = _("店铺销售设置")
        verbose_name_plural = _("店铺销售设置")

    def __str__(self):
        return f"{self.store_id} {self.payment_terms}"


class AllocationRule(models.Model):
    """The order in which allocation tries warehouses for a store (after the store's default warehouse)."""

    store = models.ForeignKey(Store, verbose_name=_("店铺"), on_delete=models.CASCADE, related_name="allocation_rules")
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("仓库"), on_delete=models.CASCADE, related_name="+")
    priority = models.PositiveIntegerField(_("优先级"), default=100)

    class Meta:
        verbose_name = _("分仓规则")
        verbose_name_plural = _("分仓规则")
        ordering = ["store_id", "priority", "id"]
        constraints = [models.UniqueConstraint(fields=["store", "warehouse"], name="allocation_rule_once")]

    def __str__(self):
        return f"{self.store_id} -> {self.warehouse_id} ({self.priority})"


class ReviewRule(models.Model):
    """审单规则: a condition (kind + parameters) and what to do when it matches (hold or pass)."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("条件"), max_length=40, choices=RuleKind.choices)
    parameters = models.JSONField(_("参数"), default=dict, blank=True)
    action = models.CharField(_("动作"), max_length=10, choices=RuleAction.choices, default=RuleAction.HOLD)
    priority = models.PositiveIntegerField(_("优先级"), default=100)
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("审单规则")
        verbose_name_plural = _("审单规则")
        ordering = ["priority", "id"]

    def __str__(self):
        return self.name


class Blacklist(models.Model):
    """A blacklisted buyer nick or phone (phones kept as a keyed hash and a mask, never in clear)."""

    kind = models.CharField(_("类型"), max_length=10, choices=BlacklistKind.choices)
    value_hash = models.CharField(_("值指纹"), max_length=64)
    shown = models.CharField(_("显示值"), max_length=100)  # the nick, or the masked phone
    reason = models.CharField(_("原因"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("黑名单")
        verbose_name_plural = _("黑名单")
        ordering = ["kind", "shown"]
        constraints = [models.UniqueConstraint(fields=["kind", "value_hash"], name="blacklist_once")]

    def __str__(self):
        return f"{self.kind} {self.shown}"


class OrderHold(models.Model):
    """Why an order is held: a review rule, a person, or allocation without stock; closed on release."""

    order = models.ForeignKey(SalesOrder, verbose_name=_("订单"), on_delete=models.CASCADE, related_name="holds")
    kind = models.CharField(_("类型"), max_length=10, choices=HoldKind.choices)
    rule = models.ForeignKey(ReviewRule, verbose_name=_("规则"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="holds")
    reason = models.CharField(_("原因"), max_length=300)
    active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("挂起时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    released_at = models.DateTimeField(_("释放时间"), null=True, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    release_reason = models.CharField(_("释放原因"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("挂起记录")
        verbose_name_plural = _("挂起记录")
        ordering = ["order_id", "id"]
        indexes = [models.Index(fields=["order", "active"])]

    def __str__(self):
        return f"{self.order_id} {self.kind} {self.reason}"
