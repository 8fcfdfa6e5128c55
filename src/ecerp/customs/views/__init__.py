"""Server-rendered pages of the customs app, one module per area."""
