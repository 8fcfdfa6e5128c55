"""Admin screens of master data (基础资料): lists with search and filters, edit forms, history.

Every write goes through ecerp.masterdata.services (see ecerp.core.admin_base);
stores, warehouses and locations are limited to the user's data scope.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ecerp.core.admin_base import (
    PermissionMixin,
    RejectionMixin,
    ServiceInline,
    ServiceModelAdmin,
    ServiceModelForm,
    ServiceStackedInline,
    ServiceTabularInline,
    can_see_personal_data,
    masked_value,
)
from ecerp.core.errors import DomainError
from ecerp.masterdata import services
from ecerp.masterdata.models import (
    ROLE_FIELDS,
    BundleComponent,
    Category,
    Department,
    Employee,
    Location,
    Partner,
    PartnerBankAccount,
    PartnerContact,
    PartnerRole,
    Product,
    Store,
    UserScope,
    Warehouse,
)
from ecerp.masterdata.scopes import visible_stores, visible_warehouses
from ecerp.masterdata.states import EmployeeStatus


def _indent(depth: int, text: str) -> str:
    if depth <= 1:
        return text
    return format_html('<span class="ecerp-tree" style="padding-left:{}em">└ {}</span>', (depth - 1) * 1.5, text)


def _money(value: Decimal | None) -> str:
    """Show a unit price with two decimals unless it really has more (prices keep four places)."""
    if value is None:
        return "-"
    cents = value.quantize(Decimal("0.01"))
    return f"{cents}" if cents == value else f"{value.normalize()}"


class ParentFilter(admin.SimpleListFilter):
    """Filter a tree by its parent: the nodes that have children are offered (plus 顶级)."""

    title = _("上级")
    parameter_name = "parent"

    def lookups(self, request, model_admin):
        model = model_admin.model
        parents = model.objects.filter(children__isnull=False).distinct().order_by("code")
        return [("top", _("（顶级）")), *[(str(node.pk), str(node)) for node in parents]]

    def queryset(self, request, queryset):
        if self.value() == "top":
            return queryset.filter(parent__isnull=True)
        if self.value():
            return queryset.filter(parent_id=self.value())
        return queryset


# --- departments and employees ------------------------------------------------------------------

@admin.register(Department)
class DepartmentAdmin(ServiceModelAdmin):
    service = staticmethod(services.save_department)
    list_display = ("tree_name", "code", "parent", "manager_name", "employee_count", "active")
    list_filter = (ParentFilter, "active")
    search_fields = ("code", "name", "manager_name")
    fields = ("code", "name", "parent", "manager_name", "active", "remark")
    ordering = ("code",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent").annotate(employee_total=Count("employees"))

    def get_list_display(self, request):
        depths: dict[int, int] = {}

        @admin.display(description=_("部门"), ordering="code")
        def tree_name(obj):
            if not depths:
                # The tree is small: one query gives every department's depth.
                parents = dict(Department.objects.values_list("pk", "parent_id"))
                depths.update({pk: self._depth(pk, parents) for pk in parents})
            return _indent(depths.get(obj.pk, 1), obj.name)

        return [tree_name if name == "tree_name" else name for name in super().get_list_display(request)]

    @admin.display(description=_("部门"), ordering="code")
    def tree_name(self, obj):
        return obj.name

    def get_list_display_links(self, request, list_display):
        return [list_display[0], "code"]

    @staticmethod
    def _depth(pk, parents) -> int:
        depth, seen = 1, {pk}
        while parents.get(pk) is not None and parents[pk] not in seen:
            pk = parents[pk]
            seen.add(pk)
            depth += 1
        return depth

    @admin.display(description=_("员工数"), ordering="employee_total")
    def employee_count(self, obj):
        return obj.employee_total


class EmployeeForm(ServiceModelForm):
    status_reason = forms.CharField(label=_("状态变更原因"), required=False, max_length=300)


@admin.register(Employee)
class EmployeeAdmin(ServiceModelAdmin):
    form = EmployeeForm
    list_display = ("code", "name", "department", "position", "hire_date", "status", "phone_shown",
                    "id_number_shown")
    list_filter = ("status", "department")
    search_fields = ("code", "name", "position", "email")
    list_select_related = ("department",)
    fieldsets = (
        (None, {"fields": ("code", "name", "department", "position", "hire_date", "email", "user")}),
        (_("状态"), {"fields": ("status", "status_reason")}),
        (_("个人敏感信息"), {"fields": ("id_number", "phone")}),
    )
    actions = ("mark_active", "mark_on_leave", "mark_left")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not self.has_change_permission(request, obj):
            fieldsets = [(title, {**options, "fields": [name for name in options["fields"] if name != "status_reason"]})
                         for title, options in fieldsets]
        return fieldsets

    def get_list_display(self, request):
        visible = can_see_personal_data(request.user)

        def shown(name):
            @admin.display(description=Employee._meta.get_field(name).verbose_name)
            def display(obj):
                return (getattr(obj, name) if visible else masked_value(obj, name)) or "-"

            return display

        return [shown(name[: -len("_shown")]) if name.endswith("_shown") else name
                for name in super().get_list_display(request)]

    # Request-free fallbacks (masked); get_list_display swaps in the request-aware versions.
    @admin.display(description=_("手机号"))
    def phone_shown(self, obj):
        return masked_value(obj, "phone") or "-"

    @admin.display(description=_("身份证号"))
    def id_number_shown(self, obj):
        return masked_value(obj, "id_number") or "-"

    def save_with_service(self, request, *, obj, data, form):
        if obj is None:
            return services.save_employee(user=request.user, data=data)
        status = data.pop("status", None)
        employee = services.save_employee(user=request.user, data=data, instance=obj)
        if status is not None:
            employee = services.change_employee_status(
                user=request.user, employee=employee, status=status,
                reason=form.cleaned_data.get("status_reason", ""))
        return employee

    def _move(self, request, queryset, status):
        with transaction.atomic():
            for employee in queryset:
                services.change_employee_status(user=request.user, employee=employee, status=status,
                                                reason=str(_("批量操作")))
        self.message_user(request, _("已更新 %(count)s 名员工的状态") % {"count": len(queryset)})

    @admin.action(description=_("设为在职"), permissions=["change"])
    def mark_active(self, request, queryset):
        self._move(request, queryset, EmployeeStatus.ACTIVE)

    @admin.action(description=_("设为休假"), permissions=["change"])
    def mark_on_leave(self, request, queryset):
        self._move(request, queryset, EmployeeStatus.ON_LEAVE)

    @admin.action(description=_("设为离职"), permissions=["change"])
    def mark_left(self, request, queryset):
        self._move(request, queryset, EmployeeStatus.LEFT)


# --- partners ------------------------------------------------------------------------------------

class RoleFilter(admin.SimpleListFilter):
    title = _("角色")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return PartnerRole.choices

    def queryset(self, request, queryset):
        field = ROLE_FIELDS.get(self.value())
        return queryset.filter(**{field: True}) if field else queryset


class CustomsValidityFilter(admin.SimpleListFilter):
    title = _("海关编码有效期")
    parameter_name = "customs_validity"

    def lookups(self, request, model_admin):
        return [("valid", _("有效")), ("expiring", _("30 天内到期")), ("expired", _("已过期")),
                ("none", _("未填写海关编码"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        value = self.value()
        if value == "none":
            return queryset.filter(customs_code="")
        if value == "expired":
            return queryset.exclude(customs_code="").filter(customs_code_valid_until__lt=today)
        if value == "expiring":
            return queryset.exclude(customs_code="").filter(
                customs_code_valid_until__gte=today,
                customs_code_valid_until__lte=today + datetime.timedelta(days=30))
        if value == "valid":
            return queryset.exclude(customs_code="").exclude(customs_code_valid_until__lt=today).exclude(
                customs_code_valid_from__gt=today)
        return queryset


class PartnerContactInline(ServiceTabularInline):
    model = PartnerContact
    service = staticmethod(services.save_partner_contact)
    fields = ("name", "title", "phone", "email", "is_primary")


class PartnerBankAccountInline(ServiceTabularInline):
    model = PartnerBankAccount
    service = staticmethod(services.save_partner_bank_account)
    fields = ("bank_name", "account_name", "account_number", "currency", "is_default")


@admin.register(Partner)
class PartnerAdmin(ServiceModelAdmin):
    service = staticmethod(services.save_partner)
    inlines = (PartnerContactInline, PartnerBankAccountInline)
    list_display = ("code", "name", "short_name", "role_labels_display", "social_credit_code", "customs_code",
                    "customs_validity", "payment_days", "active")
    list_filter = (RoleFilter, CustomsValidityFilter, "country", "active")
    search_fields = ("code", "name", "short_name", "=social_credit_code", "=customs_code")
    fieldsets = (
        (None, {"fields": ("code", "name", "short_name", "country", "address", "telephone", "active", "remark")}),
        (_("角色（至少一个）"), {"fields": (tuple(ROLE_FIELDS.values())[:4], tuple(ROLE_FIELDS.values())[4:])}),
        (_("证照"), {"fields": ("social_credit_code", "customs_code", "customs_code_valid_from",
                              "customs_code_valid_until")}),
        (_("结算"), {"fields": ("payment_days", "credit_limit")}),
    )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # Let the service normalise spaces and dashes before it checks the length.
        if db_field.name == "social_credit_code":
            kwargs["max_length"] = 30
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("角色"))
    def role_labels_display(self, obj):
        return obj.role_labels

    @admin.display(description=_("海关编码有效期"), ordering="customs_code_valid_until")
    def customs_validity(self, obj):
        if not obj.customs_code:
            return "-"
        today = timezone.localdate()
        start, end = obj.customs_code_valid_from, obj.customs_code_valid_until
        if end and end < today:
            state, color = _("已过期"), "#ba2121"
        elif start and start > today:
            state, color = _("未生效"), "#b26200"
        elif end and end <= today + datetime.timedelta(days=30):
            state, color = _("即将到期"), "#b26200"
        else:
            state, color = _("有效"), "#2e7d32"
        until = end.isoformat() if end else _("长期")
        return format_html('<span style="color:{}">{}</span>（{}）', color, state, until)


# --- categories and products ---------------------------------------------------------------------

@admin.register(Category)
class CategoryAdmin(ServiceModelAdmin):
    service = staticmethod(services.save_category)
    list_display = ("tree_name", "code", "level", "parent", "product_count", "active")
    list_display_links = ("tree_name", "code")
    list_filter = ("level", ParentFilter, "active")
    search_fields = ("code", "name")
    fields = ("parent", "code", "name", "active")
    autocomplete_fields = ("parent",)
    ordering = ("code",)
    list_per_page = 200

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent").annotate(product_total=Count("products"))

    @admin.display(description=_("分类"), ordering="code")
    def tree_name(self, obj):
        return _indent(obj.level, obj.name)

    @admin.display(description=_("商品数"), ordering="product_total")
    def product_count(self, obj):
        return obj.product_total


class CategoryTreeFilter(admin.SimpleListFilter):
    """Filter products by a category and everything below it (codes share the parent's prefix)."""

    title = _("分类")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return [(node.code, str(node)) for node in Category.objects.filter(level__lte=2).order_by("code")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(category__code__startswith=self.value())
        return queryset


class BrandFilter(admin.SimpleListFilter):
    title = _("品牌")
    parameter_name = "brand"

    def lookups(self, request, model_admin):
        brands = Product.objects.exclude(brand="").values_list("brand", flat=True).distinct().order_by("brand")
        return [(brand, brand) for brand in brands[:200]]

    def queryset(self, request, queryset):
        return queryset.filter(brand=self.value()) if self.value() else queryset


class BundleComponentInline(ServiceInline, admin.TabularInline):
    """Components of a bundle; the whole list is replaced by set_bundle_components."""

    model = BundleComponent
    fk_name = "bundle"
    fields = ("component", "quantity")
    autocomplete_fields = ("component",)
    verbose_name = _("子商品")
    verbose_name_plural = _("组合明细（子商品与数量）")

    def save_rows(self, request, formset) -> None:
        from ecerp.core.admin_base import Rejected, rejection_entries

        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if not formset.has_changed():
            return
        components = [
            (form.cleaned_data["component"], form.cleaned_data["quantity"])
            for form in formset.forms
            if form not in formset.deleted_forms and form.cleaned_data.get("component")
        ]
        try:
            services.set_bundle_components(user=request.user, bundle=formset.instance, components=components)
        except DomainError as error:
            raise Rejected(rejection_entries(error, formset.prefix)) from error


@admin.register(Product)
class ProductAdmin(ServiceModelAdmin):
    service = staticmethod(services.save_product)
    inlines = (BundleComponentInline,)
    list_display = ("code", "barcode", "name", "specification", "brand", "category", "cost", "price",
                    "is_cross_border", "is_bundle", "active")
    list_filter = (CategoryTreeFilter, BrandFilter, "is_cross_border", "is_bundle", "active")
    search_fields = ("code", "=barcode", "name")
    list_select_related = ("category",)
    autocomplete_fields = ("category",)
    readonly_fields = ("is_bundle", "updated_at")
    fieldsets = (
        (None, {"fields": ("code", "barcode", "name", "specification", "brand", "category", "unit", "active",
                           "is_bundle")}),
        (_("价格与重量"), {"fields": ("cost_price", "sale_price", "gross_weight", "net_weight")}),
        (_("跨境"), {"fields": ("is_cross_border", "hs_code", "origin_country", "customs_unit"),
                   "description": _("跨境商品必须填写 HS编码（10 位）、原产国（ISO 3166 二位代码）和海关计量单位")}),
        (_("其他"), {"fields": ("updated_at",)}),
    )

    @admin.display(description=_("成本价"), ordering="cost_price")
    def cost(self, obj):
        return _money(obj.cost_price)

    @admin.display(description=_("销售价"), ordering="sale_price")
    def price(self, obj):
        return _money(obj.sale_price)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # HS codes are often typed with dots (3304.9900.99); the service removes them and checks 10 digits.
        if db_field.name == "hs_code":
            kwargs["max_length"] = 20
        if db_field.name == "origin_country":
            kwargs["max_length"] = 20  # 日本 / JP / jp, normalised by the service
        return super().formfield_for_dbfield(db_field, request, **kwargs)


# --- warehouses, locations, stores ---------------------------------------------------------------

class LocationInline(ServiceTabularInline):
    model = Location
    service = staticmethod(services.save_location)
    fields = ("code", "name", "zone", "pick_sequence", "active")


@admin.register(Warehouse)
class WarehouseAdmin(ServiceModelAdmin):
    service = staticmethod(services.save_warehouse)
    inlines = (LocationInline,)
    list_display = ("code", "name", "type", "customs_area_code", "operator", "contact_name", "location_count",
                    "active")
    list_filter = ("type", "active")
    search_fields = ("code", "name", "address")
    list_select_related = ("operator",)
    fields = ("code", "name", "type", "address", "contact_name", "contact_phone", "customs_area_code", "operator",
              "active")

    def get_queryset(self, request):
        queryset = super().get_queryset(request).annotate(location_total=Count("locations"))
        return visible_warehouses(request.user, queryset)

    @admin.display(description=_("库位数"), ordering="location_total")
    def location_count(self, obj):
        return obj.location_total


class ScopedWarehouseFilter(admin.SimpleListFilter):
    title = _("仓库")
    parameter_name = "warehouse"

    def lookups(self, request, model_admin):
        return [(str(warehouse.pk), str(warehouse)) for warehouse in visible_warehouses(request.user)]

    def queryset(self, request, queryset):
        return queryset.filter(warehouse_id=self.value()) if self.value() else queryset


@admin.register(Location)
class LocationAdmin(ServiceModelAdmin):
    service = staticmethod(services.save_location)
    list_display = ("code", "warehouse", "name", "zone", "pick_sequence", "active")
    list_filter = (ScopedWarehouseFilter, "zone", "active")
    search_fields = ("code", "name", "zone")
    list_select_related = ("warehouse",)
    fields = ("warehouse", "code", "name", "zone", "pick_sequence", "active")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(warehouse__in=visible_warehouses(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "warehouse":
            kwargs["queryset"] = visible_warehouses(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Store)
class StoreAdmin(ServiceModelAdmin):
    service = staticmethod(services.save_store)
    list_display = ("code", "name", "platform", "shop_id", "type", "ecommerce_company", "default_warehouse",
                    "active")
    list_filter = ("platform", "type", "active")
    search_fields = ("code", "name", "shop_id")
    list_select_related = ("ecommerce_company", "default_warehouse")
    fields = ("code", "name", "platform", "shop_id", "type", "platform_partner", "ecommerce_company",
              "default_warehouse", "active")

    def get_queryset(self, request):
        return visible_stores(request.user, super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "default_warehouse":
            kwargs["queryset"] = visible_warehouses(request.user)
        elif db_field.name == "platform_partner":
            kwargs["queryset"] = Partner.objects.filter(is_platform=True, active=True)
        elif db_field.name == "ecommerce_company":
            kwargs["queryset"] = Partner.objects.filter(is_ecommerce=True, active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- users: roles and data scope -----------------------------------------------------------------

class UserScopeInline(ServiceStackedInline):
    """The stores and warehouses a user may see; written by set_user_scope."""

    model = UserScope
    can_delete = True
    max_num = 1
    fields = ("all_stores", "stores", "all_warehouses", "warehouses")
    filter_horizontal = ("stores", "warehouses")
    verbose_name_plural = _("数据权限（不设置则可见全部店铺和仓库）")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "stores":
            kwargs["queryset"] = visible_stores(request.user)
        elif db_field.name == "warehouses":
            kwargs["queryset"] = visible_warehouses(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_rows(self, request, formset) -> None:
        from ecerp.core.admin_base import Rejected, rejection_entries

        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for form in formset.forms:
            try:
                if form in formset.deleted_forms:
                    if form.instance.pk is not None:
                        services.delete_record(user=request.user, instance=form.instance)
                        formset.deleted_objects.append(form.instance)
                    continue
                if not form.has_changed():
                    continue
                data = form.cleaned_data
                scope = services.set_user_scope(
                    user=request.user, target_user=formset.instance, all_stores=data.get("all_stores", False),
                    all_warehouses=data.get("all_warehouses", False), stores=list(data.get("stores") or []),
                    warehouses=list(data.get("warehouses") or []))
            except DomainError as error:
                raise Rejected(rejection_entries(error, form.prefix)) from error
            form.instance.pk = scope.pk
            formset.changed_objects.append((scope, form.changed_data))


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class ECERPUserAdmin(RejectionMixin, PermissionMixin, UserAdmin):
    """Users with their role groups and data scope. Only a superuser may grant superuser rights."""

    inlines = (UserScopeInline,)
    list_display = ("username", "first_name", "last_name", "email", "roles", "is_active", "last_login")
    list_filter = ("groups", "is_active", "is_superuser")

    @admin.display(description=_("角色"))
    def roles(self, obj):
        return "、".join(group.name for group in obj.groups.all())

    def get_queryset(self, request):
        queryset = super().get_queryset(request).prefetch_related("groups")
        # An administrator who is not a superuser cannot touch superuser accounts.
        return queryset if request.user.is_superuser else queryset.filter(is_superuser=False)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        hidden = {"is_superuser", "user_permissions"}
        return [(title, {**options, "fields": tuple(name for name in options["fields"] if name not in hidden)})
                for title, options in fieldsets]

    def save_formset(self, request, form, formset, change):
        inline = getattr(formset, "ecerp_inline", None)
        if inline is None:
            return super().save_formset(request, form, formset, change)
        inline.save_rows(request, formset)


@admin.register(Group)
class ECERPGroupAdmin(PermissionMixin, GroupAdmin):
    pass
