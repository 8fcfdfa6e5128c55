"""Order-review configuration, one record at a time: review rules, blacklist entries, allocation rules and
store sales settings as the admin screens save and delete them.

Each function takes `data` (the fields to set; on a change only the changed ones) and the existing
`instance` (None to create), like the master-data services the admin base calls. Rules of the
records themselves stay where they are: a review rule is checked by review.save_review_rule, a
blacklist value is hashed by review.add_to_blacklist, store terms are set by
review.set_store_payment_terms. Every write is audited.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from ecerp.core.audit import record_change, snapshot
from ecerp.core.models import AuditAction
from ecerp.sales.errors import ReviewError, SalesError, SalesInvalid
from ecerp.sales.models import AllocationRule, Blacklist, ReviewRule, StoreSalesSetting
from ecerp.sales.services.review import add_to_blacklist, save_review_rule, set_store_payment_terms
from ecerp.sales.states import PaymentTerms, RuleAction

__all__ = [
    "delete_allocation_rule", "delete_blacklist_entry", "delete_review_rule", "delete_store_sales_setting",
    "save_allocation_rule", "save_blacklist_entry", "save_review_rule_record", "save_store_sales_setting",
]

RULE_FIELDS = ("name", "kind", "parameters", "action", "priority", "active")


def _value(data: dict, instance, name: str, default=None):
    if name in data:
        return data[name]
    return getattr(instance, name) if instance is not None else default


def _delete(*, user, model, instance) -> None:
    with transaction.atomic():
        locked = model.objects.select_for_update().filter(pk=instance.pk).first()
        if locked is None:
            return
        before = snapshot(locked)
        record_change(user=user, action=AuditAction.DELETE, instance=locked, before=before)
        locked.delete()


# --- review rules --------------------------------------------------------------------------------------

def save_review_rule_record(*, user, data: dict, instance: ReviewRule | None = None) -> ReviewRule:
    """Create or change a review rule from the given fields (the others kept); see save_review_rule.

    Raises INVALID_RULE for a blank name, an unknown kind or action, or bad parameters. Audited.
    """
    values = {name: _value(data, instance, name) for name in RULE_FIELDS}
    return save_review_rule(user=user, rule=instance, name=values["name"] or "", kind=values["kind"] or "",
                            parameters=values["parameters"] or {}, action=values["action"] or RuleAction.HOLD,
                            priority=values["priority"] if values["priority"] is not None else 100,
                            active=True if values["active"] is None else values["active"])


def delete_review_rule(*, user, rule: ReviewRule) -> None:
    """Delete a review rule (audited). Holds it opened keep their reason; their link to the rule is cleared."""
    _delete(user=user, model=ReviewRule, instance=rule)


# --- blacklist -----------------------------------------------------------------------------------------

def save_blacklist_entry(*, user, data: dict, instance: Blacklist | None = None) -> Blacklist:
    """Blacklist a nick or phone (data: kind, value, reason), or change an entry's reason.

    The value of an entry cannot change (only its keyed hash is kept): remove it and add the new
    one. Raises INVALID_BLACKLIST for a missing kind or value. Audited.
    """
    if instance is None:
        return add_to_blacklist(user=user, kind=data.get("kind") or "", value=data.get("value") or "",
                                reason=data.get("reason") or "")
    with transaction.atomic():
        entry = Blacklist.objects.select_for_update().get(pk=instance.pk)
        if "kind" in data and data["kind"] != entry.kind:
            raise SalesInvalid(ReviewError.INVALID_BLACKLIST, _("黑名单的类型和值不能修改，请移除后重新添加"),
                               field="kind")
        before = snapshot(entry)
        entry.reason = (data.get("reason", entry.reason) or "")[:200]
        entry.save(update_fields=["reason"])
        record_change(user=user, action=AuditAction.UPDATE, instance=entry, before=before, after=snapshot(entry))
    return entry


def delete_blacklist_entry(*, user, entry: Blacklist) -> None:
    """Remove a blacklist entry (audited); removing one already gone is a no-op."""
    _delete(user=user, model=Blacklist, instance=entry)


# --- allocation rules ----------------------------------------------------------------------------------

def save_allocation_rule(*, user, data: dict, instance: AllocationRule | None = None) -> AllocationRule:
    """Create or change one allocation rule: a store tries a warehouse at a priority (smaller first).

    Raises MISSING_FIELD without a store, NO_WAREHOUSE for a missing or inactive warehouse,
    INVALID_RULE when the store already has a rule for that warehouse. Audited.
    """
    store = _value(data, instance, "store")
    warehouse = _value(data, instance, "warehouse")
    priority = _value(data, instance, "priority", 100)
    if store is None:
        raise SalesInvalid(SalesError.MISSING_FIELD, _("「店铺」不能为空"), field="store")
    if warehouse is None or not warehouse.active:
        raise SalesInvalid(ReviewError.NO_WAREHOUSE, _("仓库「%(codes)s」不存在或已停用"), field="warehouse",
                           codes=warehouse.code if warehouse is not None else "")
    with transaction.atomic():
        taken = AllocationRule.objects.select_for_update().filter(store=store, warehouse=warehouse)
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if taken.exists():
            raise SalesInvalid(ReviewError.INVALID_RULE, _("店铺「%(store)s」已有仓库「%(warehouse)s」的分仓规则"),
                               field="warehouse", store=store.name, warehouse=warehouse.name)
        rule = AllocationRule.objects.select_for_update().get(pk=instance.pk) if instance is not None else None
        before = snapshot(rule) if rule is not None else None
        rule = rule or AllocationRule()
        rule.store, rule.warehouse, rule.priority = store, warehouse, int(priority if priority is not None else 100)
        rule.save()
        record_change(user=user, action=AuditAction.UPDATE if before else AuditAction.CREATE, instance=rule,
                      before=before, after=snapshot(rule), note=_("分仓规则"))
    return rule


def delete_allocation_rule(*, user, rule: AllocationRule) -> None:
    """Delete one allocation rule (audited); the store's other warehouses keep their order."""
    _delete(user=user, model=AllocationRule, instance=rule)


# --- store sales settings ------------------------------------------------------------------------------

def save_store_sales_setting(*, user, data: dict, instance: StoreSalesSetting | None = None) -> StoreSalesSetting:
    """Create or change a store's sales setting (its default payment terms); see set_store_payment_terms.

    Raises MISSING_FIELD without a store, INVALID_RULE when creating a second setting for a store,
    moving a setting to another store, or for unknown terms. Audited.
    """
    store = _value(data, instance, "store")
    if store is None:
        raise SalesInvalid(SalesError.MISSING_FIELD, _("「店铺」不能为空"), field="store")
    if instance is not None and store.pk != instance.store_id:
        raise SalesInvalid(ReviewError.INVALID_RULE, _("销售设置不能改到另一个店铺"), field="store")
    if instance is None and StoreSalesSetting.objects.filter(store=store).exists():
        raise SalesInvalid(ReviewError.INVALID_RULE, _("店铺「%(store)s」已有销售设置，请修改它"), field="store",
                           store=store.name)
    terms = _value(data, instance, "payment_terms", PaymentTerms.PREPAID) or ""
    return set_store_payment_terms(user=user, store=store, payment_terms=terms)


def delete_store_sales_setting(*, user, setting: StoreSalesSetting) -> None:
    """Delete a store's sales setting (audited): its orders fall back to prepaid (款到发货)."""
    _delete(user=user, model=StoreSalesSetting, instance=setting)
