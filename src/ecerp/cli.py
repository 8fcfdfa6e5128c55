"""The `ecerp` console command: Django's management commands with ECERP's settings."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecerp.settings")
    import django
    from django.core.management import execute_from_command_line

    from ecerp.core.runtime import tune_gc

    try:
        django.setup()
    except Exception:  # a broken configuration is reported by the management command itself
        pass
    else:
        tune_gc()

    execute_from_command_line(["ecerp", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
