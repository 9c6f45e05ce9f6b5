"""The servicing rules as pure functions: surrender value, cooling-off, shares, authority."""

from datetime import date
from decimal import Decimal as D

from claimdesk.policies.rules import shares_refusal, split_by_shares
from claimdesk.servicing.rules import authority_refusal, completed_months, surrender_quote

TABLE = [{"month": 0, "per_mille": "10.00"}, {"month": 6, "per_mille": "5.50"}]


def quote(effective_on, loans=D(0)):
    return surrender_quote(
        start=date(2026, 3, 1),
        effective_on=effective_on,
        sum_insured=D("500000"),
        premium=D("6200"),
        loans=loans,
        table=TABLE,
        cooling_off_days=15,
    )


def test_within_the_cooling_off_period_the_whole_premium_comes_back():
    q = quote(date(2026, 3, 15))  # day 15, the last day
    assert q.within_cooling_off and q.amount == D("6200.00")
    assert q.cooling_off_ends == date(2026, 3, 15)
    assert not quote(date(2026, 3, 16)).within_cooling_off


def test_after_it_the_cash_value_of_the_completed_months_less_loans():
    assert quote(date(2026, 8, 31)).cash_value == D("5000.00")  # 5 months: 10‰
    q = quote(date(2026, 9, 1), loans=D("1000"))  # 6 months: 5.5‰
    assert (q.cash_value, q.loans, q.amount) == (D("2750.00"), D("1000.00"), D("1750.00"))
    assert quote(date(2026, 9, 1), loans=D("9000")).amount == 0  # never below 0


def test_policy_months_complete_on_the_same_day_or_a_short_month_s_last():
    assert completed_months(date(2026, 1, 31), date(2026, 2, 28)) == 1
    assert completed_months(date(2026, 3, 1), date(2026, 3, 31)) == 0


def test_shares_must_add_up_to_exactly_100():
    assert shares_refusal([D("60"), D("40")]) is None
    assert "99.99" in shares_refusal([D("33.33"), D("33.33"), D("33.33")])
    assert shares_refusal([D("100.001")]) is not None
    assert shares_refusal([D("0"), D("100")]) is not None
    assert split_by_shares(D("100.00"), [D("33.33"), D("33.33"), D("33.34")]) == [
        D("33.33"),
        D("33.33"),
        D("33.34"),
    ]


def test_authority_covers_amounts_up_to_the_limit_only():
    assert authority_refusal(D("2000"), D("2000")) is None
    assert authority_refusal(None, None) is None  # a change that pays nothing
    assert authority_refusal(D("2000.01"), D("2000")) is not None
    assert authority_refusal(D("1"), None) is not None
