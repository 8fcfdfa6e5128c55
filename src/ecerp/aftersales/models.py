"""After-sales cases (售后单) and the two running totals that keep refunds and returns within the order.

OrderRefundTotal (per order: paid, refunded) and LineReturnTotal (per order line: shipped, returned)
move only with conditional UPDATEs, and their CHECK constraints make "refunded <= paid" and
"returned <= shipped" hold even for a writer that forgot the service (tests write past it).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ecerp.aftersales.states import CaseStatus, CaseType
from ecerp.inventory.models import Shipment
from ecerp.masterdata.models import Product, Store, Warehouse
from ecerp.sales.models import SalesOrder, SalesOrderLine

MONEY = {"max_digits": 14, "decimal_places": 2}


class AfterSalesCase(models.Model):
    code = models.CharField(_("售后单号"), max_length=40, unique=True)
    type = models.CharField(_("售后类型"), max_length=20, choices=CaseType.choices)
    status = models.CharField(_("状态"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.REQUESTED)
    order = models.ForeignKey(SalesOrder, verbose_name=_("订单"), on_delete=models.PROTECT,
                              related_name="aftersales_cases")
    store = models.ForeignKey(Store, verbose_name=_("店铺"), on_delete=models.PROTECT, related_name="+")
    platform_refund_id = models.CharField(_("平台退款单号"), max_length=64, blank=True, default="")
    reason = models.CharField(_("售后原因"), max_length=300, blank=True, default="")
    refund_amount = models.DecimalField(_("申请退款金额"), **MONEY, default=0)
    refunded_amount = models.DecimalField(_("已退款金额"), **MONEY, default=0)
    before_shipment = models.BooleanField(_("发货前退款"), default=False)
    shipment = models.ForeignKey(Shipment, verbose_name=_("原包裹"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    replacement_shipment = models.ForeignKey(Shipment, verbose_name=_("补发包裹"), null=True, blank=True,
                                             on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("处理说明"), max_length=300, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    received_at = models.DateTimeField(_("收货时间"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("退款时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("售后单")
        verbose_name_plural = _("售后单")
        ordering = ["-id"]
        permissions = [("approve_refund", _("审核售后与退款")), ("receive_return", _("售后收货入库"))]
        constraints = [
            # the platform's refund id is the idempotency key of a case (per store)
            models.UniqueConstraint(fields=["store", "platform_refund_id"], condition=~Q(platform_refund_id=""),
                                    name="aftersales_refund_id_once_per_store"),
            models.CheckConstraint(condition=Q(refund_amount__gte=0) & Q(refunded_amount__gte=0),
                                   name="aftersales_amounts_not_negative"),
        ]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["type"])]

    def __str__(self):
        return self.code


class AfterSalesLine(models.Model):
    case = models.ForeignKey(AfterSalesCase, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(SalesOrderLine, verbose_name=_("订单明细"), on_delete=models.PROTECT,
                                   related_name="+")
    quantity = models.PositiveIntegerField(_("数量"))
    refund_amount = models.DecimalField(_("退款金额"), **MONEY, default=0)
    sellable_quantity = models.PositiveIntegerField(_("良品数量"), default=0)
    damaged_quantity = models.PositiveIntegerField(_("次品数量"), default=0)
    replacement_product = models.ForeignKey(Product, verbose_name=_("换货商品"), null=True, blank=True,
                                            on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("售后明细")
        verbose_name_plural = _("售后明细")
        ordering = ["case_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "order_line"], name="aftersales_line_once_per_case"),
            models.CheckConstraint(condition=Q(refund_amount__gte=0), name="aftersales_line_refund_not_negative"),
            models.CheckConstraint(condition=Q(sellable_quantity__lte=F("quantity") - F("damaged_quantity")),
                                   name="aftersales_line_received_le_quantity"),
        ]

    def __str__(self):
        return f"{self.case_id}/{self.order_line_id}"


class OrderRefundTotal(models.Model):
    """What an order's buyer paid and what has been refunded so far (all cases together)."""

    order = models.OneToOneField(SalesOrder, on_delete=models.CASCADE, related_name="refund_total")
    paid_amount = models.DecimalField(_("实付金额"), **MONEY)
    refunded_amount = models.DecimalField(_("已退款金额"), **MONEY, default=0)

    class Meta:
        verbose_name = _("订单退款合计")
        verbose_name_plural = _("订单退款合计")
        constraints = [
            models.CheckConstraint(condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("paid_amount")),
                                   name="aftersales_refunded_le_paid"),
        ]

    def __str__(self):
        return f"{self.order_id} {self.refunded_amount}/{self.paid_amount}"


class LineReturnTotal(models.Model):
    """What left with an order line and how much of it came back (all cases together)."""

    order_line = models.OneToOneField(SalesOrderLine, on_delete=models.CASCADE, related_name="return_total")
    shipped_quantity = models.PositiveIntegerField(_("发货数量"))
    returned_quantity = models.PositiveIntegerField(_("已退回数量"), default=0)

    class Meta:
        verbose_name = _("订单行退货合计")
        verbose_name_plural = _("订单行退货合计")
        constraints = [
            models.CheckConstraint(condition=Q(returned_quantity__lte=F("shipped_quantity")),
                                   name="aftersales_returned_le_shipped"),
        ]

    def __str__(self):
        return f"{self.order_line_id} {self.returned_quantity}/{self.shipped_quantity}"


__all__ = ["AfterSalesCase", "AfterSalesLine", "LineReturnTotal", "OrderRefundTotal", "Warehouse"]
