from django.urls import path

from ecerp.aftersales import views

app_name = "aftersales"

urlpatterns = [
    path("", views.case_list, name="cases"),
    path("new/", views.case_create, name="create"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/approve/", views.case_approve, name="approve"),
    path("cases/<int:pk>/reject/", views.case_reject, name="reject"),
    path("cases/<int:pk>/refund/", views.case_refund, name="refund"),
    path("cases/<int:pk>/cancel/", views.case_cancel, name="cancel"),
    path("cases/<int:pk>/intercept/", views.case_intercept, name="intercept"),
    path("cases/<int:pk>/reship/", views.case_reship, name="reship"),
    path("cases/<int:pk>/receive/", views.case_receive, name="receive"),
    path("cases/<int:pk>/intercept-return/", views.case_intercept_return, name="intercept_return"),
]
