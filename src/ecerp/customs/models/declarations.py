"""Customs tables: declarations."""

__all__: list[str] = []
