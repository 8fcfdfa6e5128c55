"""The sales order's internal state machine (platform status is kept apart, as text).

Ingest decides between pending_mapping (held: a line's platform SKU has no ECERP product yet) and
received. Review, allocation and fulfilment add their states here later; shipped exists now so a
later platform version can tell "before shipment" (update the order) from "after" (exception flag).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    PENDING_MAPPING = "pending_mapping", _("待商品对应")
    RECEIVED = "received", _("已接收")
    SHIPPED = "shipped", _("已发货")
    CANCELLED = "cancelled", _("已取消")


TRANSITIONS = {
    OrderStatus.PENDING_MAPPING: {OrderStatus.RECEIVED, OrderStatus.CANCELLED},
    OrderStatus.RECEIVED: {OrderStatus.PENDING_MAPPING, OrderStatus.SHIPPED, OrderStatus.CANCELLED},
    OrderStatus.SHIPPED: set(),
    OrderStatus.CANCELLED: set(),
}

# States in which a later platform version may still change the order itself.
OPEN_STATES = (OrderStatus.PENDING_MAPPING, OrderStatus.RECEIVED)
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
