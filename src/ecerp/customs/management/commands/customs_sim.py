"""`ecerp customs-sim`: the customs single window simulator, a separate process on the customs transport.

Also reachable as `ecerp customs_sim` (Django command names cannot hold "-"; the ecerp console
command maps the hyphenated name).
"""

from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from ecerp.customs.exchange import CUSTOMS, get_transport
from ecerp.customs.signing.keys import trusted_software_keys
from ecerp.customs.simulator.engine import Simulator
from ecerp.customs.simulator.knowledge import EcerpKnowledge
from ecerp.customs.simulator.rules import SimulatorRules
from ecerp.customs.simulator.runner import run
from ecerp.customs.simulator.store import SimulatorStore, default_path


def registered_keys() -> dict:
    """The enterprise keys customs knows: ECERP's software keys (settings ECERP_CUSTOMS_KEY_DIR or var/customs-keys)."""
    return trusted_software_keys(getattr(settings, "ECERP_CUSTOMS_KEY_DIR", None))


class Command(BaseCommand):
    help = ("Play the customs single window on the customs exchange: validate, check signatures, match the "
            "three documents and the list, apply risk rules, compute tax and answer with receipts.")

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=0, help="seed of the risk decisions (default 0)")
        parser.add_argument("--once", action="store_true", help="handle what waits, send what is due, then stop")
        parser.add_argument("--transport", choices=["folder", "amqp"], default=None,
                            help="transport (default: settings ECERP_CUSTOMS_TRANSPORT, else folder)")
        parser.add_argument("--step-seconds", type=float, default=0.0,
                            help="pause between two receipts of one document, so a person can watch (e.g. 2)")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between rounds")
        parser.add_argument("--inspection-rate", type=float, default=0.05, help="share of lists inspected (0..1)")
        parser.add_argument("--return-rate", type=float, default=0.1,
                            help="share of inspected lists returned abroad (700) instead of released")
        parser.add_argument("--wait-seconds", type=float, default=3600.0,
                            help="how long a list waits for its order, payment and waybill")
        parser.add_argument("--store", default=None,
                            help="simulator database (default var/customs-sim/simulator.sqlite3)")
        parser.add_argument("--stop-with-parent", action="store_true",
                            help="stop when the process that started this one exits (used by `ecerp serve`)")

    def handle(self, *args, seed, once, transport, step_seconds, interval, inspection_rate, return_rate,
               wait_seconds, store, stop_with_parent, **options):
        rules = SimulatorRules(seed=seed, inspection_rate=inspection_rate, inspection_return_rate=return_rate,
                               step_seconds=step_seconds, wait_seconds=wait_seconds,
                               review_below_reference_ratio=Decimal("0.5"))
        simulator = Simulator(store=SimulatorStore(store or default_path()), rules=rules, knowledge=EcerpKnowledge(),
                              trusted_keys=registered_keys)
        channel = get_transport(CUSTOMS, kind=transport)
        self.stdout.write(f"海关模拟器已启动 / customs simulator started ({channel!r}, seed {seed})")
        self.stdout.flush()

        def write(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        total = run(transport=channel, simulator=simulator, once=once, interval=interval, write=write,
                    watch_parent=stop_with_parent, between_rounds=close_old_connections)
        self.stdout.write(f"共收到 {total.received} 个报文，发出 {total.answered} 个回执 / "
                          f"{total.received} received, {total.answered} receipts sent")
