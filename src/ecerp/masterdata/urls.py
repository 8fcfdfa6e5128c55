from django.urls import path

from ecerp.masterdata import views

app_name = "masterdata"

urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.import_page, name="import"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/commit/", views.import_commit, name="import_commit"),
    path("import/template/<str:kind>.xlsx", views.import_template, name="import_template"),
    path("export/", views.export_page, name="export"),
    path("export/<str:kind>.xlsx", views.export_download, name="export_download"),
]
