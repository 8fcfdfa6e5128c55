"""`ecerp deliver_events`: deliver pending outbox events to their handlers, once or in a loop."""

import time

from django.core.management.base import BaseCommand

from ecerp.core.events import deliver_pending


class Command(BaseCommand):
    help = "Deliver pending domain events (the outbox) to their handlers."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="keep delivering until interrupted")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between rounds with --loop")
        parser.add_argument("--limit", type=int, default=500, help="events per round")

    def handle(self, *args, loop, interval, limit, **options):
        total = 0
        try:
            while True:
                delivered = deliver_pending(limit=limit)
                total += delivered
                if delivered:
                    self.stdout.write(f"已投递 {delivered} 个事件 / delivered {delivered} events")
                if not loop:
                    break
                if delivered < limit:
                    time.sleep(interval)
        except KeyboardInterrupt:
            pass
        self.stdout.write(f"共投递 {total} 个事件 / {total} events delivered in total")
