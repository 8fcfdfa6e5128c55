"""Moving-average valuation: pure arithmetic on (quantity, value), no database.

Values are money in fen (2 places, half up); unit costs keep 6 places. See
docs/adr/0003-inventory-valuation.md for the rules at zero stock and on rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ecerp.core.money import COST_PLACES, round_money, round_places

ZERO = Decimal("0")


def round_cost(amount: Decimal) -> Decimal:
    """Round a unit cost to 6 places, half up."""
    return round_places(amount, COST_PLACES)


@dataclass(frozen=True)
class Valuation:
    """The book of one SKU in one warehouse: quantity on hand, its value and the moving average."""

    quantity: int = 0
    value: Decimal = ZERO
    avg_cost: Decimal = ZERO


@dataclass(frozen=True)
class Movement:
    """What one move does: signed quantity and value at a unit cost, and the book after it."""

    quantity: int
    unit_cost: Decimal
    value: Decimal
    after: Valuation


def average(quantity: int, value: Decimal, fallback: Decimal) -> Decimal:
    """The moving average of a book: value / quantity at 6 places; fallback (the last average) at zero."""
    if quantity <= 0:
        return fallback
    return round_cost(value / quantity)


def receive(book: Valuation, quantity: int, unit_cost: Decimal) -> Movement:
    """Goods in at unit_cost: value = quantity x cost in fen; the average moves to (value + in) / (qty + in)."""
    if quantity <= 0:
        raise ValueError("receive() takes a positive quantity")
    unit_cost = round_cost(unit_cost)
    value = round_money(unit_cost * quantity)
    return receive_value(book, quantity, value, unit_cost)


def receive_value(book: Valuation, quantity: int, value: Decimal, unit_cost: Decimal | None = None) -> Movement:
    """Goods in at a known value (a transfer arriving with the value it left with)."""
    if quantity <= 0:
        raise ValueError("receive_value() takes a positive quantity")
    if unit_cost is None:
        unit_cost = round_cost(value / quantity)
    new_quantity = book.quantity + quantity
    new_value = book.value + value
    after = Valuation(new_quantity, new_value, average(new_quantity, new_value, book.avg_cost))
    return Movement(quantity, unit_cost, value, after)


def issue(book: Valuation, quantity: int) -> Movement:
    """Goods out at the current average: value = quantity x average in fen, never more than the book holds.

    Issuing the whole quantity takes the whole value, so no rounding remainder is left behind on an
    empty book; a rounding that would take more than the book's value takes the book's value.
    The average is unchanged by an issue (except for the rounding kept in the remaining value).
    """
    if quantity <= 0:
        raise ValueError("issue() takes a positive quantity")
    if quantity > book.quantity:
        raise ValueError("issue() takes at most the quantity on hand")
    if quantity == book.quantity:
        value = book.value
    else:
        value = min(round_money(book.avg_cost * quantity), book.value)
    new_quantity = book.quantity - quantity
    new_value = book.value - value
    after = Valuation(new_quantity, new_value, average(new_quantity, new_value, book.avg_cost))
    return Movement(-quantity, book.avg_cost, -value, after)


def replay(movements: list[tuple[int, Decimal, Decimal]]) -> Valuation:
    """The book after (signed quantity, signed value, unit cost) movements in order (rebuilds, checks)."""
    quantity, value, avg_cost = 0, ZERO, ZERO
    for move_quantity, move_value, unit_cost in movements:
        quantity += move_quantity
        value += move_value
        avg_cost = average(quantity, value, unit_cost)
    return Valuation(quantity, value, avg_cost)
