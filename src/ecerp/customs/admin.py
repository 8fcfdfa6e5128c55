"""Admin screens of the customs app.

Reference data (codes, positive-list lines, dated tax rates, limits) is edited here through the reference
services; filings and channel profiles change only through their pages and the API, so the admin shows them
read-only for inspection.
"""

from django.contrib import admin

from ecerp.core.admin_base import AuditHistoryMixin, ReadOnlyAdmin, ServiceModelAdmin
from ecerp.customs.models import (
    CrossBorderLimit,
    CustomsChannel,
    PositiveListLine,
    ProductFiling,
    ReferenceCode,
    TaxRate,
)
from ecerp.customs.services import reference as reference_services


@admin.register(ReferenceCode)
class ReferenceCodeAdmin(ServiceModelAdmin):
    service = staticmethod(reference_services.save_reference_code)
    list_display = ("kind", "code", "name_zh", "name_en", "alias", "valid_from", "valid_to", "active", "verified")
    list_filter = ("kind", "active", "verified")
    search_fields = ("code", "name_zh", "name_en", "alias")
    fields = ("kind", "code", "name_zh", "name_en", "alias", "valid_from", "valid_to", "active", "verified", "note")


@admin.register(PositiveListLine)
class PositiveListLineAdmin(ServiceModelAdmin):
    service = staticmethod(reference_services.save_positive_list_line)
    list_display = ("hs_code8", "description", "batch", "valid_from", "valid_to", "verified")
    list_filter = ("batch", "verified")
    search_fields = ("hs_code8", "description")
    fields = ("hs_code8", "description", "note", "batch", "valid_from", "valid_to", "verified")


@admin.register(TaxRate)
class TaxRateAdmin(ServiceModelAdmin):
    service = staticmethod(reference_services.save_tax_rate)
    list_display = ("kind", "rate", "valid_from", "valid_to", "source", "verified")
    list_filter = ("kind", "verified")
    fields = ("kind", "rate", "valid_from", "valid_to", "source", "verified")


@admin.register(CrossBorderLimit)
class CrossBorderLimitAdmin(ServiceModelAdmin):
    service = staticmethod(reference_services.save_cross_border_limit)
    list_display = ("single_limit", "annual_limit", "valid_from", "valid_to", "source")
    fields = ("single_limit", "annual_limit", "valid_from", "valid_to", "source")


@admin.register(ProductFiling)
class ProductFilingAdmin(AuditHistoryMixin, ReadOnlyAdmin):
    list_display = ("product", "hs_code", "gname", "state", "version", "filing_no", "updated_at")
    list_filter = ("state", "vat_kind", "consumption_tax_rule", "postal_tier")
    search_fields = ("product__code", "hs_code", "gname")
    list_select_related = ("product",)


@admin.register(CustomsChannel)
class CustomsChannelAdmin(AuditHistoryMixin, ReadOnlyAdmin):
    list_display = ("store", "trade_mode", "regime", "customs_code", "port_code", "ecommerce_company", "guarantor")
    list_select_related = ("store", "ecommerce_company", "guarantor")


# --- declarations (part 6): looked at here, worked through the services (pages, API, CLI) ---------------

from ecerp.customs.models import CustomsMessage, Declaration  # noqa: E402 - the declarations block of this module
from ecerp.customs.queries_declarations import PERSONAL as DECLARATION_PERSONAL  # noqa: E402


@admin.register(Declaration)
class DeclarationAdmin(AuditHistoryMixin, ReadOnlyAdmin):
    list_display = ("cop_no", "order_no", "store", "status", "regime", "decl_date", "list_status", "invt_no",
                    "computed_tax")
    list_filter = ("status", "regime", "trade_mode")
    search_fields = ("cop_no", "order_no", "logistics_no", "invt_no")
    list_select_related = ("store",)
    # personal data stays out of the admin (the declaration pages mask it by role)
    exclude = (*DECLARATION_PERSONAL, "buyer_id_hash")


@admin.register(CustomsMessage)
class CustomsMessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "direction", "message_type", "guid", "status", "attempts", "declaration", "created_at")
    list_filter = ("direction", "status", "message_type")
    search_fields = ("guid", "sha256")
    exclude = ("raw",)  # the verbatim message carries personal data
