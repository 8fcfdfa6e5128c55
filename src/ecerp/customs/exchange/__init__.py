"""Message exchange with the customs single window: the transport interface and how to get one.

A transport carries opaque payloads (DxpMsg envelopes holding signed CEB messages) between the
enterprise and customs. Two roles use it: the enterprise (ECERP's exchange job) sends to customs and
receives receipts; the customs side (the simulator, or a real customs client in between) receives
what the enterprise sent and answers. Delivery is at least once: a payload stays in the transport
until its receiver calls `Incoming.ack()` after handling it, so a crash in between redelivers it and
receivers must be idempotent (ECERP dedupes receipts by their SHA-256).

Two implementations: the folder exchange (default; the way the customs client software works,
`ecerp.customs.exchange.folder`) and AMQP through RabbitMQ (`ecerp.customs.exchange.amqp`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

ENTERPRISE = "enterprise"
CUSTOMS = "customs"
ROLES = (ENTERPRISE, CUSTOMS)


def _no_op(_reason: str = "") -> None:
    return None


@dataclass(frozen=True)
class Incoming:
    """One received payload; call ack() once it is handled, reject(reason) to set it aside as failed."""

    name: str
    payload: bytes
    ack: Callable[[], None] = field(repr=False, compare=False)
    reject: Callable[[str], None] = field(default=_no_op, repr=False, compare=False)


@runtime_checkable
class Transport(Protocol):
    """What the exchange job and the simulator need from a transport."""

    kind: str
    role: str

    def send(self, name: str, payload: bytes) -> None:
        """Hand payload to the other side durably (returns once it is safely stored or confirmed)."""

    def receive(self, limit: int = 100) -> list[Incoming]:
        """Return up to limit payloads waiting for this side, oldest first, without removing them."""

    def close(self) -> None:
        """Release connections (a no-op for the folder exchange)."""


def get_transport(role: str = ENTERPRISE, *, kind: str | None = None, **options) -> Transport:
    """Return the configured transport for role ("enterprise" or "customs").

    kind defaults to settings.ECERP_CUSTOMS_TRANSPORT ("folder" unless set; "amqp" uses
    settings.ECERP_CUSTOMS_AMQP_URL). options override the settings (root= for the folder,
    url=/to_customs=/from_customs= for AMQP). Raises ValueError for an unknown role or kind
    (a configuration error, not a business failure).
    """
    from django.conf import settings

    if role not in ROLES:
        raise ValueError(f"unknown exchange role {role!r} (expected one of {ROLES})")
    kind = kind or getattr(settings, "ECERP_CUSTOMS_TRANSPORT", "") or "folder"
    if kind == "folder":
        from ecerp.customs.exchange.folder import FolderTransport, default_root

        return FolderTransport(options.pop("root", None) or default_root(), role=role, **options)
    if kind == "amqp":
        from ecerp.customs.exchange.amqp import AmqpTransport

        return AmqpTransport(role=role, **options)
    raise ValueError(f"unknown customs transport {kind!r} (expected 'folder' or 'amqp')")


__all__ = ["CUSTOMS", "ENTERPRISE", "ROLES", "Incoming", "Transport", "get_transport"]
