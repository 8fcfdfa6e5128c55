"""The simulator's rule book: risk settings, timing, the receipt codes it answers with, and what it knows.

Everything here is configuration of the simulated single window, not ECERP's own rules (those live in
the declaration pre-checks). Decisions that look random (inspection, the outcome of an inspection) are
drawn from a generator seeded with (seed, platform code, order number): the same seed and the same
documents give the same receipts whatever order the lists arrive in.

Receipt codes. The codes the specification names are used as named (-621005 single limit, -621018
annual quota, -621029 signature of a list, -301010 duplicate order). Where the specification only
gives the family (PDF §7: -3010xx order, -4010xx payment, -504xxx waybill, -505xxx status, -6210xx
list, -623xxx cancel, -625xxx return, -8000xx warehouse entry), the simulator picks a number in the
family; those picks are marked "simulator" in LIST_ERRORS and are not official.

Customs knowledge. The single window knows tariff and VAT rates, the positive list and reference
prices of its own. The simulator asks a Knowledge object; `EcerpKnowledge` reads ECERP's filings and
reference tables read-only as a stand-in for that knowledge (the simulator never writes ECERP's
tables); `StaticKnowledge` is a fixed table for tests.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

# Document-level rejection (海关退单) of an order, payment, waybill or status: returnStatus 100.
REJECTED = "100"

# Signature failure per message type: the list's code is official; the others follow the family.
SIGNATURE_CODES = {
    "CEB311": "-301029",
    "CEB411": "-401029",
    "CEB511": "-504029",
    "CEB513": "-505029",
    "CEB621": "-621029",
    "CEB623": "-623029",
    "CEB625": "-625029",
    "CEB711": "-800029",
}

# Receipt type answering each declaration type.
RECEIPT_TYPES = {
    "CEB311": "CEB312",
    "CEB411": "CEB412",
    "CEB511": "CEB512",
    "CEB513": "CEB514",
    "CEB621": "CEB622",
    "CEB623": "CEB624",
    "CEB625": "CEB626",
    "CEB711": "CEB712",
}

# List rejections (CEB622 returnStatus): official codes where the specification names one.
LIST_ERRORS = {
    "order_missing": "-621001",        # simulator
    "payment_missing": "-621002",      # simulator
    "waybill_missing": "-621003",      # simulator
    "single_limit": "-621005",         # official
    "amount_mismatch": "-621006",      # simulator: order acturalPaid vs payment amountPaid, list vs order values
    "consignee_mismatch": "-621007",   # simulator: order consignee vs waybill consignee
    "lines_mismatch": "-621008",       # simulator: list lines vs order lines (gnum, goods name, quantity)
    "buyer_mismatch": "-621009",       # simulator: list buyer vs order buyer, payer vs buyer
    "document_invalid": "-621011",     # simulator: currency, packNo, ieFlag
    "duplicate_list": "-621012",       # simulator: a second list for the same order
    "annual_quota": "-621018",         # official
    "signature": "-621029",            # official
}
CANCEL_ERRORS = {"list_missing": "-623001", "not_cancellable": "-623002"}  # simulator
REFUND_ERRORS = {"list_missing": "-625001", "not_returnable": "-625002", "quantity": "-625003"}  # simulator
FORMAT_ERROR = "-2"      # CEB900 after a failed schema validation (DXP 0002)
UNREADABLE_ERROR = "-1"  # CEB900 for a payload that is not a readable DxpMsg

CUSTOMS_DXP_ID = "DXPEDCCEB0000002"


@dataclass(frozen=True)
class Rates:
    """What customs applies to one HS code on a date (fractions, e.g. Decimal("0.13"))."""

    vat_rate: Decimal
    tariff_rate: Decimal = Decimal("0")
    consumption_tax_rate: Decimal = Decimal("0")


class Knowledge(Protocol):
    """What the single window knows about goods (read-only)."""

    def rates(self, gcode: str, on: datetime.date, *, item_no: str = "",
              unit_price: Decimal | None = None) -> Rates | None:
        """Return the rates for goods (10-digit HS code, enterprise item number) sold at unit_price on a date."""

    def on_positive_list(self, gcode: str, on: datetime.date) -> bool | None:
        """Return whether the 8-digit line of gcode is on the positive list, None when unknown."""

    def reference_price(self, gcode: str, item_no: str, gname: str) -> Decimal | None:
        """Return customs' reference unit price for the goods, or None when it has none."""


@dataclass
class StaticKnowledge:
    """Knowledge from fixed tables (tests, demos without a database). Keys are HS codes or their prefixes."""

    rates_by_code: dict[str, Rates] = field(default_factory=dict)
    positive_list: frozenset[str] | None = None
    reference_prices: dict[str, Decimal] = field(default_factory=dict)
    default_rates: Rates | None = field(default_factory=lambda: Rates(vat_rate=Decimal("0.13")))

    def rates(self, gcode: str, on: datetime.date, *, item_no: str = "",
              unit_price: Decimal | None = None) -> Rates | None:
        for length in range(len(gcode), 0, -1):
            if gcode[:length] in self.rates_by_code:
                return self.rates_by_code[gcode[:length]]
        return self.default_rates

    def on_positive_list(self, gcode: str, on: datetime.date) -> bool | None:
        if self.positive_list is None:
            return None
        return gcode[:8] in self.positive_list

    def reference_price(self, gcode: str, item_no: str, gname: str) -> Decimal | None:
        for key in (item_no, gcode, gcode[:8]):
            if key and key in self.reference_prices:
                return self.reference_prices[key]
        return None


@dataclass(frozen=True)
class SimulatorRules:
    """Risk settings and timing of the simulated single window."""

    seed: int = 0
    inspection_rate: float = 0.05           # share of accepted lists sent to inspection (500)
    inspection_return_rate: float = 0.1     # share of inspected lists returned abroad (700) instead of released
    review_without_reference_price: bool = True
    review_outside_positive_list: bool = True
    review_below_reference_ratio: Decimal = Decimal("0.5")  # price under half the reference price -> review
    require_signatures: bool = True         # 311/411/511/513 may omit ds:Signature in the XSD; customs wants it
    step_seconds: float = 0.0               # pause between two receipts of one document (for a person to watch)
    wait_seconds: float = 3600.0            # how long a list waits for its order, payment and waybill
    amount_tolerance: Decimal = Decimal("0.01")
    single_limit: Decimal | None = None     # None: the dated limits of ecerp.customs.calculations
    annual_limit: Decimal | None = None
    customs_dxp_id: str = CUSTOMS_DXP_ID

    def generator(self, *key: str) -> random.Random:
        """Return the deterministic generator for one document (seed + its key)."""
        return random.Random("|".join((str(self.seed), *key)))


__all__ = [
    "CANCEL_ERRORS", "CUSTOMS_DXP_ID", "FORMAT_ERROR", "LIST_ERRORS", "RECEIPT_TYPES", "REFUND_ERRORS", "REJECTED",
    "SIGNATURE_CODES", "UNREADABLE_ERROR", "Knowledge", "Rates", "SimulatorRules", "StaticKnowledge",
]
