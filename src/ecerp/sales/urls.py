from django.urls import path

from ecerp.sales import views

app_name = "sales"

urlpatterns = [
    path("", views.order_list, name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("upload/", views.upload, name="upload"),
    path("upload/template/", views.template_download, name="template"),
    path("quarantine/", views.quarantine_list, name="quarantine"),
    path("quarantine/<int:pk>/", views.quarantine_detail, name="quarantine_record"),
    path("quarantine/<int:pk>/discard/", views.quarantine_discard, name="quarantine_discard"),
    path("mappings/", views.mappings, name="mappings"),
]
