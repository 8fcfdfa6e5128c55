from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(sender, **kwargs):
    """Keep the built-in roles and default coding rules in place after every migrate."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    from ecerp.core.permissions import sync_roles
    from ecerp.core.services import ensure_default_rules

    # Receivers run in app order and core comes first, so make sure every app's
    # permissions exist before the roles are given them (create_permissions is idempotent).
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=kwargs.get("using", "default"))
    ensure_default_rules()
    sync_roles()


class CoreConfig(AppConfig):
    name = "ecerp.core"
    label = "core"
    verbose_name = _("系统")

    def ready(self):
        from ecerp.core import lookups  # noqa: F401  (registers the `__any` lookup)

        # Once, after the last app (masterdata) has migrated, so every permission exists.
        post_migrate.connect(_after_migrate, dispatch_uid="ecerp.core.after_migrate")
