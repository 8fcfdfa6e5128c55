"""Where ECERP keeps its local state (the embedded database, generated keys)."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("ECERP_VAR_DIR", PROJECT_DIR / "var")).resolve()


def var_file(name: str) -> Path:
    """Return a path inside var/, creating the folder on first use."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return VAR_DIR / name


def read_or_create_secret(name: str, factory) -> str:
    """Return the secret kept in var/<name>, generating it with factory() the first time."""
    path = var_file(name)
    if path.exists():
        return path.read_text().strip()
    value = factory()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value
