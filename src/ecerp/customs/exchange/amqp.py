"""AMQP exchange through RabbitMQ (pika): two durable queues, persistent messages, publisher confirms.

The enterprise publishes to the to-customs queue and consumes the from-customs queue; the customs
side does the opposite. Queue names come from settings ECERP_CUSTOMS_AMQP_TO_CUSTOMS and
ECERP_CUSTOMS_AMQP_FROM_CUSTOMS, the broker from ECERP_CUSTOMS_AMQP_URL (default the local
RabbitMQ, amqp://guest:guest@127.0.0.1:5672/%2F). send() returns only after the broker confirmed
the message (publisher confirms), so a payload handed over is on disk at the broker. receive()
takes messages without acknowledging them; Incoming.ack() acknowledges after handling. A message
taken but not acknowledged returns to its queue when the connection closes (crash = redelivery).
reject(reason) moves a message to "<queue>.failed" with the reason in a header.
"""

from __future__ import annotations

import pika
from pika.exceptions import AMQPError

from ecerp.customs.exchange import ENTERPRISE, ROLES, Incoming

DEFAULT_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
DEFAULT_TO_CUSTOMS = "ecerp.customs.to-customs"
DEFAULT_FROM_CUSTOMS = "ecerp.customs.from-customs"


def amqp_settings() -> dict:
    """Return url, to_customs and from_customs from the Django settings (with defaults)."""
    from django.conf import settings

    return {
        "url": getattr(settings, "ECERP_CUSTOMS_AMQP_URL", "") or DEFAULT_URL,
        "to_customs": getattr(settings, "ECERP_CUSTOMS_AMQP_TO_CUSTOMS", "") or DEFAULT_TO_CUSTOMS,
        "from_customs": getattr(settings, "ECERP_CUSTOMS_AMQP_FROM_CUSTOMS", "") or DEFAULT_FROM_CUSTOMS,
    }


class AmqpTransport:
    """Transport over two durable RabbitMQ queues, seen from role ("enterprise" or "customs")."""

    kind = "amqp"

    def __init__(self, *, role: str = ENTERPRISE, url: str | None = None, to_customs: str | None = None,
                 from_customs: str | None = None, connect_timeout: float = 5.0):
        if role not in ROLES:
            raise ValueError(f"unknown exchange role {role!r}")
        configured = amqp_settings()
        self.url = url or configured["url"]
        self.to_customs = to_customs or configured["to_customs"]
        self.from_customs = from_customs or configured["from_customs"]
        self.role = role
        self.write_queue, self.read_queue = ((self.to_customs, self.from_customs) if role == ENTERPRISE
                                             else (self.from_customs, self.to_customs))
        self.connect_timeout = connect_timeout
        self._connection = None
        self._channel = None
        self._generation = 0

    def _open(self):
        if self._channel is not None and self._channel.is_open:
            return self._channel
        self.close()
        parameters = pika.URLParameters(self.url)
        parameters.socket_timeout = self.connect_timeout
        parameters.blocked_connection_timeout = max(self.connect_timeout, 30.0)
        self._connection = pika.BlockingConnection(parameters)
        channel = self._connection.channel()
        for queue in (self.to_customs, self.from_customs, f"{self.to_customs}.failed",
                      f"{self.from_customs}.failed"):
            channel.queue_declare(queue=queue, durable=True)
        channel.confirm_delivery()
        self._channel = channel
        self._generation += 1
        return channel

    def _publish(self, queue: str, name: str, payload: bytes, headers: dict | None = None) -> None:
        properties = pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent, content_type="application/xml",
                                          message_id=name, headers={"name": name, **(headers or {})})
        # With confirms on, basic_publish raises NackError/UnroutableError unless the broker took the message.
        self._open().basic_publish(exchange="", routing_key=queue, body=payload, properties=properties,
                                   mandatory=True)

    def send(self, name: str, payload: bytes) -> None:
        """Publish payload persistently to the other side's queue and wait for the broker's confirm."""
        try:
            self._publish(self.write_queue, name, payload)
        except AMQPError:
            self.close()  # one reconnect: a broker restart or an idle timeout closes the connection
            self._publish(self.write_queue, name, payload)

    def receive(self, limit: int = 100) -> list[Incoming]:
        """Take up to limit messages from this side's queue (unacknowledged until Incoming.ack())."""
        channel = self._open()
        received = []
        for _ in range(limit):
            method, properties, body = channel.basic_get(queue=self.read_queue, auto_ack=False)
            if method is None:
                break
            headers = (properties.headers or {}) if properties else {}
            name = str(headers.get("name") or (properties.message_id if properties else "") or method.delivery_tag)
            received.append(Incoming(name=name, payload=bytes(body), ack=self._acker(method.delivery_tag),
                                     reject=self._rejecter(method.delivery_tag, name, bytes(body))))
        return received

    def _acker(self, delivery_tag: int):
        generation = self._generation

        def ack() -> None:
            # A tag belongs to its channel; after a reconnect the broker has requeued the message already.
            if generation == self._generation and self._channel is not None and self._channel.is_open:
                self._channel.basic_ack(delivery_tag=delivery_tag)
        return ack

    def _rejecter(self, delivery_tag: int, name: str, payload: bytes):
        ack = self._acker(delivery_tag)

        def reject(reason: str = "") -> None:
            self._publish(f"{self.read_queue}.failed", name, payload, {"error": (reason or "rejected")[:1000]})
            ack()
        return reject

    def pending(self) -> int:
        """Return how many messages wait in this side's queue (not counting ones taken and unacknowledged)."""
        return self._open().queue_declare(queue=self.read_queue, durable=True, passive=True).method.message_count

    def close(self) -> None:
        """Close the connection; messages taken and not acknowledged go back to their queue."""
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except AMQPError:
                pass

    def __repr__(self) -> str:
        return f"AmqpTransport(role={self.role!r}, write={self.write_queue!r}, read={self.read_queue!r})"


__all__ = ["AmqpTransport", "amqp_settings"]
