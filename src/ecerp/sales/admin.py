"""Admin screens of sales: read-only inspection of orders, versions, quarantine and SKU mappings (they
change only through the sales pages and API), and the order-review configuration (review rules,
blacklist, allocation rules, store sales settings), edited here through the sales services with
their own permissions. Personal data (consignee, address, the raw payload) is left out here: the
order detail page shows it, masked unless the user may see personal data."""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ecerp.core.admin_base import AuditHistoryMixin, ReadOnlyAdmin, ServiceModelAdmin, ServiceModelForm
from ecerp.masterdata.scopes import visible_stores, visible_warehouses
from ecerp.sales import services
from ecerp.sales.models import (
    AllocationRule,
    Blacklist,
    OrderVersion,
    QuarantinedRecord,
    ReviewRule,
    SalesOrder,
    StoreSalesSetting,
    StoreSkuMapping,
)

HIDDEN = {"consignee_name", "consignee_phone", "address", "payload", "raw_json"}


class ReadOnlyFields(AuditHistoryMixin, ReadOnlyAdmin):
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


# --- order-review configuration: written through the sales services --------------------------------------

class ConfigAdmin(ServiceModelAdmin):
    """A review-configuration screen: saves through `service`, deletes through `delete_service`."""

    delete_service = None
    delete_argument = "instance"

    def delete_model(self, request, obj):
        self.delete_service(user=request.user, **{self.delete_argument: obj})

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset.order_by("pk"):
                self.delete_model(request, obj)


@admin.register(ReviewRule)
class ReviewRuleAdmin(ConfigAdmin):
    service = staticmethod(services.save_review_rule_record)
    delete_service = staticmethod(services.delete_review_rule)
    delete_argument = "rule"
    list_display = ("name", "kind", "action", "priority", "active", "updated_at")
    list_display_links = ("name",)
    list_filter = ("kind", "action", "active")
    search_fields = ("name",)
    fields = ("name", "kind", "parameters", "action", "priority", "active")
    ordering = ("priority", "id")


class BlacklistForm(ServiceModelForm):
    value = forms.CharField(label=_("买家昵称或电话"), max_length=100, required=False)

    class Meta:
        model = Blacklist
        fields = ("kind", "reason")


@admin.register(Blacklist)
class BlacklistAdmin(ConfigAdmin):
    """Only a keyed hash and the display value are kept: the value is typed once, on creation."""

    form = BlacklistForm
    service = staticmethod(services.save_blacklist_entry)
    delete_service = staticmethod(services.delete_blacklist_entry)
    delete_argument = "entry"
    list_display = ("kind", "shown", "reason", "created_at")
    list_filter = ("kind",)
    search_fields = ("shown", "reason")

    def get_fields(self, request, obj=None):
        return ("kind", "shown", "reason") if obj else ("kind", "value", "reason")

    def get_readonly_fields(self, request, obj=None):
        return ("kind", "shown") if obj else ()

    def save_with_service(self, request, *, obj, data: dict, form):
        if obj is None:
            data["value"] = form.cleaned_data.get("value", "")
        return self.service(user=request.user, data=data, instance=obj)


class StoreScopedAdmin(ConfigAdmin):
    """Rows of the stores the user may see; a store is chosen among them and kept once saved."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(store__in=visible_stores(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "store":
            kwargs["queryset"] = visible_stores(request.user)
        elif db_field.name == "warehouse":
            kwargs["queryset"] = visible_warehouses(request.user).filter(active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ("store",) if obj else ()


@admin.register(AllocationRule)
class AllocationRuleAdmin(StoreScopedAdmin):
    service = staticmethod(services.save_allocation_rule)
    delete_service = staticmethod(services.delete_allocation_rule)
    delete_argument = "rule"
    list_display = ("store", "warehouse", "priority")
    list_filter = ("store",)
    list_select_related = ("store", "warehouse")
    fields = ("store", "warehouse", "priority")
    ordering = ("store__code", "priority", "id")


@admin.register(StoreSalesSetting)
class StoreSalesSettingAdmin(StoreScopedAdmin):
    service = staticmethod(services.save_store_sales_setting)
    delete_service = staticmethod(services.delete_store_sales_setting)
    delete_argument = "setting"
    list_display = ("store", "payment_terms")
    list_filter = ("payment_terms",)
    list_select_related = ("store",)
    fields = ("store", "payment_terms")
    ordering = ("store__code",)
