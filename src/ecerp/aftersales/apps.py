from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftersalesConfig(AppConfig):
    name = "ecerp.aftersales"
    label = "aftersales"
    verbose_name = _("售后")

    def ready(self):
        # the handlers of inventory's parcel events (subscribed at start-up, before anything is published)
        from ecerp.aftersales import handlers  # noqa: F401
