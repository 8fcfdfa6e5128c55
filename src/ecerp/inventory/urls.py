from django.urls import path

from ecerp.inventory import shipment_views, views

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
    # fulfilment
    path("shipments/", shipment_views.shipment_list, name="shipments"),
    path("shipments/ship/", shipment_views.shipment_batch_ship, name="shipment_batch_ship"),
    path("shipments/pack/", shipment_views.shipment_batch_pack, name="shipment_batch_pack"),
    path("shipments/labels/", shipment_views.labels_batch, name="shipment_labels"),
    path("shipments/<int:pk>/", shipment_views.shipment_detail, name="shipment"),
    path("shipments/<int:pk>/scan/", shipment_views.shipment_scan, name="shipment_scan"),
    path("shipments/<int:pk>/label.pdf", shipment_views.shipment_label, name="shipment_label"),
    path("shipments/<int:pk>/slip.pdf", shipment_views.shipment_slip, name="shipment_slip"),
    path("shipments/<int:pk>/<str:action>/", shipment_views.shipment_action, name="shipment_action"),
    path("waves/", shipment_views.wave_list, name="waves"),
    path("waves/new/", shipment_views.wave_create, name="wave_create"),
    path("waves/<int:pk>/", shipment_views.wave_detail, name="wave"),
    path("waves/<int:pk>/pick-list.pdf", shipment_views.wave_pdf, name="wave_pdf"),
    path("available/", shipment_views.available, name="available"),
    path("available/policy/", shipment_views.available_policy, name="available_policy"),
]
