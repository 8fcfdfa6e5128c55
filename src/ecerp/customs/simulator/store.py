"""The simulator's own records, in a SQLite file under var/customs-sim/ (never ECERP's tables).

The simulated single window is another organisation: it keeps the documents it received, the
buyers' annual quota as customs counts it, its number sequences (preNo, invtNo, taxNo) and the
receipts it still has to send (each with the time it becomes due), in its own file. Every change
is committed at once, so a restarted simulator carries on where it stopped.
"""

from __future__ import annotations

import datetime
import json
import sqlite3
from decimal import Decimal
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (sha256 TEXT PRIMARY KEY, received_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    kind TEXT NOT NULL, doc_key TEXT NOT NULL, guid TEXT NOT NULL, status TEXT NOT NULL,
    data TEXT NOT NULL, meta TEXT NOT NULL, sender TEXT NOT NULL, received_at TEXT NOT NULL,
    PRIMARY KEY (kind, doc_key));
CREATE TABLE IF NOT EXISTS quota (buyer TEXT NOT NULL, year INTEGER NOT NULL, used TEXT NOT NULL,
    PRIMARY KEY (buyer, year));
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, due_at TEXT NOT NULL, message_type TEXT NOT NULL,
    receipt TEXT NOT NULL, receiver TEXT NOT NULL, list_key TEXT NOT NULL DEFAULT '',
    effect TEXT NOT NULL DEFAULT '', sent INTEGER NOT NULL DEFAULT 0, error TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (sent, due_at, id);
