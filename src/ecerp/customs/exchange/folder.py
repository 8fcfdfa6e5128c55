"""Folder exchange: the enterprise and customs meet in a directory tree, like the customs client software.

Layout under the root (settings.ECERP_CUSTOMS_EXCHANGE_DIR, default var/customs-exchange/):

    outbox/     enterprise -> customs: ECERP writes here, the customs side reads
    inbox/      customs -> enterprise: the customs side writes here, ECERP reads
    sent/       outbox files the customs side has taken (acknowledged)
    processed/  inbox files ECERP has handled (acknowledged)
    failed/     files set aside by reject(reason), each with a <name>.error.txt note

Writes are atomic: a payload is written to a hidden temporary name in the target folder, flushed
to disk, then renamed, so a reader never sees half a file. Stored names start with a sortable
stamp (nanoseconds and a per-process counter) so receivers see files oldest first; Incoming.name
is the name the sender gave. One receiver per side (the exchange job, the simulator): a second
receiver on the same folder would see the same files until they are acknowledged.
"""

from __future__ import annotations

import itertools
import os
import re
import time
from pathlib import Path

from ecerp.customs.exchange import ENTERPRISE, ROLES, Incoming

FOLDERS = ("outbox", "inbox", "sent", "processed", "failed")
_STAMP = re.compile(r"^\d{20}\.\d{6}\.")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_counter = itertools.count()


def default_root() -> Path:
    """Return the exchange root from settings (ECERP_CUSTOMS_EXCHANGE_DIR) or var/customs-exchange."""
    from django.conf import settings

    from ecerp.paths import var_file

    configured = getattr(settings, "ECERP_CUSTOMS_EXCHANGE_DIR", None)
    return Path(configured) if configured else var_file("customs-exchange")


def write_atomically(folder: Path, name: str, payload: bytes) -> Path:
    """Write payload to folder/name through a temporary file and a rename; return the final path."""
    final = folder / name
    temporary = folder / f".{name}.tmp"
    with open(temporary, "wb") as handle:
        handle.write(payload)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, final)
    return final


def original_name(stored: str) -> str:
    """Return the sender's name of a stored file (without the ordering stamp)."""
    return _STAMP.sub("", stored, count=1)


class FolderTransport:
    """Transport over the folder tree at root, seen from role ("enterprise" or "customs")."""

    kind = "folder"

    def __init__(self, root: Path | str, *, role: str = ENTERPRISE):
        if role not in ROLES:
            raise ValueError(f"unknown exchange role {role!r}")
        self.root = Path(root)
        self.role = role
        for folder in FOLDERS:
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        if role == ENTERPRISE:
            self.write_dir, self.read_dir, self.done_dir = (self.root / "outbox", self.root / "inbox",
                                                            self.root / "processed")
        else:
            self.write_dir, self.read_dir, self.done_dir = (self.root / "inbox", self.root / "outbox",
                                                            self.root / "sent")
        self.failed_dir = self.root / "failed"

    def send(self, name: str, payload: bytes) -> None:
        """Write payload into the other side's folder atomically."""
        safe = _SAFE_NAME.sub("_", name).strip("._") or "message.xml"
        stored = f"{time.time_ns():020d}.{next(_counter) % 1_000_000:06d}.{safe}"
        write_atomically(self.write_dir, stored, payload)

    def receive(self, limit: int = 100) -> list[Incoming]:
        """Return up to limit files waiting in this side's folder, oldest first."""
        names = sorted(entry.name for entry in os.scandir(self.read_dir)
                       if entry.is_file() and not entry.name.startswith("."))
        received = []
        for stored in names[:limit]:
            path = self.read_dir / stored
            try:
                payload = path.read_bytes()
            except FileNotFoundError:  # taken meanwhile by another receiver
                continue
            received.append(Incoming(name=original_name(stored), payload=payload,
                                     ack=self._mover(path, self.done_dir), reject=self._rejecter(path)))
        return received

    def close(self) -> None:
        """Nothing to release."""

    def pending(self) -> int:
        """Return how many files wait in this side's read folder (for status pages and tests)."""
        return sum(1 for entry in os.scandir(self.read_dir) if entry.is_file() and not entry.name.startswith("."))

    @staticmethod
    def _mover(path: Path, target: Path):
        def ack() -> None:
            try:
                os.replace(path, target / path.name)
            except FileNotFoundError:  # acknowledged twice: the first one moved it
                pass
        return ack

    def _rejecter(self, path: Path):
        def reject(reason: str = "") -> None:
            write_atomically(self.failed_dir, f"{path.name}.error.txt", (reason or "rejected").encode("utf-8"))
            try:
                os.replace(path, self.failed_dir / path.name)
            except FileNotFoundError:
                pass
        return reject

    def __repr__(self) -> str:
        return f"FolderTransport({str(self.root)!r}, role={self.role!r})"


__all__ = ["FOLDERS", "FolderTransport", "default_root", "original_name", "write_atomically"]
