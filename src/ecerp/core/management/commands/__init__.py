"""ecerp serve, createadmin, demo, deliver_events."""
