"""Cross-border import clearance: filings, declarations, tax, customs messages, receipts, exchange."""
