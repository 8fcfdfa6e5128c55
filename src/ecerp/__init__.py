"""ECERP: the e-commerce ERP for Chinese online sellers."""

__version__ = "0.1.0"
