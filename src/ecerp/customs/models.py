"""Tables of the customs app (filled in by the domain work of issue 4)."""
