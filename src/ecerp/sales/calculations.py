"""Pure order arithmetic and version ordering (no database).

Amounts are Decimal, rounded to cents at the line; unit prices may keep four places.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

# Platform statuses (any platform) meaning the order was cancelled or closed before completion.
CANCELLED_STATUSES = frozenset({
    "交易关闭", "已取消", "已关闭", "未发货，退款成功", "cancelled", "closed", "canceled", "TRADE_CLOSED",
    "TRADE_CLOSED_BY_TAOBAO",
})
DELETED_PREFIX = "(删除)"


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def line_gross(quantity: int, unit_price: Decimal) -> Decimal:
    """quantity x unit price, in cents."""
    return cents(unit_price * quantity)


def allocate_discount(grosses: list[Decimal], discount: Decimal) -> list[Decimal]:
    """Spread an order-level discount over lines pro rata to their gross amounts, to the cent.

    The parts sum exactly to the discount (largest remainder); no part exceeds its line's gross
    when the discount does not exceed the total. With a zero total the discount goes to the first line.
    """
    discount = cents(discount)
    if not grosses:
        return []
    total = sum(grosses, Decimal("0"))
    if discount == 0:
        return [Decimal("0.00")] * len(grosses)
    if total <= 0:
        return [discount] + [Decimal("0.00")] * (len(grosses) - 1)
    exact = [discount * gross / total for gross in grosses]
    parts = [value.quantize(CENT, rounding="ROUND_DOWN") for value in exact]
    remainder = int((discount - sum(parts, Decimal("0"))) / CENT)
    order = sorted(range(len(grosses)), key=lambda index: (exact[index] - parts[index], -index), reverse=True)
    for index in order[:remainder]:
        parts[index] += CENT
    return parts


def derived_discount(gross_total: Decimal, freight: Decimal, paid: Decimal) -> Decimal:
    """The order discount when a platform gives only what the buyer paid: gross + freight - paid, never < 0."""
    return max(Decimal("0.00"), cents(gross_total + freight - paid))


def is_cancelled_status(platform_status: str) -> bool:
    """True for a platform status that means the order is cancelled (closed, deleted, refunded before shipping)."""
    text = (platform_status or "").strip()
    return text in CANCELLED_STATUSES or text.startswith(DELETED_PREFIX)


def payload_hash(canonical: dict) -> str:
    """sha256 of the canonical (sorted, string-valued) form of a normalised order."""
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def version_key(updated_at: datetime.datetime | None, digest: str) -> tuple:
    """A version's identity for ordering: (platform update time or None, payload hash)."""
    return (updated_at, digest)


def is_newer(incoming: tuple, stored: tuple) -> bool:
    """True when the incoming version should replace the stored one.

    Same hash: never (a duplicate). Both dated: the later update time wins, the hash breaking a tie
    deterministically, so the order of arrival never matters. Either undated (a file export is a
    snapshot taken when it was made): the delivery that arrives later wins.
    """
    (incoming_time, incoming_hash), (stored_time, stored_hash) = incoming, stored
    if incoming_hash == stored_hash:
        return False
    if incoming_time is None or stored_time is None:
        return True
    return (incoming_time, incoming_hash) > (stored_time, stored_hash)


# --- payment terms (款到发货, 货到付款, 账期, 定金+尾款) -------------------------------------------------

PREPAID, COD, CREDIT, DEPOSIT = "prepaid", "cod", "credit", "deposit"


def payable(goods_amount: Decimal, discount: Decimal, freight: Decimal) -> Decimal:
    """What the buyer owes for an order: goods - discount + freight, in cents."""
    return cents(goods_amount - discount + freight)


def payment_shortfall(*, terms: str, payable_amount: Decimal, paid: Decimal, paid_at_set: bool = True,
                      deposit: Decimal = Decimal("0"), credit_limit: Decimal = Decimal("0"),
                      open_credit: Decimal = Decimal("0"), overdue: bool = False,
                      has_customer: bool = True) -> tuple[str, dict] | None:
    """Why an order may not ship yet under its payment terms: (reason code, numbers), or None when it may.

    prepaid (款到发货): paid (with a payment time) covers the payable amount.
    cod (货到付款): always may ship; the carrier collects.
    credit (账期): a customer, nothing overdue, and open credit + this order within the credit limit.
    deposit (定金+尾款): the deposit and then the balance are paid: ships once paid covers the payable.
    """
    if terms == COD:
        return None
    if terms == CREDIT:
        if not has_customer:
            return "no_customer", {}
        if overdue:
            return "overdue", {}
        unpaid = max(Decimal("0"), payable_amount - paid)
        if open_credit + unpaid > credit_limit:
            return "credit_exceeded", {"limit": credit_limit, "used": open_credit, "wanted": unpaid}
        return None
    if terms == DEPOSIT:
        if paid < deposit:
            return "deposit_unpaid", {"deposit": deposit, "paid": paid}
        if paid < payable_amount:
            return "balance_unpaid", {"balance": payable_amount - paid}
        return None
    if not paid_at_set or paid < payable_amount:
        return "unpaid", {"payable": payable_amount, "paid": paid}
    return None


# --- splitting an order's amounts ----------------------------------------------------------------------

def split_amount(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Spread an order-level amount (freight, discount, paid) over parts pro rata to weights, to the cent.

    The parts add up exactly to the amount (largest remainder, see allocate_discount).
    """
    return allocate_discount(weights, amount)
