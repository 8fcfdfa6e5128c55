"""URL patterns of the customs declaration pages (included by ecerp.customs.urls): the console, a
declaration's detail and actions, and the message log."""

from django.urls import path

from ecerp.customs.views import declarations as views
from ecerp.customs.views import messages as message_views

urlpatterns = [
    path("", views.console_page, name="console"),
    path("declarations/batch/", views.declaration_batch, name="declaration_batch"),
    path("declarations/<int:pk>/", views.declaration_detail, name="declaration"),
    path("declarations/<int:pk>/correct/", views.declaration_correct, name="declaration_correct"),
    path("declarations/<int:pk>/recheck/", views.declaration_recheck, name="declaration_recheck"),
    path("declarations/<int:pk>/override/", views.declaration_override, name="declaration_override"),
    path("declarations/<int:pk>/submit/", views.declaration_submit, name="declaration_submit"),
    path("declarations/<int:pk>/cancel/", views.declaration_cancel, name="declaration_cancel"),
    path("declarations/<int:pk>/return/", views.declaration_return, name="declaration_return"),
    path("messages/", message_views.message_list, name="messages"),
    path("messages/<int:pk>/", message_views.message_detail, name="message"),
]
