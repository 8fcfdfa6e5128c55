from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomsConfig(AppConfig):
    name = "ecerp.customs"
    label = "customs"
    verbose_name = _("关务")

    def ready(self):
        # handlers of inventory's parcel events (subscribed at start-up, before anything is published)
        from ecerp.customs import handlers  # noqa: F401
