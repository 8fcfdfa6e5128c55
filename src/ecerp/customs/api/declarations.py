"""Customs API: declarations."""

from ninja import Router

router = Router(tags=["customs"])
