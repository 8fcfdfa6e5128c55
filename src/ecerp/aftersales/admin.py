"""Admin screens of after-sales: read-only inspection. Cases change only through the services (pages and API)."""

from django.contrib import admin

from ecerp.aftersales.models import AfterSalesCase, AfterSalesLine
from ecerp.core.admin_base import AuditHistoryMixin, ReadOnlyAdmin


class CaseLineInline(admin.TabularInline):
    model = AfterSalesLine
    extra = 0
    can_delete = False
    fields = ("order_line", "quantity", "refund_amount", "sellable_quantity", "damaged_quantity",
              "replacement_product")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AfterSalesCase)
class AfterSalesCaseAdmin(AuditHistoryMixin, ReadOnlyAdmin):
    list_display = ("code", "type", "status", "order", "store", "platform_refund_id", "refund_amount",
                    "refunded_amount", "created_at")
    list_filter = ("type", "status", "store")
    search_fields = ("=code", "=platform_refund_id", "order__code")
    list_select_related = ("order", "store")
    inlines = [CaseLineInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]
