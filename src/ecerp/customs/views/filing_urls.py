"""URL patterns of the customs filing pages (included by ecerp.customs.urls)."""

urlpatterns: list = []
