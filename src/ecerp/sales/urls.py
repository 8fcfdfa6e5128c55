from django.urls import path

from ecerp.sales import views

app_name = "sales"

urlpatterns = [
    path("", views.order_list, name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("orders/<int:pk>/hold/", views.order_hold, name="order_hold"),
    path("orders/<int:pk>/cancel-lines/", views.order_cancel_lines, name="order_cancel_lines"),
    path("orders/<int:pk>/split/", views.order_split, name="order_split"),
    path("orders/<int:pk>/payment-terms/", views.order_payment_terms, name="order_payment_terms"),
    path("orders/batch/", views.order_batch, name="order_batch"),
    path("review-rules/", views.review_rules, name="review_rules"),
    path("upload/", views.upload, name="upload"),
    path("upload/template/", views.template_download, name="template"),
    path("quarantine/", views.quarantine_list, name="quarantine"),
    path("quarantine/<int:pk>/", views.quarantine_detail, name="quarantine_record"),
    path("quarantine/<int:pk>/discard/", views.quarantine_discard, name="quarantine_discard"),
    path("mappings/", views.mappings, name="mappings"),
]
