"""Run the simulator against a transport: take what the enterprise sent, answer, repeat.

One round: receive up to `limit` envelopes from the customs side of the transport, hand each to
the simulator (which queues its receipts and sends those that are due), acknowledge it, then
send whatever else has become due. A payload the simulator cannot handle at all is rejected
(folder: failed/ with a note; AMQP: the .failed queue) instead of stalling the exchange; when
ECERP's database (the simulator's knowledge) is away the round stops and the payload waits for the
next one.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError

from ecerp.customs.exchange import Transport
from ecerp.customs.simulator.engine import Simulator


@dataclass
class RoundResult:
    received: int = 0
    answered: int = 0
    failed: int = 0


def run_round(*, transport: Transport, simulator: Simulator, limit: int = 100) -> RoundResult:
    """Handle what waits on the transport and send the receipts now due; return the counts."""
    result = RoundResult()
    for item in transport.receive(limit):
        try:
            sent = simulator.handle(item.payload, send=transport.send)
        except DatabaseError:
            raise  # ECERP's database (the knowledge) is away: not the payload's fault, it comes again next round
        except Exception as error:  # one bad payload must not stall the others
            item.reject(f"{type(error).__name__}: {error}")
            result.failed += 1
            continue
        item.ack()
        result.received += 1
        result.answered += len(sent)
    result.answered += len(simulator.tick(send=transport.send))
    return result


def run(*, transport: Transport, simulator: Simulator, once: bool = False, interval: float = 1.0,
        limit: int = 100, write: Callable[[str], None] = print, watch_parent: bool = False,
        between_rounds: Callable[[], None] | None = None) -> RoundResult:
    """Run rounds until interrupted (or one round with once); with watch_parent, stop when the parent exits.

    between_rounds is called after each pause (the command drops database connections closed meanwhile).
    """
    total = RoundResult()
    parent = os.getppid()
    try:
        while True:
            try:
                result = run_round(transport=transport, simulator=simulator, limit=limit)
            except Exception as error:  # the broker went away: say so, reconnect next round
                if once:
                    raise
                write(f"海关模拟器：交换失败 / customs simulator: exchange failed: {type(error).__name__}: {error}")
                transport.close()
                if watch_parent and os.getppid() != parent:
                    break
                time.sleep(interval)
                if between_rounds is not None:
                    between_rounds()
                continue
            total.received += result.received
            total.answered += result.answered
            total.failed += result.failed
            if result.received or result.answered or result.failed:
                write(f"海关模拟器：收到 {result.received} 个报文，发出 {result.answered} 个回执，"
                      f"{result.failed} 个无法处理 / customs simulator: {result.received} received, "
                      f"{result.answered} receipts sent, {result.failed} failed")
            if once or (watch_parent and os.getppid() != parent):
                break
            if result.received < limit:
                time.sleep(interval)
            if between_rounds is not None:
                between_rounds()
    except KeyboardInterrupt:
        pass
    finally:
        transport.close()
    return total


__all__ = ["RoundResult", "run", "run_round"]
