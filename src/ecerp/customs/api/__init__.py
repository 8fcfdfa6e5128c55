"""Customs API under /api/customs/: one router module per area (filings, declarations), thin over services."""

from ninja import Router

from ecerp.customs.api.declarations import router as declarations_router
from ecerp.customs.api.filings import router as filings_router

router = Router(tags=["customs"])
router.add_router("", filings_router)
router.add_router("", declarations_router)
