"""URL patterns of the customs declaration pages (included by ecerp.customs.urls)."""

urlpatterns: list = []
