from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MasterdataConfig(AppConfig):
    name = "ecerp.masterdata"
    label = "masterdata"
    verbose_name = _("基础资料")
