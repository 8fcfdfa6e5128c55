"""The simulator's customs knowledge borrowed read-only from ECERP's reference data and filings."""

import datetime
from decimal import Decimal

import pytest

from ecerp.customs.models import ProductFiling
from ecerp.customs.simulator.knowledge import EcerpKnowledge
from tests.customs.test_declaration_helpers import filed_product

pytestmark = pytest.mark.django_db
ON = datetime.date(2026, 11, 30)


def test_rates_and_reference_price_come_from_the_approved_filing():
    # given an approved filing of high-end cosmetics with a reference price
    product = filed_product("SERUM-1", hs_code="3304990099", consumption_tax_rule="cosmetics_high_end",
                            net_content=Decimal("50"), content_unit="ml")
    ProductFiling.objects.filter(product=product).update(reference_price=Decimal("560.00"), tariff_rate=Decimal("0.05"))
    knowledge = EcerpKnowledge()
    # when asked about the goods sold at 560 (11.2 per ml: high end)
    rates = knowledge.rates("3304990099", ON, item_no="SERUM-1", unit_price=Decimal("560"))
    # then VAT 13 %, the filing's tariff, consumption tax 15 %, and the reference price
    assert (rates.vat_rate, rates.tariff_rate, rates.consumption_tax_rate) == (
        Decimal("0.13"), Decimal("0.05"), Decimal("0.15"))
    assert knowledge.reference_price("3304990099", "SERUM-1", "") == Decimal("560.00")
    # and under the threshold (5 per ml) there is no consumption tax
    assert knowledge.rates("3304990099", ON, item_no="SERUM-1", unit_price=Decimal("250")).consumption_tax_rate == 0


def test_unknown_goods_get_the_standard_vat_and_no_reference_price():
    # given no filing
    knowledge = EcerpKnowledge()
    # when asked
    # then standard VAT, nothing else known
    assert knowledge.rates("9999999999", ON).vat_rate == Decimal("0.13")
    assert knowledge.reference_price("9999999999", "NOPE", "") is None


def test_positive_list_comes_from_the_shipped_reference_rows():
    # given ECERP's shipped positive-list lines
    knowledge = EcerpKnowledge()
    # then infant formula (1901.10.10) is on it and an invented line is not
    assert knowledge.on_positive_list("1901101000", ON) is True
    assert knowledge.on_positive_list("0000000000", ON) is False
