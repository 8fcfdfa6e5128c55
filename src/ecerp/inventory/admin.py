"""Admin screens of the stock ledger: read-only inspection. Stock changes only through the services
(the inventory pages and API); the ledger and its caches are never edited by hand."""

from django.contrib import admin

from ecerp.core.admin_base import AuditHistoryMixin, ReadOnlyAdmin
from ecerp.inventory.models import (
    PickWave,
    Reservation,
    Shipment,
    StockBalance,
    StockDocument,
    StockMove,
    Stocktake,
    StoreStockPolicy,
    Transfer,
)


class ReadOnlyFields(AuditHistoryMixin, ReadOnlyAdmin):
    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


@admin.register(StockMove)
class StockMoveAdmin(ReadOnlyFields):
    list_display = ("occurred_at", "kind", "product", "warehouse", "location", "quantity", "unit_cost", "value",
                    "balance_quantity", "document_code", "user")
    list_filter = ("kind", "warehouse")
    search_fields = ("product__code", "product__name", "=document_code")
    list_select_related = ("product", "warehouse", "location", "user")
    date_hierarchy = "occurred_at"


@admin.register(StockBalance)
class StockBalanceAdmin(ReadOnlyFields):
    list_display = ("product", "warehouse", "on_hand", "reserved", "value", "avg_cost", "updated_at")
    list_filter = ("warehouse",)
    search_fields = ("product__code", "product__name")
    list_select_related = ("product", "warehouse")


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyFields):
    list_display = ("reference_type", "reference_id", "reference_code", "product", "warehouse", "quantity",
                    "status", "created_at", "closed_at")
    list_filter = ("status", "warehouse", "reference_type")
    search_fields = ("=reference_id", "=reference_code", "product__code")
    list_select_related = ("product", "warehouse")


@admin.register(StockDocument)
class StockDocumentAdmin(ReadOnlyFields):
    list_display = ("code", "direction", "warehouse", "status", "reason", "created_at", "confirmed_at")
    list_filter = ("direction", "status", "warehouse")
    search_fields = ("=code", "reason")


@admin.register(Transfer)
class TransferAdmin(ReadOnlyFields):
    list_display = ("code", "from_warehouse", "to_warehouse", "status", "shipped_at", "received_at")
    list_filter = ("status",)
    search_fields = ("=code",)


@admin.register(Stocktake)
class StocktakeAdmin(ReadOnlyFields):
    list_display = ("code", "warehouse", "status", "created_at", "approved_at")
    list_filter = ("status", "warehouse")
    search_fields = ("=code",)


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyFields):
    """Parcels without their consignee: personal data is shown (masked or not) only on the shipment pages."""

    list_display = ("code", "reference_code", "warehouse", "store", "status", "carrier_code", "waybill_no",
                    "created_at", "shipped_at", "signed_at")
    list_filter = ("status", "warehouse", "carrier_code")
    search_fields = ("=code", "=reference_code", "=waybill_no")
    list_select_related = ("warehouse", "store")
    exclude = ("consignee_name", "consignee_phone", "consignee_address")

    def get_readonly_fields(self, request, obj=None):
        return [name for name in super().get_readonly_fields(request, obj) if name not in self.exclude]


@admin.register(PickWave)
class PickWaveAdmin(ReadOnlyFields):
    list_display = ("code", "warehouse", "created_at")
    list_filter = ("warehouse",)
    search_fields = ("=code",)


@admin.register(StoreStockPolicy)
class StoreStockPolicyAdmin(ReadOnlyFields):
    list_display = ("store", "share_ratio", "default_safety_stock", "updated_at")
