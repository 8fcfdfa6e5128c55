"""The customs part of the demo company: settings, store channel profiles and product filings.

build_demo_customs(user) runs after the master-data demo (ecerp.masterdata.demo); it writes through the
customs services and is idempotent: what already exists (a filing, a profile, a setting) is left as it is.
Tariff rates and district codes here are illustrative demo values, not official data.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.db import transaction

from ecerp.customs import queries
from ecerp.customs.models import ConsumptionTaxRule, CustomsChannel, ProductFiling, VatKind
from ecerp.customs.services.filings import (
    approve_filing,
    reject_filing,
    save_channel,
    save_customs_settings,
    save_filing,
    submit_filing,
)
from ecerp.masterdata.demo import OWN_COMPANY
from ecerp.masterdata.models import Partner, Product, Store, StoreType

DEMO_DXP_ID = "DXPENT0000458123"
DEMO_EMS_NO = "T4612W000001"

# hs code -> tax attributes (tariff rates illustrative)
TAX_BY_HS = {
    "3304990099": dict(vat_kind=VatKind.STANDARD, tariff_rate=Decimal("0.01"), postal_tier=3,
                       consumption_tax_rule=ConsumptionTaxRule.COSMETICS_HIGH_END),
    "3401300000": dict(vat_kind=VatKind.STANDARD, tariff_rate=Decimal("0.065"), postal_tier=2),
    "1901101000": dict(vat_kind=VatKind.STANDARD, tariff_rate=Decimal("0.15"), postal_tier=1,
                       inspection_required=True),
    "9619001100": dict(vat_kind=VatKind.STANDARD, tariff_rate=Decimal("0.075"), postal_tier=2),
    "2106909090": dict(vat_kind=VatKind.STANDARD, tariff_rate=Decimal("0.2"), postal_tier=1,
                       inspection_required=True),
}
CONTENT = re.compile(r"^(\d+(?:\.\d+)?)(ml|g|片装)$")
REJECTION_REASON = "规格型号缺少成分与含量信息，请补充后重新提交"


def _partner(short_name: str) -> Partner | None:
    return Partner.objects.filter(short_name=short_name).first()


def _content(specification: str) -> dict:
    match = CONTENT.match(specification.strip())
    if not match:
        return {}
    unit = {"ml": "ml", "g": "g", "片装": "piece"}[match.group(2)]
    return {"net_content": Decimal(match.group(1)), "content_unit": unit}


def _settings(user, own: Partner, counts: dict) -> None:
    if queries.get_customs_settings().cop_code:
        return
    save_customs_settings(user=user, cop_code=queries.customs_code_of(own), cop_name=own.name, dxp_id=DEMO_DXP_ID)
    counts["settings"] = 1


def _channels(user, own: Partner, counts: dict) -> None:
    cainiao, alipay, broker = _partner("菜鸟"), _partner("支付宝"), _partner("中原通关")
    for store in Store.objects.exclude(type=StoreType.DOMESTIC).order_by("pk"):
        if CustomsChannel.objects.filter(store=store).exists():
            continue
        bonded = store.type == StoreType.BONDED
        save_channel(user=user, store=store, data={
            "customs_code": "4612" if bonded else "2991", "port_code": "4612" if bonded else "2233",
            "platform": store.platform_partner, "ecommerce_company": store.ecommerce_company or own,
            "logistics": cainiao, "payment": alipay, "agent": broker, "guarantor": store.ecommerce_company or own,
            "area": cainiao if bonded else None, "ems_no": DEMO_EMS_NO if bonded else "",
            "departure_country": "142" if bonded else "116", "transport_mode": "W" if bonded else "5",
            "wrap_type": "2",
        })
        counts["channels"] = counts.get("channels", 0) + 1


def _filings(user, counts: dict) -> None:
    products = list(Product.objects.filter(is_cross_border=True, is_bundle=False).exclude(hs_code="")
                    .order_by("code"))
    filed = set(ProductFiling.objects.values_list("product_id", flat=True))
    # the first product stays a draft and the second is rejected, so the demo shows both
    for index, product in enumerate(products):
        if product.pk in filed:
            continue
        data = {**TAX_BY_HS.get(product.hs_code, {}), **_content(product.specification)}
        if not product.net_weight:
            data["qty1_per_unit"] = Decimal("1")
        filing = save_filing(user=user, product=product, data=data)
        counts["filings"] = counts.get("filings", 0) + 1
        if index == 0:
            continue
        filing = submit_filing(user=user, filing=filing)
        if index == 1:
            reject_filing(user=user, filing=filing, reason=REJECTION_REASON)
            continue
        approve_filing(user=user, filing=filing, filing_no=f"BA{product.hs_code[:8]}{product.pk:06d}")
        counts["approved_filings"] = counts.get("approved_filings", 0) + 1


def build_demo_customs(user) -> dict[str, int]:
    """Load the customs demo data for the demo company; idempotent. Returns how many records it wrote.

    Writes the transmitting enterprise and DXP id (the demo's own e-commerce company), a channel profile per
    cross-border store, and filings for the cross-border products: most approved, one draft, one rejected.
    Does nothing when the master-data demo company is not loaded.
    """
    counts: dict[str, int] = {}
    own = _partner(OWN_COMPANY["short_name"])
    if own is None:
        return counts
    with transaction.atomic():
        _settings(user, own, counts)
        _channels(user, own, counts)
        _filings(user, counts)
    return counts
