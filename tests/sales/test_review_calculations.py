"""Payment terms and amount splitting: pure functions, no database."""

from decimal import Decimal

from ecerp.sales import calculations
from ecerp.sales.calculations import payment_shortfall

D = Decimal


def test_prepaid_ships_once_paid_in_full():
    assert payment_shortfall(terms="prepaid", payable_amount=D("100"), paid=D("100")) is None
    assert payment_shortfall(terms="prepaid", payable_amount=D("100"), paid=D("99.99"))[0] == "unpaid"
    # paid in full but no payment time yet: not paid
    assert payment_shortfall(terms="prepaid", payable_amount=D("100"), paid=D("100"), paid_at_set=False)[0] == "unpaid"


def test_cash_on_delivery_always_ships():
    assert payment_shortfall(terms="cod", payable_amount=D("100"), paid=D("0"), paid_at_set=False) is None


def test_credit_within_limit_ships():
    assert payment_shortfall(terms="credit", payable_amount=D("100"), paid=D("0"), credit_limit=D("500"),
                             open_credit=D("400")) is None


def test_credit_over_limit_overdue_or_without_customer_waits():
    code, numbers = payment_shortfall(terms="credit", payable_amount=D("100"), paid=D("0"), credit_limit=D("500"),
                                      open_credit=D("400.01"))
    assert code == "credit_exceeded" and numbers["wanted"] == D("100")
    assert payment_shortfall(terms="credit", payable_amount=D("1"), paid=D("0"), credit_limit=D("500"),
                             overdue=True)[0] == "overdue"
    assert payment_shortfall(terms="credit", payable_amount=D("1"), paid=D("0"), has_customer=False)[0] == \
        "no_customer"


def test_deposit_then_balance():
    args = {"terms": "deposit", "payable_amount": D("1000"), "deposit": D("200")}
    assert payment_shortfall(paid=D("100"), **args)[0] == "deposit_unpaid"
    code, numbers = payment_shortfall(paid=D("200"), **args)
    assert code == "balance_unpaid" and numbers["balance"] == D("800")
    assert payment_shortfall(paid=D("1000"), **args) is None


def test_payable_is_goods_less_discount_plus_freight():
    assert calculations.payable(D("100"), D("10.5"), D("8")) == D("97.50")


def test_split_amount_adds_up_to_the_cent():
    parts = calculations.split_amount(D("10.00"), [D("33.33"), D("33.33"), D("33.34")])
    assert sum(parts) == D("10.00") and all(part >= 0 for part in parts)
    assert calculations.split_amount(D("0"), [D("1"), D("2")]) == [D("0.00"), D("0.00")]
