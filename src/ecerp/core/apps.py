from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(sender, **kwargs):
    """Keep the built-in roles and default coding rules in place after every migrate."""
    from ecerp.core.permissions import sync_roles
    from ecerp.core.services import ensure_default_rules

    ensure_default_rules()
    sync_roles()


class CoreConfig(AppConfig):
    name = "ecerp.core"
    label = "core"
    verbose_name = _("系统")

    def ready(self):
        # Once, after the last app (masterdata) has migrated, so every permission exists.
        post_migrate.connect(_after_migrate, dispatch_uid="ecerp.core.after_migrate")
