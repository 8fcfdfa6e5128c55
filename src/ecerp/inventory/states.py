"""State enums and transition tables of the inventory documents."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentStatus(models.TextChoices):
    """Other receipts and issues (其他入库/其他出库)."""

    DRAFT = "draft", _("草稿")
    CONFIRMED = "confirmed", _("已确认")
    CANCELLED = "cancelled", _("已作废")


DOCUMENT_TRANSITIONS = {
    DocumentStatus.DRAFT: {DocumentStatus.CONFIRMED, DocumentStatus.CANCELLED},
    DocumentStatus.CONFIRMED: set(),  # a posted document is corrected by a new one, never reopened
    DocumentStatus.CANCELLED: set(),
}


class TransferStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SHIPPED = "shipped", _("已发出（在途）")
    RECEIVED = "received", _("已收货")
    CANCELLED = "cancelled", _("已作废")


TRANSFER_TRANSITIONS = {
    TransferStatus.DRAFT: {TransferStatus.SHIPPED, TransferStatus.CANCELLED},
    TransferStatus.SHIPPED: {TransferStatus.RECEIVED},
    TransferStatus.RECEIVED: set(),
    TransferStatus.CANCELLED: set(),
}


class StocktakeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    COUNTING = "counting", _("盘点中")
    APPROVED = "approved", _("已审核")
    CANCELLED = "cancelled", _("已作废")


STOCKTAKE_TRANSITIONS = {
    StocktakeStatus.DRAFT: {StocktakeStatus.COUNTING, StocktakeStatus.CANCELLED},
    StocktakeStatus.COUNTING: {StocktakeStatus.APPROVED, StocktakeStatus.CANCELLED},
    StocktakeStatus.APPROVED: set(),
    StocktakeStatus.CANCELLED: set(),
}


class ReservationStatus(models.TextChoices):
    ACTIVE = "active", _("占用中")
    RELEASED = "released", _("已释放")
    CONSUMED = "consumed", _("已出库")


RESERVATION_TRANSITIONS = {
    ReservationStatus.ACTIVE: {ReservationStatus.RELEASED, ReservationStatus.CONSUMED},
    ReservationStatus.RELEASED: set(),
    ReservationStatus.CONSUMED: set(),
}


class ShipmentStatus(models.TextChoices):
    """A parcel (发货单/包裹) leaving a warehouse for one source document."""

    CREATED = "created", _("待拣货")
    PICKING = "picking", _("拣货/验货中")
    PACKED = "packed", _("已验货打包")
    SHIPPED = "shipped", _("已发货")
    SIGNED = "signed", _("已签收")
    CANCELLED = "cancelled", _("已取消")
    INTERCEPTING = "intercepting", _("拦截中")
    RETURNED = "returned", _("已拦截退回")


SHIPMENT_TRANSITIONS = {
    # created -> packed: confirmed packed as a whole (整单验货, shipment_batch.confirm_packed)
    ShipmentStatus.CREATED: {ShipmentStatus.PICKING, ShipmentStatus.PACKED, ShipmentStatus.CANCELLED},
    ShipmentStatus.PICKING: {ShipmentStatus.PACKED, ShipmentStatus.CANCELLED},
    # packed -> picking: the scan check is started again (repack)
    ShipmentStatus.PACKED: {ShipmentStatus.SHIPPED, ShipmentStatus.CANCELLED, ShipmentStatus.PICKING},
    ShipmentStatus.SHIPPED: {ShipmentStatus.SIGNED, ShipmentStatus.INTERCEPTING},
    # the carrier may deliver before the interception reaches the parcel
    ShipmentStatus.INTERCEPTING: {ShipmentStatus.RETURNED, ShipmentStatus.SIGNED},
    ShipmentStatus.SIGNED: set(),
    ShipmentStatus.CANCELLED: set(),
    ShipmentStatus.RETURNED: set(),
}

OPEN_SHIPMENT_STATES = (ShipmentStatus.CREATED, ShipmentStatus.PICKING, ShipmentStatus.PACKED)
