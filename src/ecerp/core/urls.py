from django.urls import path

from ecerp.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("system-mode/", views.system_mode, name="system_mode"),
]
