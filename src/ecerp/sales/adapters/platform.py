"""Pulling orders from a platform API by time window: the adapter interface, a registry, and a
simulated platform (deterministic, in-process) used by tests and demos.

An adapter returns raw records with the normalised keys (ecerp.sales.normalise), each carrying
platform_updated_at; the sync service (ecerp.sales.services.sync) feeds them to ingest_orders.
Real platform clients (Taobao TOP, JD, PDD, Douyin open APIs) implement the same interface.
"""

from __future__ import annotations

import abc
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ecerp.sales.errors import SalesError, SalesInvalid


class PlatformAdapter(abc.ABC):
    """One platform's order API. Subclasses implement fetch_orders."""

    name = "base"

    @abc.abstractmethod
    def fetch_orders(self, store, since: datetime.datetime, until: datetime.datetime) -> list[dict]:
        """Return the order records updated in [since, until) for the store (duplicates allowed)."""


_ADAPTERS: dict[str, Callable[[], PlatformAdapter]] = {}


def register_adapter(name: str, factory: Callable[[], PlatformAdapter]) -> None:
    _ADAPTERS[name] = factory


def get_adapter(name: str) -> PlatformAdapter:
    if name not in _ADAPTERS:
        raise SalesInvalid(SalesError.UNKNOWN_ADAPTER, _("没有名为「%(name)s」的平台接口"), field="adapter", name=name)
    return _ADAPTERS[name]()


@dataclass
class SimulatedPlatform(PlatformAdapter):
    """An in-process platform: versions of orders with their update times, served by time window.

    publish() adds a version; fetch_orders returns every version updated in the window, in the order
    given by `delivery` ("time", "reversed" or a callable shuffling the list), plus the duplicates
    listed in `repeat` (indexes to deliver twice): the things a real platform API does.
    """

    name: str = "simulated"
    versions: list[dict] = field(default_factory=list)
    delivery: str | Callable = "time"
    repeat: int = 0
    calls: list[tuple] = field(default_factory=list)

    def publish(self, record: dict) -> None:
        self.versions.append(record)

    def fetch_orders(self, store, since, until):
        self.calls.append((store.code, since, until))
        found = [dict(record, store=store.code) for record in self.versions
                 if record.get("store", store.code) == store.code
                 and since <= _when(record["platform_updated_at"]) < until]
        found.sort(key=lambda record: _when(record["platform_updated_at"]))
        if self.delivery == "reversed":
            found.reverse()
        elif callable(self.delivery):
            found = self.delivery(found)
        return found + found[: self.repeat]


def _when(value) -> datetime.datetime:
    from ecerp.sales.normalise import parse_time

    return parse_time(value)
