"""Customs API: filings."""

from ninja import Router

router = Router(tags=["customs"])
