"""Moving-average arithmetic (pure, no database)."""

from decimal import Decimal

import pytest

from ecerp.inventory.calculations import Valuation, average, issue, receive, receive_value, replay


def test_a_receipt_into_an_empty_book_sets_the_average_to_its_cost():
    # when 3 units come in at 10.333333 into nothing
    movement = receive(Valuation(), 3, Decimal("10.333333"))
    # then the value is in fen and the average keeps 6 places
    assert movement.value == Decimal("31.00")
    assert movement.after == Valuation(3, Decimal("31.00"), Decimal("10.333333"))


def test_a_second_receipt_moves_the_average_to_value_over_quantity():
    # given 10 units worth 100.00
    book = Valuation(10, Decimal("100.00"), Decimal("10"))
    # when 5 more come in at 13
    movement = receive(book, 5, Decimal("13"))
    # then the average is 165 / 15 = 11
    assert movement.after == Valuation(15, Decimal("165.00"), Decimal("11.000000"))


def test_an_issue_leaves_at_the_average_and_does_not_change_it():
    book = Valuation(15, Decimal("165.00"), Decimal("11"))
    movement = issue(book, 4)
    assert (movement.quantity, movement.value, movement.unit_cost) == (-4, Decimal("-44.00"), Decimal("11"))
    assert movement.after == Valuation(11, Decimal("121.00"), Decimal("11.000000"))


def test_issuing_everything_takes_the_whole_value_so_no_remainder_stays_on_an_empty_book():
    # given 3 units worth 10.00 (average 3.333333)
    book = receive(Valuation(), 3, Decimal("3.333333")).after
    assert book.value == Decimal("10.00")
    # when 1 then 2 leave
    first = issue(book, 1)
    second = issue(first.after, 2)
    # then the values add up to exactly the book's value and the empty book is worth nothing
    assert first.value + second.value == Decimal("-10.00")
    assert second.after.quantity == 0 and second.after.value == 0
    # and the empty book remembers the last average
    assert second.after.avg_cost == first.after.avg_cost


def test_an_issue_never_takes_more_value_than_the_book_holds():
    # given a book whose rounded average times the quantity would exceed its value
    book = Valuation(3, Decimal("0.01"), Decimal("0.003333"))
    # when 2 of 3 leave at 0.003333 x 2 = 0.006666 -> 0.01
    movement = issue(book, 2)
    # then the value is capped at what the book holds, never negative
    assert movement.value == Decimal("-0.01") and movement.after.value == 0


def test_a_transfer_arrives_with_the_value_it_left_with_and_blends_into_the_average():
    book = Valuation(10, Decimal("100.00"), Decimal("10"))
    movement = receive_value(book, 10, Decimal("200.00"), Decimal("20"))
    assert movement.after == Valuation(20, Decimal("300.00"), Decimal("15.000000"))


def test_average_at_zero_stock_is_the_fallback():
    assert average(0, Decimal("0"), Decimal("7.5")) == Decimal("7.5")
    assert average(3, Decimal("10"), Decimal("0")) == Decimal("3.333333")


def test_replay_gives_the_same_book_as_the_steps():
    book = Valuation()
    steps = []
    for action, quantity, cost in [("in", 3, "3.333333"), ("out", 1, None), ("in", 7, "9.99"), ("out", 9, None)]:
        movement = receive(book, quantity, Decimal(cost)) if action == "in" else issue(book, quantity)
        steps.append((movement.quantity, movement.value, movement.unit_cost))
        book = movement.after
    assert replay(steps) == book


@pytest.mark.parametrize("call", [lambda: receive(Valuation(), 0, Decimal("1")), lambda: issue(Valuation(), 1)])
def test_impossible_movements_are_programming_errors(call):
    with pytest.raises(ValueError):
        call()
