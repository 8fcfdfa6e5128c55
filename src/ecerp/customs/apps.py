from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomsConfig(AppConfig):
    name = "ecerp.customs"
    label = "customs"
    verbose_name = _("关务")

    def ready(self):
        from django.db.models.signals import post_migrate

        # handlers of inventory's parcel events (subscribed at start-up, before anything is published)
        from ecerp.customs import handlers  # noqa: F401

        # the shipped reference rows (units, countries, positive list, dated rates and limits) come with
        # migration 0002; a flush (the test suite's transactional tests) empties them, and Django emits
        # post_migrate after a flush as after a migrate, so they are put back the way content types are
        post_migrate.connect(_ensure_reference_data, sender=self, dispatch_uid="customs_reference_data")


def _ensure_reference_data(*, using="default", **_kwargs):
    from django.db import connections

    from ecerp.customs.services.reference import ensure_reference_data

    if "customs_referencecode" in connections[using].introspection.table_names():
        ensure_reference_data()
