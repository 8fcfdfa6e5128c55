"""The customs demo: settings, channel profiles and filings for the demo company; loading twice adds nothing."""

import datetime

import pytest

from ecerp.customs import queries
from ecerp.customs.demo import build_demo_customs
from ecerp.customs.models import CustomsChannel, ProductFiling
from ecerp.customs.states import FilingState
from ecerp.masterdata.demo import build_demo_company
from ecerp.masterdata.models import Product, Store, StoreType

pytestmark = pytest.mark.django_db


def test_the_customs_demo_is_built_once(admin_user):
    # given no demo company, nothing is written
    assert build_demo_customs(admin_user) == {}
    # given the demo company
    build_demo_company(None)
    # when the customs demo is loaded
    counts = build_demo_customs(admin_user)
    # then every cross-border store has a profile and every cross-border product a filing
    stores = Store.objects.exclude(type=StoreType.DOMESTIC)
    assert CustomsChannel.objects.count() == stores.count() == counts["channels"] >= 1
    bonded = CustomsChannel.objects.get(store__type=StoreType.BONDED)
    assert (bonded.trade_mode, bonded.customs_code, bonded.ems_no) == ("1210", "4612", "T4612W000001")
    products = Product.objects.filter(is_cross_border=True, is_bundle=False)
    assert ProductFiling.objects.count() == products.count() == counts["filings"]
    states = sorted(ProductFiling.objects.values_list("state", flat=True))
    assert states.count(FilingState.DRAFT) == 1 and states.count(FilingState.REJECTED) == 1
    assert states.count(FilingState.APPROVED) == counts["approved_filings"] == products.count() - 2
    assert queries.get_customs_settings().dxp_id.startswith("DXPENT")
    # an approved demo product may be declared today
    approved = ProductFiling.objects.filter(state=FilingState.APPROVED).first()
    assert queries.filing_problem(approved.product, datetime.date.today()) is None
    # when loaded again, then nothing more is written
    assert build_demo_customs(admin_user) == {}
    assert ProductFiling.objects.count() == products.count()
