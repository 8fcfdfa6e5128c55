"""Plain receipts and issues (called by purchasing, sales and after-sales), and bundles.

A bundle (组合商品) has no stock of its own: its available quantity is the least, over its
components, of floor(component available / quantity per bundle); reserving or issuing a bundle
reserves or issues its components, all or nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecerp.inventory.errors import InventoryError, InventoryInvalid
from ecerp.inventory.events import STOCK_ISSUED, STOCK_RECEIVED, publish_moves
from ecerp.inventory.models import INBOUND_KINDS, OUTBOUND_KINDS, MoveKind, StockBalance, StockMove
from ecerp.inventory.services.ledger import MoveLine, check_quantity, post_moves
from ecerp.inventory.services.reservations import ReserveLine, reserve_stock
from ecerp.masterdata.models import BundleComponent, Product, Warehouse


def receive_stock(*, user, lines: list[MoveLine], kind: str = MoveKind.RECEIPT, document_type: str = "",
                  document_id="", document_code: str = "", reason: str = "", occurred_at=None) -> list[StockMove]:
    """Take goods in (purchase receipt, return in, other receipt): quantity and value up, the average moves.

    Lines without unit_cost come in at the book's average (else the product's cost price).
    Publishes StockReceived. Raises what post_moves raises.
    """
    if kind not in INBOUND_KINDS:
        raise ValueError(f"{kind} is not an inbound kind")
    with transaction.atomic():
        moves = post_moves(user=user, kind=kind, lines=lines, document_type=document_type, document_id=document_id,
                           document_code=document_code, reason=reason, occurred_at=occurred_at)
        publish_moves(STOCK_RECEIVED, moves, document_type=document_type, document_id=document_id,
                      document_code=document_code, occurred_at=moves[0].occurred_at, kind=kind)
        return moves


def issue_stock(*, user, lines: list[MoveLine], kind: str = MoveKind.ISSUE, document_type: str = "",
                document_id="", document_code: str = "", reason: str = "", occurred_at=None) -> list[StockMove]:
    """Send goods out of available stock (not reserved) at the moving average; all lines or none.

    Publishes StockIssued with quantities and cost. Raises INSUFFICIENT_STOCK when available
    (on hand - reserved) is short, and what post_moves raises.
    """
    if kind not in OUTBOUND_KINDS:
        raise ValueError(f"{kind} is not an outbound kind")
    with transaction.atomic():
        moves = post_moves(user=user, kind=kind, lines=lines, document_type=document_type, document_id=document_id,
                           document_code=document_code, reason=reason, occurred_at=occurred_at)
        publish_moves(STOCK_ISSUED, moves, document_type=document_type, document_id=document_id,
                      document_code=document_code, occurred_at=moves[0].occurred_at, kind=kind)
        return moves


# --- bundles -----------------------------------------------------------------------------------------

def bundle_components(bundle: Product) -> list[tuple[Product, int]]:
    """(component, quantity per bundle) of a bundle; BUNDLE_EMPTY when it has none."""
    rows = [(row.component, row.quantity) for row in
            BundleComponent.objects.filter(bundle=bundle).select_related("component").order_by("component__code")]
    if not rows:
        raise InventoryInvalid(InventoryError.BUNDLE_EMPTY, _("组合商品「%(sku)s」没有子商品"), field="product",
                               sku=bundle.code)
    return rows


def bundle_available(bundle: Product, warehouse: Warehouse) -> int:
    """How many whole bundles the warehouse can make from its available components."""
    components = bundle_components(bundle)
    available = {
        product_id: on_hand - reserved for product_id, on_hand, reserved in StockBalance.objects.filter(
            warehouse=warehouse, product__in=[component for component, _q in components]
        ).values_list("product_id", "on_hand", "reserved")
    }
    return min(available.get(component.pk, 0) // quantity for component, quantity in components)


def explode_bundle(bundle: Product, quantity: int, *, field: str = "quantity") -> list[tuple[Product, int]]:
    """(component, units) needed for quantity bundles."""
    check_quantity(quantity, field=field)
    return [(component, per_bundle * quantity) for component, per_bundle in bundle_components(bundle)]


def reserve_bundle(*, user, bundle: Product, warehouse: Warehouse, quantity: int, reference_type: str,
                   reference_id, reference_code: str = ""):
    """Reserve the components of quantity bundles for a document, all or nothing (see reserve_stock)."""
    lines = [ReserveLine(component, warehouse, units) for component, units in explode_bundle(bundle, quantity)]
    return reserve_stock(user=user, reference_type=reference_type, reference_id=reference_id, lines=lines,
                         reference_code=reference_code)


def issue_bundle(*, user, bundle: Product, warehouse: Warehouse, quantity: int, kind: str = MoveKind.ISSUE,
                 document_type: str = "", document_id="", document_code: str = "", reason: str = "",
                 occurred_at=None) -> list[StockMove]:
    """Issue the components of quantity bundles from available stock, all or nothing (see issue_stock)."""
    lines = [MoveLine(product=component, warehouse=warehouse, quantity=units, document_line=bundle.code)
             for component, units in explode_bundle(bundle, quantity)]
    return issue_stock(user=user, lines=lines, kind=kind, document_type=document_type, document_id=document_id,
                       document_code=document_code, reason=reason, occurred_at=occurred_at or timezone.now())