"""


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def default_path() -> Path:
    """Return var/customs-sim/simulator.sqlite3 (the folder is created)."""
    from ecerp.paths import var_file

    folder = var_file("customs-sim")
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "simulator.sqlite3"


class SimulatorStore:
    """Documents, quota, counters and scheduled receipts of the simulated single window."""

    def __init__(self, path: Path | str = ":memory:"):
        self.path = str(path)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.executescript(SCHEMA)
        columns = {row["name"] for row in self.db.execute("PRAGMA table_info(outbox)")}
        if "error" not in columns:  # a store written by the first version
            self.db.execute("ALTER TABLE outbox ADD COLUMN error TEXT NOT NULL DEFAULT ''")

    def close(self) -> None:
        self.db.close()

    # -- incoming messages --------------------------------------------------------------------------
    def seen(self, digest: str) -> bool:
        """True when a message with this SHA-256 was handled already."""
        return self.db.execute("SELECT 1 FROM seen WHERE sha256 = ?", (digest,)).fetchone() is not None

    def remember(self, digest: str, at: datetime.datetime) -> None:
        self.db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (digest, _stamp(at)))

    # -- documents ------------------------------------------------------------------------------------
    def get(self, kind: str, key: str) -> dict | None:
        """Return {"guid", "status", "data", "meta", "sender", "key"} of one document, or None."""
        row = self.db.execute("SELECT * FROM documents WHERE kind = ? AND doc_key = ?", (kind, key)).fetchone()
        return self._document(row) if row else None

    def put(self, kind: str, key: str, *, guid: str, status: str, data: dict, meta: dict | None = None,
            sender: str = "", at: datetime.datetime) -> None:
        """Insert or replace one document."""
        self.db.execute("INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (kind, key, guid, status, _dumps(data), _dumps(meta or {}), sender, _stamp(at)))

    def update(self, kind: str, key: str, *, status: str | None = None, **meta) -> None:
        """Change a document's status and/or merge keys into its meta."""
        document = self.get(kind, key)
        if document is None:
            return
        merged = {**document["meta"], **meta}
        self.db.execute("UPDATE documents SET status = ?, meta = ? WHERE kind = ? AND doc_key = ?",
                        (status or document["status"], _dumps(merged), kind, key))

    def find(self, kind: str, status: str | None = None, **meta) -> list[dict]:
        """Return the documents of a kind (and status) whose meta holds all the given values, in key order."""
        if status is None:
            rows = self.db.execute("SELECT * FROM documents WHERE kind = ? ORDER BY doc_key", (kind,)).fetchall()
        else:
            rows = self.db.execute("SELECT * FROM documents WHERE kind = ? AND status = ? ORDER BY doc_key",
                                   (kind, status)).fetchall()
        documents = [self._document(row) for row in rows]
        return [item for item in documents if all(item["meta"].get(name) == value for name, value in meta.items())]

    @staticmethod
    def _document(row) -> dict:
        return {"key": row["doc_key"], "guid": row["guid"], "status": row["status"], "data": json.loads(row["data"]),
                "meta": json.loads(row["meta"]), "sender": row["sender"]}

    # -- quota ----------------------------------------------------------------------------------------
    def quota_used(self, buyer: str, year: int) -> Decimal:
        row = self.db.execute("SELECT used FROM quota WHERE buyer = ? AND year = ?", (buyer, year)).fetchone()
        return Decimal(row["used"]) if row else Decimal("0")

    def set_quota_used(self, buyer: str, year: int, used: Decimal) -> None:
        """Set a buyer's used annual amount (what customs counted from other platforms, for demos and tests)."""
        self.db.execute("INSERT OR REPLACE INTO quota VALUES (?, ?, ?)", (buyer, year, str(used)))

    def add_quota(self, buyer: str, year: int, amount: Decimal) -> Decimal:
        """Add amount (negative to restore) to a buyer's used quota; return the new total (never below 0)."""
        used = max(self.quota_used(buyer, year) + amount, Decimal("0"))
        self.set_quota_used(buyer, year, used)
        return used

    # -- numbers --------------------------------------------------------------------------------------
    def next_number(self, name: str) -> int:
        """Return the next value of a named sequence (1, 2, ...)."""
        self.db.execute("INSERT INTO counters VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1",
                        (name,))
        return self.db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()["value"]

    # -- receipts to send -----------------------------------------------------------------------------
    def schedule(self, *, due_at: datetime.datetime, message_type: str, receipt: dict, receiver: str,
                 list_key: str = "", effect: str = "") -> None:
        """Queue one receipt to send once due_at has passed; effect is applied to the list when it goes out."""
        self.db.execute(
            "INSERT INTO outbox (due_at, message_type, receipt, receiver, list_key, effect) VALUES (?, ?, ?, ?, ?, ?)",
            (_stamp(due_at), message_type, _dumps(receipt), receiver, list_key, effect))

    def due(self, now: datetime.datetime, limit: int = 1000) -> list[dict]:
        """Return the unsent receipts due at now, oldest first."""
        rows = self.db.execute("SELECT * FROM outbox WHERE sent = 0 AND due_at <= ? ORDER BY due_at, id LIMIT ?",
                               (_stamp(now), limit)).fetchall()
        return [{"id": row["id"], "message_type": row["message_type"], "receipt": json.loads(row["receipt"]),
                 "receiver": row["receiver"], "list_key": row["list_key"], "effect": row["effect"]} for row in rows]

    def last_due(self, list_key: str) -> str | None:
        """Return the latest due time queued for a list (unsent), as stored, or None."""
        row = self.db.execute("SELECT MAX(due_at) AS due FROM outbox WHERE sent = 0 AND list_key = ?",
                              (list_key,)).fetchone()
        return row["due"] if row else None

    def mark_sent(self, outbox_id: int, *, error: str = "") -> None:
        """Mark a queued receipt done: sent, or (with error) dropped because it could not be built."""
        self.db.execute("UPDATE outbox SET sent = ?, error = ? WHERE id = ?", (2 if error else 1, error, outbox_id))

    def drop_scheduled(self, list_key: str) -> int:
        """Forget the unsent receipts of a list (it was cancelled); return how many."""
        return self.db.execute("DELETE FROM outbox WHERE sent = 0 AND list_key = ?", (list_key,)).rowcount

    def waiting(self) -> int:
        """Return how many receipts are queued and unsent."""
        return self.db.execute("SELECT COUNT(*) AS n FROM outbox WHERE sent = 0").fetchone()["n"]


__all__ = ["SimulatorStore", "default_path"]
