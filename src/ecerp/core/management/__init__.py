"""Management commands of the shared kernel (run them as `ecerp <command>`)."""
