"""Carriers (快递/物流): the adapter interface shipping talks to, and a deterministic simulated carrier.

A real carrier (SF, ZTO, JD Logistics, ...) implements CarrierAdapter against its API and is
registered with register_carrier(); services only ever call get_carrier(code). Calls to the
outside world happen outside the database transaction of the shipment (see services/shipments.py).
"""

from __future__ import annotations

import abc
import datetime
import hashlib
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from ecerp.inventory.errors import InventoryError, InventoryInvalid


@dataclass(frozen=True)
class TrackingEvent:
    """One tracking event: kind is accepted, in_transit, signed, intercepted or returned."""

    kind: str
    at: datetime.datetime
    description: str = ""


SIGNED = "signed"
RETURNED = "returned"


class CarrierAdapter(abc.ABC):
    """What ECERP needs from a carrier. Subclasses set code and name and implement the three calls."""

    code: str = ""
    name: str = ""

    @abc.abstractmethod
    def create_waybill(self, shipment) -> str:
        """Book the parcel and return its waybill number (the same shipment twice: the same number)."""

    @abc.abstractmethod
    def track(self, waybill_no: str) -> list[TrackingEvent]:
        """The tracking events of a waybill, oldest first."""

    @abc.abstractmethod
    def intercept(self, waybill_no: str) -> bool:
        """Ask the carrier to stop the parcel and bring it back; False when it can no longer be stopped."""


class SimulatedCarrier(CarrierAdapter):
    """A carrier with no outside calls, for tests, demos and training mode.

    Waybill numbers are derived from the shipment code (deterministic). Deliveries and returns
    happen when simulate_delivery / simulate_return say so; an interception succeeds unless
    the parcel was delivered already.
    """

    code = "SIM"
    name = "模拟快递"

    def __init__(self):
        self.events: dict[str, list[TrackingEvent]] = {}

    def create_waybill(self, shipment) -> str:
        digest = hashlib.sha256(shipment.code.encode()).hexdigest()
        number = "SIM" + str(int(digest[:15], 16)).zfill(18)[-12:]
        self.events.setdefault(number, [TrackingEvent("accepted", _now(), "已揽收")])
        return number

    def track(self, waybill_no: str) -> list[TrackingEvent]:
        return list(self.events.get(waybill_no, []))

    def intercept(self, waybill_no: str) -> bool:
        if any(event.kind == SIGNED for event in self.events.get(waybill_no, [])):
            return False
        self.events.setdefault(waybill_no, []).append(TrackingEvent("intercepted", _now(), "拦截中"))
        return True

    def simulate_delivery(self, waybill_no: str, at: datetime.datetime | None = None) -> None:
        self.events.setdefault(waybill_no, []).append(TrackingEvent(SIGNED, at or _now(), "已签收"))

    def simulate_return(self, waybill_no: str, at: datetime.datetime | None = None) -> None:
        self.events.setdefault(waybill_no, []).append(TrackingEvent(RETURNED, at or _now(), "已退回"))


def _now() -> datetime.datetime:
    from django.utils import timezone

    return timezone.now()


_CARRIERS: dict[str, CarrierAdapter] = {}


def register_carrier(adapter: CarrierAdapter) -> CarrierAdapter:
    """Make a carrier available under its code (replacing one of the same code)."""
    _CARRIERS[adapter.code] = adapter
    return adapter


def carriers() -> dict[str, CarrierAdapter]:
    return dict(_CARRIERS)


def get_carrier(code: str, *, field: str = "carrier") -> CarrierAdapter:
    """The carrier registered under code; UNKNOWN_CARRIER otherwise."""
    adapter = _CARRIERS.get((code or "").strip().upper())
    if adapter is None:
        raise InventoryInvalid(InventoryError.UNKNOWN_CARRIER, _("承运商「%(carrier)s」不存在"), field=field,
                               carrier=code or "")
    return adapter


register_carrier(SimulatedCarrier())
