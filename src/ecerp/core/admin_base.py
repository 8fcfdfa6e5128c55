"""The base of every ECERP admin screen: services write, one place checks permissions, errors land on fields.

ServiceModelAdmin replaces the admin's direct model writes by calls to the app's
services. A DomainError raised while saving (by the main record or an inline
row) rolls the whole request back; the form is then shown again with each
Chinese message next to the field it names, so nothing is half-written.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.forms import ModelForm
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ecerp.core.admin_history import describe_entries, describe_states
from ecerp.core.crypto import EncryptedTextField
from ecerp.core.errors import DomainError, ErrorCode, ErrorDetail
from ecerp.core.permissions import has_permission

PERSONAL_DATA_PERMISSION = "masterdata.view_personal_data"


def can_see_personal_data(user) -> bool:
    return has_permission(user, PERSONAL_DATA_PERMISSION)


def encrypted_fields(model) -> list[str]:
    return [field.name for field in model._meta.concrete_fields if isinstance(field, EncryptedTextField)]


def masked_value(instance, name: str) -> str:
    return instance._meta.get_field(name).masked(getattr(instance, name) or "")


class Rejected(Exception):
    """Saving failed; entries are (form prefix or formset prefix or None, ErrorDetail)."""

    def __init__(self, entries: list[tuple[str | None, ErrorDetail]]):
        super().__init__("; ".join(detail.message for _prefix, detail in entries))
        self.entries = entries


def _details_of_validation_error(error: ValidationError) -> list[ErrorDetail]:
    if hasattr(error, "error_dict"):
        return [
            ErrorDetail(code=ErrorCode.INVALID_VALUE, message=str(message), field=None if field == "__all__" else field)
            for field, errors in error.message_dict.items()
            for message in errors
        ]
    return [ErrorDetail(code=ErrorCode.INVALID_VALUE, message=str(message)) for message in error.messages]


def rejection_entries(error: Exception, prefix: str | None = None) -> list[tuple[str | None, ErrorDetail]]:
    if isinstance(error, Rejected):
        return error.entries
    if isinstance(error, DomainError):
        return [(prefix, detail) for detail in error.details]
    return [(prefix, detail) for detail in _details_of_validation_error(error)]


class ServiceModelForm(ModelForm):
    """A model form that only checks field formats; the service checks the rules and writes.

    Personal data fields listed in ecerp_masked show their mask; an unchanged
    mask is never sent to the service, so the stored value stays.
    Errors remembered from a rejected save (ecerp_rejected) are attached to the
    fields they name.
    """

    ecerp_masked: frozenset = frozenset()
    ecerp_rejected: tuple = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "code" in self.fields and self.instance.pk is None:
            self.fields["code"].required = False
            self.fields["code"].help_text = _("留空则按编码规则自动生成")
        if self.instance.pk is not None:
            for name in self.ecerp_masked:
                if name in self.fields:
                    self.initial[name] = masked_value(self.instance, name)
                    self.fields[name].help_text = _("已脱敏显示；不修改则保留原值")

    def _post_clean(self):
        # The model's own full_clean is not run: the service checks every rule and answers in
        # Chinese with a code. Only errors remembered from a rejected save are attached here.
        for prefix, detail in self.ecerp_rejected:
            if prefix == self.prefix:
                self.add_error(self.form_field_of(detail.field), detail.message)

    def form_field_of(self, name: str | None) -> str | None:
        """The form field a service error belongs next to: the field it names, or for a foreign key's
        column (e.g. department_id) the foreign key's field (department); None (above the form) otherwise.
        """
        if name in self.fields:
            return name
        if name and name.endswith("_id") and name[:-3] in self.fields:
            return name[:-3]
        return None

    def service_data(self) -> dict:
        """Return field -> value for the service: everything on creation, changed fields on update."""
        model_fields = {field.name for field in self._meta.model._meta.concrete_fields if not field.primary_key}
        names = [name for name in self.cleaned_data if name in model_fields]
        if self.instance.pk is not None:
            names = [name for name in names if name in self.changed_data]
        data = {name: self.cleaned_data[name] for name in names}
        for name in self.ecerp_masked:
            if name in data and self.instance.pk is not None and data[name] == self.initial.get(name):
                data.pop(name)
        return data


class ServiceInlineFormSet(BaseInlineFormSet):
    """Inline rows; errors remembered for the whole set (e.g. a bundle cycle) are shown above the rows."""

    ecerp_rejected: tuple = ()

    def clean(self):
        super().clean()
        messages_ = [detail.message for prefix, detail in self.ecerp_rejected if prefix == self.prefix]
        if messages_:
            raise ValidationError(messages_)


def bind_form(form_class, request, model, *, rejected_only: bool = False):
    """Return form_class with the request's masking rule and remembered errors attached."""
    masked = frozenset() if rejected_only or can_see_personal_data(request.user) else frozenset(
        encrypted_fields(model))

    class Bound(form_class):
        ecerp_masked = masked
        ecerp_rejected = tuple(getattr(request, "_ecerp_rejected", ()))

    Bound.__name__ = form_class.__name__
    return Bound


