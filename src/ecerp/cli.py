"""The `ecerp` console command: Django's management commands with ECERP's settings."""

import os
import sys

# Commands spelt with a hyphen on the console; Django command names are module names (no "-").
ALIASES = {"customs-sim": "customs_sim"}


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

    arguments = list(sys.argv[1:] if argv is None else argv)
    command_at = 1 if arguments[:1] == ["help"] else 0  # `ecerp customs-sim`, `ecerp help customs-sim`
    if len(arguments) > command_at:
        arguments[command_at] = ALIASES.get(arguments[command_at], arguments[command_at])
    execute_from_command_line(["ecerp", *arguments])


if __name__ == "__main__":
    main()
