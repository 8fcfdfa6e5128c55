"""Customs tables: filings."""

__all__: list[str] = []
