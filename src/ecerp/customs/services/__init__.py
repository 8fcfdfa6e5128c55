"""Services of the customs app (the only code that changes customs state), one module per area."""
