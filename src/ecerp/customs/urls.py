"""Pages of the customs app under /customs/: one URL module per area (filings, declarations)."""

from ecerp.customs.views.declaration_urls import urlpatterns as declaration_urls
from ecerp.customs.views.filing_urls import urlpatterns as filing_urls

app_name = "customs"

urlpatterns = [*declaration_urls, *filing_urls]