def absorb(target: models.Model, saved: models.Model) -> None:
    """Copy the saved values (pk, generated code, normalised fields) into the admin's object."""
    for field in saved._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False
    target._state.db = saved._state.db


class PermissionMixin:
    """has_*_permission of admins and inlines go through ecerp.core.permissions.has_permission."""

    def _permission(self, action: str) -> str:
        return f"{self.opts.app_label}.{action}_{self.opts.model_name}"

    def has_view_permission(self, request, obj=None):
        return has_permission(request.user, self._permission("view")) or has_permission(
            request.user, self._permission("change"))

    def has_add_permission(self, request, *args):
        return has_permission(request.user, self._permission("add"))

    def has_change_permission(self, request, obj=None):
        return has_permission(request.user, self._permission("change"))

    def has_delete_permission(self, request, obj=None):
        return has_permission(request.user, self._permission("delete"))

    def has_module_permission(self, request):
        return has_permission(request.user, self._permission("view")) or has_permission(
            request.user, self._permission("change"))


class PersonalDataMixin:
    """Personal data (encrypted fields) shows masked unless the user holds view_personal_data."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in encrypted_fields(self.model):
            setattr(self, f"{name}_masked", self._masked_display(name))

    def _masked_display(self, name: str):
        def display(obj):
            return masked_value(obj, name) or "-"

        display.short_description = self.model._meta.get_field(name).verbose_name
        return display

    def _masks_read_only(self, request, obj) -> bool:
        # Read-only screens render the stored value itself, so they get the masked copy instead;
        # editable forms show the mask as the field's initial value (see ServiceModelForm).
        return bool(encrypted_fields(self.model)) and not can_see_personal_data(request.user) and not (
            self.has_change_permission(request, obj))

    def _swap(self, names):
        hidden = set(encrypted_fields(self.model))
        return [f"{name}_masked" if name in hidden else name for name in names]

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        return self._swap(fields) if self._masks_read_only(request, obj) else fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self._masks_read_only(request, obj) or not self.fieldsets:
            return fieldsets
        return [(title, {**options, "fields": self._swap(options["fields"])}) for title, options in fieldsets]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self._masks_read_only(request, obj):
            readonly += [f"{name}_masked" for name in encrypted_fields(self.model)]
        return readonly


class ServiceInline(PermissionMixin, PersonalDataMixin):
    """An inline whose rows are written by `service(user=, data=, instance=)` and deleted by delete_record."""

    form = ServiceModelForm
    formset = ServiceInlineFormSet
    service = None
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = bind_form(formset.form, request, self.model)
        formset.ecerp_rejected = tuple(getattr(request, "_ecerp_rejected", ()))
        formset.ecerp_inline = self
        return formset

    def save_rows(self, request, formset) -> None:
        """Write every changed row through the service and delete the rows marked for deletion."""
        from ecerp.masterdata.services import delete_record

        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for form in formset.deleted_forms:
            if form.instance.pk is not None:
                try:
                    delete_record(user=request.user, instance=form.instance)
                except DomainError as error:
                    raise Rejected(rejection_entries(error, form.prefix)) from error
                formset.deleted_objects.append(form.instance)
        for form in formset.forms:
            if form in formset.deleted_forms or not form.has_changed():
                continue
            creating = form.instance.pk is None
            data = form.service_data()
            data[formset.fk.name] = formset.instance
            try:
                saved = self.service(user=request.user, data=data, instance=None if creating else form.instance)
            except DomainError as error:
                raise Rejected(rejection_entries(error, form.prefix)) from error
            absorb(form.instance, saved)
            if creating:
                formset.new_objects.append(form.instance)
            else:
                formset.changed_objects.append((form.instance, form.changed_data))


class ServiceTabularInline(ServiceInline, admin.TabularInline):
    pass


class ServiceStackedInline(ServiceInline, admin.StackedInline):
    pass


class AuditHistoryMixin:
    """The object's history page shows ECERP's audit log and state history, not Django's LogEntry."""

    object_history_template = "admin/ecerp/object_history.html"

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise DjangoPermissionDenied
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": _("变更历史：%(object)s") % {"object": obj},
            "subtitle": None,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "object": obj,
            "opts": self.opts,
            "entries": describe_entries(obj),
            "state_rows": describe_states(obj),
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.object_history_template, context)


