"""Admin screens of sales: read-only inspection. Orders change only through the services (the sales
pages and API). Personal data (consignee, address, the raw payload) is left out here: the order
detail page shows it, masked unless the user may see personal data."""

from django.contrib import admin

from ecerp.core.admin_base import ReadOnlyAdmin
from ecerp.sales.models import OrderVersion, QuarantinedRecord, SalesOrder, StoreSkuMapping

HIDDEN = {"consignee_name", "consignee_phone", "address", "payload", "raw_json"}


class ReadOnlyFields(ReadOnlyAdmin):
    def get_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields if field.name not in HIDDEN]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)


@admin.register(SalesOrder)
class SalesOrderAdmin(ReadOnlyFields):
    list_display = ("code", "store", "platform_order_no", "status", "has_exception", "paid_amount", "payment_time",
                    "platform_status", "received_at")
    list_filter = ("status", "has_exception", "store")
    search_fields = ("=code", "=platform_order_no", "buyer_nick")
    list_select_related = ("store",)


@admin.register(OrderVersion)
class OrderVersionAdmin(ReadOnlyFields):
    list_display = ("order", "source", "outcome", "platform_status", "platform_updated_at", "received_at")
    list_filter = ("outcome", "source")
    list_select_related = ("order",)


@admin.register(QuarantinedRecord)
class QuarantinedRecordAdmin(ReadOnlyFields):
    list_display = ("pk", "source", "store_code", "platform_order_no", "status", "created_at")
    list_filter = ("status", "source")
    search_fields = ("=platform_order_no",)


@admin.register(StoreSkuMapping)
class StoreSkuMappingAdmin(ReadOnlyFields):
    list_display = ("sku_code", "store", "platform", "product", "created_at")
    search_fields = ("sku_code", "product__code")
    list_select_related = ("store", "product")
