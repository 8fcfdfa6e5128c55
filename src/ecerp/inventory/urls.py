from django.urls import path

from ecerp.inventory import views

app_name = "inventory"

urlpatterns = [
    path("", views.stock, name="stock"),
    path("moves/", views.moves, name="moves"),
    path("report/", views.report, name="report"),
    path("documents/", views.document_list, name="documents"),
    path("documents/new/", views.document_create, name="document_create"),
    path("documents/<int:pk>/", views.document_detail, name="document"),
    path("documents/<int:pk>/lines/", views.document_add_line, name="document_add_line"),
    path("documents/<int:pk>/<str:action>/", views.document_action, name="document_action"),
    path("transfers/", views.transfer_list, name="transfers"),
    path("transfers/new/", views.transfer_create, name="transfer_create"),
    path("transfers/<int:pk>/", views.transfer_detail, name="transfer"),
    path("transfers/<int:pk>/lines/", views.transfer_add_line, name="transfer_add_line"),
    path("transfers/<int:pk>/<str:action>/", views.transfer_action, name="transfer_action"),
    path("stocktakes/", views.stocktake_list, name="stocktakes"),
    path("stocktakes/new/", views.stocktake_create, name="stocktake_create"),
    path("stocktakes/<int:pk>/", views.stocktake_detail, name="stocktake"),
    path("stocktakes/<int:pk>/lines/", views.stocktake_add_line, name="stocktake_add_line"),
    path("stocktakes/<int:pk>/counts/", views.stocktake_counts, name="stocktake_counts"),
    path("stocktakes/<int:pk>/approve/", views.stocktake_approve, name="stocktake_approve"),
    path("stocktakes/<int:pk>/<str:action>/", views.stocktake_action, name="stocktake_action"),
]
