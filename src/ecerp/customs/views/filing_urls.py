"""URL patterns of the customs filing pages (included by ecerp.customs.urls)."""

from django.urls import path

from ecerp.customs.views import filings as views

urlpatterns = [
    path("filings/", views.filing_list, name="filings"),
    path("filings/new/", views.filing_create, name="filing_create"),
    path("filings/import/", views.filing_import, name="filing_import"),
    path("filings/<int:pk>/", views.filing_detail, name="filing"),
    path("filings/<int:pk>/submit/", views.filing_submit, name="filing_submit"),
    path("filings/<int:pk>/approve/", views.filing_approve, name="filing_approve"),
    path("filings/<int:pk>/reject/", views.filing_reject, name="filing_reject"),
    path("filings/<int:pk>/reopen/", views.filing_reopen, name="filing_reopen"),
    path("channels/", views.channel_list, name="channels"),
    path("channels/<int:store_id>/", views.channel_edit, name="channel"),
    path("reference/", views.reference_data, name="reference"),
    path("settings/", views.customs_settings, name="settings"),
]
