"""Customs tables: reference."""

__all__: list[str] = []
