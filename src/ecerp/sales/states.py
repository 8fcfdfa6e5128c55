r"""The sales order's internal state machine (platform status is kept apart, as text).

Ingest decides between pending_mapping (held: a line's platform SKU has no ECERP product yet) and
received. Review (审单) moves received orders to reviewed or held; allocation moves reviewed orders
to allocated (stock reserved in a warehouse). Merging ends the source orders in merged, splitting
ends the parent in split (both keep their lines for history). Shipped lets a later platform version
tell "before shipment" (update the order) from "after" (exception flag).

    pending_mapping <-> received --review--> reviewed --allocate--> allocated --ship--> shipped
                                 \--review--> held --release--> reviewed
    any state before shipped --> cancelled | merged | split; a new platform version -> received
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    PENDING_MAPPING = "pending_mapping", _("待商品对应")
    RECEIVED = "received", _("已接收")
    HELD = "held", _("已挂起")
    REVIEWED = "reviewed", _("已审核")
    ALLOCATED = "allocated", _("已分配")
    MERGED = "merged", _("已合并")
    SPLIT = "split", _("已拆分")
    SHIPPED = "shipped", _("已发货")
    CANCELLED = "cancelled", _("已取消")


# a later platform version (ingest) may send any unshipped order back to received or pending_mapping
_REINGEST = {OrderStatus.RECEIVED, OrderStatus.PENDING_MAPPING, OrderStatus.CANCELLED}
_ENDS = {OrderStatus.CANCELLED, OrderStatus.MERGED, OrderStatus.SPLIT}

TRANSITIONS = {
    OrderStatus.PENDING_MAPPING: {OrderStatus.RECEIVED, OrderStatus.HELD} | _ENDS,
    OrderStatus.RECEIVED: {OrderStatus.PENDING_MAPPING, OrderStatus.HELD, OrderStatus.REVIEWED,
                           OrderStatus.SHIPPED} | _ENDS,
    # shipped from held or reviewed too: a parcel that left the warehouse is a fact (see ship_on_shipment)
    OrderStatus.HELD: {OrderStatus.REVIEWED, OrderStatus.SHIPPED} | _REINGEST | _ENDS,
    OrderStatus.REVIEWED: {OrderStatus.HELD, OrderStatus.ALLOCATED, OrderStatus.SHIPPED} | _REINGEST | _ENDS,
    OrderStatus.ALLOCATED: {OrderStatus.HELD, OrderStatus.REVIEWED, OrderStatus.SHIPPED} | _REINGEST | _ENDS,
    OrderStatus.MERGED: set(),
    OrderStatus.SPLIT: set(),
    OrderStatus.SHIPPED: set(),
    OrderStatus.CANCELLED: set(),
}

# States in which a later platform version may still change the order itself.
OPEN_STATES = (OrderStatus.PENDING_MAPPING, OrderStatus.RECEIVED, OrderStatus.HELD, OrderStatus.REVIEWED,
               OrderStatus.ALLOCATED)
# States review accepts (held orders are reviewed again), and in which orders may be merged or split.
REVIEWABLE_STATES = (OrderStatus.RECEIVED, OrderStatus.HELD)
MERGEABLE_STATES = (OrderStatus.RECEIVED, OrderStatus.HELD, OrderStatus.REVIEWED, OrderStatus.ALLOCATED)
LABELS = dict(OrderStatus.choices)


class QuarantineStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    FIXED = "fixed", _("已修复")
    DISCARDED = "discarded", _("已丢弃")


class IngestOutcome(models.TextChoices):
    CREATED = "created", _("新建")
    UPDATED = "updated", _("已更新")
    UNCHANGED = "unchanged", _("无变化")
    STALE = "stale", _("旧版本已忽略")
    EXCEPTION = "exception", _("发货后变更（异常）")
    QUARANTINED = "quarantined", _("已隔离")


class PaymentTerms(models.TextChoices):
    PREPAID = "prepaid", _("款到发货")
    COD = "cod", _("货到付款")
    CREDIT = "credit", _("账期")
    DEPOSIT = "deposit", _("定金+尾款")


class RuleKind(models.TextChoices):
    REMARK_PRESENT = "remark_present", _("有买家留言或卖家备注")
    INCOMPLETE_ADDRESS = "incomplete_address", _("地址不完整")
    AMOUNT_ABOVE = "amount_above", _("金额超过阈值")
    BLACKLISTED = "blacklisted", _("黑名单买家或电话")
    UNMAPPED_SKU = "unmapped_sku", _("有未对应商品")
    PAYMENT_TERMS = "payment_terms_not_satisfied", _("付款条件未满足")
    OUT_OF_STOCK = "out_of_stock", _("缺货")
    REFUND_REQUESTED = "refund_requested", _("有退款申请")


class RuleAction(models.TextChoices):
    HOLD = "hold", _("挂起")
    PASS = "pass", _("通过")


class HoldKind(models.TextChoices):
    RULE = "rule", _("审单规则")
    MANUAL = "manual", _("手工挂起")
    STOCK = "stock", _("分配缺货")


class BlacklistKind(models.TextChoices):
    NICK = "nick", _("买家昵称")
    PHONE = "phone", _("电话")