class RejectionMixin:
    """Turn a save rejected by a service into form errors, with everything rolled back."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST" or hasattr(request, "_ecerp_rejected"):
            return super().changeform_view(request, object_id, form_url, extra_context)
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super().changeform_view(request, object_id, form_url, extra_context)
        except (Rejected, DomainError, ValidationError) as error:
            request._ecerp_rejected = rejection_entries(error)
        # Everything was rolled back; the same POST is validated again and the remembered
        # errors make the form invalid, so the admin renders it with each message in place.
        # This second pass never writes: anything it might do is rolled back as well.
        with transaction.atomic(using=router.db_for_write(self.model)):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            transaction.set_rollback(True, using=router.db_for_write(self.model))
        return response


class ServiceModelAdmin(RejectionMixin, AuditHistoryMixin, PermissionMixin, PersonalDataMixin, admin.ModelAdmin):
    """A master-data admin whose saves and deletes go through `service` and `delete_record`."""

    form = ServiceModelForm
    service = None
    list_per_page = 50
    save_on_top = True

    def get_form(self, request, obj=None, change=False, **kwargs):
        return bind_form(super().get_form(request, obj, change=change, **kwargs), request, self.model)

    # --- writing ----------------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        saved = self.save_with_service(request, obj=obj if change else None, data=form.service_data(), form=form)
        absorb(obj, saved)

    def save_with_service(self, request, *, obj, data: dict, form):
        return self.service(user=request.user, data=data, instance=obj)

    def save_formset(self, request, form, formset, change):
        inline = getattr(formset, "ecerp_inline", None)
        if inline is None:
            raise TypeError(f"{type(formset).__name__} is not an ECERP service inline")
        inline.save_rows(request, formset)

    def delete_model(self, request, obj):
        from ecerp.masterdata.services import delete_record

        delete_record(user=request.user, instance=obj)

    def delete_queryset(self, request, queryset):
        from ecerp.masterdata.services import delete_record

        with transaction.atomic(using=router.db_for_write(self.model)):
            for obj in queryset:
                delete_record(user=request.user, instance=obj)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as error:
            self.message_user(request, "；".join(d.message for d in error.details), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except DomainError as error:
            self.message_user(request, "；".join(d.message for d in error.details), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class ReadOnlyAdmin(PermissionMixin, admin.ModelAdmin):
    """Logs and histories: looked at, never edited from the screen."""

    list_per_page = 100

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
