"""URL map: pages (core, masterdata), the admin screens, and the API under /api/."""

from django.contrib import admin
from django.urls import include, path

from ecerp.api import api

urlpatterns = [
    path("", include("ecerp.core.urls")),
    path("masterdata/", include("ecerp.masterdata.urls")),
    path("inventory/", include("ecerp.inventory.urls")),
    path("sales/", include("ecerp.sales.urls")),
    path("aftersales/", include("ecerp.aftersales.urls")),
    path("customs/", include("ecerp.customs.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
