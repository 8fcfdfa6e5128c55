"""ECERP's reference data read as the simulated customs' own knowledge (read-only).

A real single window knows tariff and VAT rates, the positive list and reference prices of its own.
The simulator has none, so it borrows ECERP's: the dated rate rows and the positive list shipped
with ECERP (ecerp.customs.queries), and the approved product filings (HS code, tariff rate,
consumption tax, reference price). It only reads; it never writes ECERP's tables. A good the
filings do not know gets the standard VAT rate and no reference price (so the risk rules may send
it to manual review).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from ecerp.customs.simulator.rules import Rates


class EcerpKnowledge:
    """Knowledge backed by ECERP's reference tables and approved product filings."""

    def _filing(self, gcode: str, item_no: str = ""):
        from ecerp.customs.models import ProductFiling
        from ecerp.customs.states import FilingState

        approved = ProductFiling.objects.select_related("product").filter(state=FilingState.APPROVED)
        if item_no:
            filing = approved.filter(product__code=item_no).first()
            if filing is not None:
                return filing
        return approved.filter(hs_code=gcode).order_by("pk").first() if gcode else None

    def rates(self, gcode: str, on: datetime.date, *, item_no: str = "",
              unit_price: Decimal | None = None) -> Rates | None:
        from ecerp.customs import queries

        filing = self._filing(gcode, item_no)
        if filing is None:
            return Rates(vat_rate=queries.rate_on("vat_standard", on))
        unit_price = unit_price if unit_price is not None else (filing.reference_price or Decimal("0"))
        return Rates(vat_rate=queries.vat_rate_of(filing, on), tariff_rate=filing.tariff_rate,
                     consumption_tax_rate=queries.consumption_rate_of(filing, on, unit_price))

    def on_positive_list(self, gcode: str, on: datetime.date) -> bool | None:
        from ecerp.customs import queries

        return queries.positive_list_line(gcode, on) is not None

    def reference_price(self, gcode: str, item_no: str, gname: str) -> Decimal | None:
        filing = self._filing(gcode, item_no)
        return filing.reference_price if filing is not None else None


__all__ = ["EcerpKnowledge"]
