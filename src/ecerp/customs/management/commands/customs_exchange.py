"""`ecerp customs_exchange [--loop]`: send pending customs messages and record incoming receipts."""

import os
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from ecerp.customs.exchange import ENTERPRISE, get_transport
from ecerp.customs.exchange.jobs import run_exchange_round


class Command(BaseCommand):
    help = "Exchange messages with customs: send pending messages, record incoming receipts (once or in a loop)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="keep exchanging until interrupted")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between rounds with --loop")
        parser.add_argument("--limit", type=int, default=100, help="messages per direction and round")
        parser.add_argument("--transport", choices=["folder", "amqp"], default=None,
                            help="transport (default: settings ECERP_CUSTOMS_TRANSPORT, else folder)")
        parser.add_argument("--stop-with-parent", action="store_true",
                            help="stop when the process that started this one exits (used by `ecerp serve`)")

    def handle(self, *args, loop, interval, limit, transport, stop_with_parent, **options):
        channel = get_transport(ENTERPRISE, kind=transport)
        parent = os.getppid()
        sent = received = 0
        try:
            while True:
                try:
                    result = run_exchange_round(transport=channel, limit=limit)
                except Exception as error:  # broker or database away: say so, then try again next round
                    if not loop:
                        raise
                    self.stderr.write(f"关务报文交换失败 / customs exchange failed: {type(error).__name__}: {error}")
                    channel.close()
                    time.sleep(interval)
                    close_old_connections()
                    continue
                sent += result.sent
                received += result.received
                if result.sent or result.received or result.send_failures or result.rejected:
                    self.stdout.write(
                        f"关务报文交换：发送 {result.sent}，接收 {result.received}，发送失败 {result.send_failures}，"
                        f"拒收 {result.rejected} / customs exchange: {result.sent} sent, {result.received} "
                        f"received, {result.send_failures} send failures, {result.rejected} rejected")
                    self.stdout.flush()
                for error in result.errors:
                    self.stderr.write(error)
                if not loop or (stop_with_parent and os.getppid() != parent):
                    break
                time.sleep(interval)
                close_old_connections()  # a long-running loop drops connections the database closed meanwhile
        except KeyboardInterrupt:
            pass
        finally:
            channel.close()
        self.stdout.write(f"共发送 {sent} 个、接收 {received} 个报文 / {sent} sent, {received} received in total")
