"""The stock ledger: movements (append-only), balances (a cache of them), reservations and the
documents that move stock (other receipts/issues, transfers, stocktakes).

Every change goes through inventory.services; the database constraints below hold even when
something bypasses them.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ecerp.core.crypto import EncryptedTextField
from ecerp.inventory.states import (
    DocumentStatus,
    ReservationStatus,
    ShipmentStatus,
    StocktakeStatus,
    TransferStatus,
)
from ecerp.masterdata.models import Location, Product, Warehouse

# Unit costs keep 6 places (moving average); values are money in fen (2 places).
COST = dict(max_digits=20, decimal_places=6)
VALUE = dict(max_digits=18, decimal_places=2)


class MoveKind(models.TextChoices):
    RECEIPT = "receipt", _("采购入库")
    ISSUE = "issue", _("销售出库")
    TRANSFER_OUT = "transfer_out", _("调拨出库")
    TRANSFER_IN = "transfer_in", _("调拨入库")
    STOCKTAKE_GAIN = "stocktake_gain", _("盘盈")
    STOCKTAKE_LOSS = "stocktake_loss", _("盘亏")
    RETURN_IN = "return_in", _("退货入库")
    OTHER_RECEIPT = "other_receipt", _("其他入库")
    OTHER_ISSUE = "other_issue", _("其他出库")


INBOUND_KINDS = {MoveKind.RECEIPT, MoveKind.TRANSFER_IN, MoveKind.STOCKTAKE_GAIN, MoveKind.RETURN_IN,
                 MoveKind.OTHER_RECEIPT}
OUTBOUND_KINDS = {MoveKind.ISSUE, MoveKind.TRANSFER_OUT, MoveKind.STOCKTAKE_LOSS, MoveKind.OTHER_ISSUE}


class StockMove(models.Model):
    """One movement of one SKU in one warehouse: quantity and value signed (+ in, - out). Never edited."""

    product = models.ForeignKey(Product, verbose_name=_("商品"), on_delete=models.PROTECT, related_name="stock_moves")
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("仓库"), on_delete=models.PROTECT,
                                  related_name="stock_moves")
    location = models.ForeignKey(Location, verbose_name=_("库位"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="stock_moves")
    kind = models.CharField(_("类型"), max_length=20, choices=MoveKind.choices)
    quantity = models.IntegerField(_("数量"))
    unit_cost = models.DecimalField(_("单位成本"), **COST)
    value = models.DecimalField(_("金额"), **VALUE)
    # on hand and moving average after this move, for the history page (the ledger itself is qty/value)
    balance_quantity = models.IntegerField(_("结存数量"))
    balance_value = models.DecimalField(_("结存金额"), **VALUE)
    document_type = models.CharField(_("来源单据类型"), max_length=40, blank=True, default="")
    document_id = models.CharField(_("来源单据ID"), max_length=64, blank=True, default="")
    document_code = models.CharField(_("来源单据号"), max_length=64, blank=True, default="")
    document_line = models.CharField(_("来源单据行"), max_length=64, blank=True, default="")
    occurred_at = models.DateTimeField(_("时间"), db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(_("原因"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("库存流水")
        verbose_name_plural = _("库存流水")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["product", "warehouse", "occurred_at"], name="stock_move_sku_wh_time"),
            models.Index(fields=["document_type", "document_id"], name="stock_move_document"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="stock_move_quantity_not_zero"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="stock_move_unit_cost_non_negative"),
            models.CheckConstraint(condition=Q(balance_quantity__gte=0), name="stock_move_balance_non_negative"),
        ]

    def __str__(self):
        return f"{self.kind} {self.product_id}@{self.warehouse_id} {self.quantity:+d}"


class StockBalance(models.Model):
    """On hand, reserved and value of one SKU in one warehouse: a cache of the moves and reservations."""

    product = models.ForeignKey(Product, verbose_name=_("商品"), on_delete=models.PROTECT,
                                related_name="stock_balances")
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("仓库"), on_delete=models.PROTECT,
                                  related_name="stock_balances")
    on_hand = models.IntegerField(_("现存量"), default=0)
    reserved = models.IntegerField(_("占用量"), default=0)
    value = models.DecimalField(_("库存金额"), **VALUE, default=0)
    avg_cost = models.DecimalField(_("移动平均成本"), **COST, default=0)
    updated_at = models.DateTimeField(_("更新时间"), db_index=True)

    class Meta:
        verbose_name = _("库存余额")
        verbose_name_plural = _("库存余额")
        ordering = ["product", "warehouse"]
        permissions = [("rebuild_stockbalance", _("重建库存余额"))]
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"], name="stock_balance_sku_warehouse"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_balance_on_hand_non_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_balance_reserved_non_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="stock_balance_reserved_le_on_hand"),
            models.CheckConstraint(condition=Q(value__gte=0), name="stock_balance_value_non_negative"),
            models.CheckConstraint(condition=Q(avg_cost__gte=0), name="stock_balance_avg_cost_non_negative"),
            models.CheckConstraint(condition=Q(on_hand__gt=0) | Q(value=0),
                                   name="stock_balance_no_value_without_stock"),
        ]

    def __str__(self):
        return f"{self.product_id}@{self.warehouse_id}: {self.on_hand}/{self.reserved}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Reservation(models.Model):
    """Stock set aside for one document (e.g. a sales order): reserved = sum of active reservations."""

    product = models.ForeignKey(Product, verbose_name=_("商品"), on_delete=models.PROTECT,
                                related_name="reservations")
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("仓库"), on_delete=models.PROTECT,
                                  related_name="reservations")
    quantity = models.PositiveIntegerField(_("数量"))
    status = models.CharField(_("状态"), max_length=20, choices=ReservationStatus.choices,
                              default=ReservationStatus.ACTIVE)
    reference_type = models.CharField(_("单据类型"), max_length=40)
    reference_id = models.CharField(_("单据ID"), max_length=64)
    reference_code = models.CharField(_("单据号"), max_length=64, blank=True, default="")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("库存占用")
        verbose_name_plural = _("库存占用")
        ordering = ["id"]
        indexes = [models.Index(fields=["reference_type", "reference_id"], name="reservation_reference")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="reservation_quantity_positive"),
            models.UniqueConstraint(fields=["reference_type", "reference_id", "product", "warehouse"],
                                    condition=Q(status="active"), name="reservation_one_active_per_line"),
        ]

    def __str__(self):
        return f"{self.reference_type}#{self.reference_id} {self.product_id}@{self.warehouse_id} x{self.quantity}"


class DocumentDirection(models.TextChoices):
    RECEIPT = "receipt", _("其他入库")
    ISSUE = "issue", _("其他出库")


class StockDocument(models.Model):
    """An other receipt or other issue (其他入库/其他出库): gifts, samples, damage, opening stock."""

    code = models.CharField(_("单号"), max_length=40, unique=True)
    direction = models.CharField(_("方向"), max_length=10, choices=DocumentDirection.choices)
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("仓库"), on_delete=models.PROTECT,
                                  related_name="stock_documents")
    status = models.CharField(_("状态"), max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT)
    reason = models.CharField(_("原因"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("制单人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("其他出入库单")
        verbose_name_plural = _("其他出入库单")
        ordering = ["-id"]

    def __str__(self):
        return self.code


class StockDocumentLine(models.Model):
    document = models.ForeignKey(StockDocument, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("行号"))
    product = models.ForeignKey(Product, verbose_name=_("商品"), on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, verbose_name=_("库位"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    quantity = models.PositiveIntegerField(_("数量"))
    # receipts: the cost given; issues: the moving average at confirmation (frozen then)
    unit_cost = models.DecimalField(_("单位成本"), **COST, null=True, blank=True)
    value = models.DecimalField(_("金额"), **VALUE, null=True, blank=True)

    class Meta:
        verbose_name = _("其他出入库明细")
        verbose_name_plural = _("其他出入库明细")
        ordering = ["document", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["document", "line_no"], name="stock_document_line_no"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="stock_document_line_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.document_id}/{self.line_no}"


class Transfer(models.Model):
    """Goods moved between two warehouses: they leave on ship (in transit) and arrive on receive."""

    code = models.CharField(_("单号"), max_length=40, unique=True)
    from_warehouse = models.ForeignKey(Warehouse, verbose_name=_("调出仓库"), on_delete=models.PROTECT,
                                       related_name="transfers_out")
    to_warehouse = models.ForeignKey(Warehouse, verbose_name=_("调入仓库"), on_delete=models.PROTECT,
                                     related_name="transfers_in")
    status = models.CharField(_("状态"), max_length=20, choices=TransferStatus.choices, default=TransferStatus.DRAFT)
    reason = models.CharField(_("原因"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("制单人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    shipped_at = models.DateTimeField(_("发出时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("收货时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("调拨单")
        verbose_name_plural = _("调拨单")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(from_warehouse=F("to_warehouse")), name="transfer_two_warehouses"),
        ]

    def __str__(self):
        return self.code


class TransferLine(models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("行号"))
    product = models.ForeignKey(Product, verbose_name=_("商品"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("数量"))
    # the source's moving average when shipped; the destination receives at exactly this value
    unit_cost = models.DecimalField(_("单位成本"), **COST, null=True, blank=True)
    value = models.DecimalField(_("金额"), **VALUE, null=True, blank=True)

    class Meta:
        verbose_name = _("调拨明细")
        verbose_name_plural = _("调拨明细")
        ordering = ["transfer", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["transfer", "line_no"], name="transfer_line_no"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="transfer_line_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.transfer_id}/{self.line_no}"


class Stocktake(models.Model):
    """A count sheet of one warehouse (盘点单): book quantities snapshot, counted quantities, differences."""

    code = models.CharField(_("单号"), max_length=40, unique=True)
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("仓库"), on_delete=models.PROTECT,
                                  related_name="stocktakes")
    status = models.CharField(_("状态"), max_length=20, choices=StocktakeStatus.choices,
                              default=StocktakeStatus.DRAFT)
    reason = models.CharField(_("备注"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("制单人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    counting_at = models.DateTimeField(_("开始盘点时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("盘点单")
        verbose_name_plural = _("盘点单")
        ordering = ["-id"]
        permissions = [("approve_stocktake", _("审核盘点单"))]

    def __str__(self):
        return self.code


class StocktakeLine(models.Model):
    stocktake = models.ForeignKey(Stocktake, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, verbose_name=_("商品"), on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, verbose_name=_("库位"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    book_quantity = models.IntegerField(_("账面数量"), default=0)
    counted_quantity = models.IntegerField(_("实盘数量"), null=True, blank=True)
    unit_cost = models.DecimalField(_("单位成本"), **COST, null=True, blank=True)
    value = models.DecimalField(_("差异金额"), **VALUE, null=True, blank=True)

    class Meta:
        verbose_name = _("盘点明细")
        verbose_name_plural = _("盘点明细")
        ordering = ["stocktake", "location__pick_sequence", "location__code", "product__code"]
        constraints = [
            models.UniqueConstraint(fields=["stocktake", "product"], name="stocktake_line_one_per_sku"),
            models.CheckConstraint(condition=Q(book_quantity__gte=0), name="stocktake_line_book_non_negative"),
            models.CheckConstraint(condition=Q(counted_quantity__isnull=True) | Q(counted_quantity__gte=0),
                                   name="stocktake_line_counted_non_negative"),
        ]

    def __str__(self):
        return f"{self.stocktake_id}/{self.product_id}"

    @property
    def difference(self) -> int | None:
        return None if self.counted_quantity is None else self.counted_quantity - self.book_quantity


# --- fulfilment: shipments (pick, pack with scan check, ship, sign), pick waves -------------------------

class PickWave(models.Model):
    """A pick list (拣货波次) grouping many shipments of one warehouse, lines summed per SKU."""

    code = models.CharField(_("波次号"), max_length=40, unique=True)
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("仓库"), on_delete=models.PROTECT,
                                  related_name="pick_waves")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("制单人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("拣货波次")
        verbose_name_plural = _("拣货波次")
        ordering = ["-id"]

    def __str__(self):
        return self.code


class PickWaveLine(models.Model):
    """One SKU to pick in a wave, at the location it was last received into (None: unassigned, last)."""

    wave = models.ForeignKey(PickWave, on_delete=models.CASCADE, related_name="lines")
    sequence = models.PositiveIntegerField(_("顺序"))
    product = models.ForeignKey(Product, verbose_name=_("商品"), on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, verbose_name=_("库位"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    quantity = models.PositiveIntegerField(_("数量"))

    class Meta:
        verbose_name = _("拣货明细")
        verbose_name_plural = _("拣货明细")
        ordering = ["wave", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["wave", "product"], name="pick_wave_line_one_per_sku"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="pick_wave_line_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.wave_id}/{self.sequence}"


class Shipment(models.Model):
    """A parcel (发货单/包裹) for one source document (a sales order) whose stock that document reserved."""

    code = models.CharField(_("发货单号"), max_length=40, unique=True)
    reference_type = models.CharField(_("来源单据类型"), max_length=40)
    reference_id = models.CharField(_("来源单据ID"), max_length=64)
    reference_code = models.CharField(_("来源单据号"), max_length=64, blank=True, default="")
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("仓库"), on_delete=models.PROTECT,
                                  related_name="shipments")
    store = models.ForeignKey("masterdata.Store", verbose_name=_("店铺"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="shipments")
    status = models.CharField(_("状态"), max_length=20, choices=ShipmentStatus.choices,
                              default=ShipmentStatus.CREATED, db_index=True)
    consignee_name = EncryptedTextField(_("收货人"), mask="text")
    consignee_phone = EncryptedTextField(_("收货电话"), mask="phone")
    consignee_address = EncryptedTextField(_("收货地址"), mask="text")
    wave = models.ForeignKey(PickWave, verbose_name=_("拣货波次"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="shipments")
    carrier_code = models.CharField(_("承运商"), max_length=20, blank=True, default="", db_index=True)
    waybill_no = models.CharField(_("运单号"), max_length=64, blank=True, default="")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("制单人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    packed_at = models.DateTimeField(_("验货完成时间"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("发货时间"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("发货单")
        verbose_name_plural = _("发货单")
        ordering = ["-id"]
        indexes = [models.Index(fields=["reference_type", "reference_id"], name="shipment_reference")]
        constraints = [
            # one live parcel per source document: its reservation is issued whole on ship
            models.UniqueConstraint(fields=["reference_type", "reference_id"],
                                    condition=~Q(status__in=["cancelled", "returned"]),
                                    name="shipment_one_live_per_reference"),
            models.UniqueConstraint(fields=["carrier_code", "waybill_no"], condition=~Q(waybill_no=""),
                                    name="shipment_waybill_unique"),
        ]

    def __str__(self):
        return self.code


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("行号"))
    product = models.ForeignKey(Product, verbose_name=_("商品"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("数量"))
    scanned_quantity = models.PositiveIntegerField(_("已验数量"), default=0)
    # the moving average at shipping (frozen then)
    unit_cost = models.DecimalField(_("单位成本"), **COST, null=True, blank=True)
    value = models.DecimalField(_("金额"), **VALUE, null=True, blank=True)

    class Meta:
        verbose_name = _("发货明细")
        verbose_name_plural = _("发货明细")
        ordering = ["shipment", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "line_no"], name="shipment_line_no"),
            models.UniqueConstraint(fields=["shipment", "product"], name="shipment_line_one_per_sku"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="shipment_line_quantity_positive"),
            models.CheckConstraint(condition=Q(scanned_quantity__lte=F("quantity")),
                                   name="shipment_line_scanned_le_quantity"),
        ]

    def __str__(self):
        return f"{self.shipment_id}/{self.line_no}"


class ScanRecord(models.Model):
    """One barcode scanned while packing (验货), accepted or refused; accepted ones count towards the line."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="scans")
    line = models.ForeignKey(ShipmentLine, null=True, blank=True, on_delete=models.CASCADE, related_name="scans")
    barcode = models.CharField(_("条码"), max_length=64)
    accepted = models.BooleanField(_("通过"))
    error_code = models.CharField(_("错误代码"), max_length=40, blank=True, default="")
    scanned_at = models.DateTimeField(_("扫描时间"), auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("验货扫描记录")
        verbose_name_plural = _("验货扫描记录")
        ordering = ["id"]

    def __str__(self):
        return f"{self.shipment_id} {self.barcode} {'ok' if self.accepted else self.error_code}"


# --- available-to-sell per store (库存同步) -------------------------------------------------------------

class StoreStockPolicy(models.Model):
    """How much of the stock a store may sell: its warehouses, safety stock and share ratio."""

    store = models.OneToOneField("masterdata.Store", verbose_name=_("店铺"), on_delete=models.CASCADE,
                                 related_name="stock_policy")
    warehouses = models.ManyToManyField(Warehouse, verbose_name=_("供货仓库"), related_name="+")
    default_safety_stock = models.PositiveIntegerField(_("默认安全库存"), default=0)
    share_ratio = models.DecimalField(_("共享比例"), max_digits=5, decimal_places=4, default=1)
    updated_at = models.DateTimeField(_("更新时间"), db_index=True)

    class Meta:
        verbose_name = _("店铺库存同步策略")
        verbose_name_plural = _("店铺库存同步策略")
        ordering = ["store"]
        constraints = [
            models.CheckConstraint(condition=Q(share_ratio__gte=0) & Q(share_ratio__lte=1),
                                   name="store_stock_policy_ratio_0_1"),
        ]

    def __str__(self):
        return f"{self.store_id}"


class StoreSafetyStock(models.Model):
    """The safety stock of one SKU in one store's policy (overrides the default)."""

    policy = models.ForeignKey(StoreStockPolicy, on_delete=models.CASCADE, related_name="safety_stocks")
    product = models.ForeignKey(Product, verbose_name=_("商品"), on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(_("安全库存"))

    class Meta:
        verbose_name = _("商品安全库存")
        verbose_name_plural = _("商品安全库存")
        constraints = [models.UniqueConstraint(fields=["policy", "product"], name="store_safety_stock_one_per_sku")]

    def __str__(self):
        return f"{self.policy_id}/{self.product_id}"
