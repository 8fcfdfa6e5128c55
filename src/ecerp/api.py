"""The django-ninja API at /api/ (OpenAPI at /api/openapi.json)."""

from ninja import NinjaAPI

api = NinjaAPI(title="ECERP API", version="1.0", urls_namespace="api")
