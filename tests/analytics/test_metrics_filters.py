"""Filters: periods as people type them, the interval the queries use, the scope of cases."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from claimdesk.analytics.filters import FilterError, Filters
from tests.analytics.conftest import at

TODAY = date(2026, 11, 23)
UTC = ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("params", "start", "end"),
    [
        ({"period": "2026Q3"}, date(2026, 7, 1), date(2026, 9, 30)),
        ({"period": "2026q1"}, date(2026, 1, 1), date(2026, 3, 31)),
        ({"period": "2024-02"}, date(2024, 2, 1), date(2024, 2, 29)),
        ({"period": "2025"}, date(2025, 1, 1), date(2025, 12, 31)),
        ({"start": "2026-07-05", "end": "2026-07-20"}, date(2026, 7, 5), date(2026, 7, 20)),
        ({"start": "2026-11-02"}, date(2026, 11, 2), TODAY),
        ({}, date(2026, 10, 1), TODAY),  # the current quarter up to today
        ({"period": "", "start": "", "end": ""}, date(2026, 10, 1), TODAY),
    ],
)
def test_from_query_periods(params, start, end):
    f = Filters.from_query(params, today=TODAY)
    assert (f.start, f.end) == (start, end)


@pytest.mark.parametrize(
    "params",
    [
        {"period": "2026Q5"},
        {"period": "2026-13"},
        {"period": "last year"},
        {"start": "2026-07-40"},
        {"start": "2026-09-01", "end": "2026-08-01"},
        {"kind": "policy"},
    ],
)
def test_from_query_refuses_nonsense_with_a_message(params):
    with pytest.raises(FilterError) as err:
        Filters.from_query(params, today=TODAY)
    assert str(err.value)


def test_other_filters_round_trip():
    params = {"period": "2026-09", "branch": "上海", "product": "auto-basic", "team": "T1"}
    f = Filters.from_query(params, today=TODAY)
    assert (f.branch, f.product, f.team, f.kind) == ("上海", "auto-basic", "T1", "claim")
    assert f.to_query() == {
        "start": "2026-09-01",
        "end": "2026-09-30",
        "branch": "上海",
        "product": "auto-basic",
        "team": "T1",
    }
    assert Filters.from_query(f.to_query(), today=TODAY) == f
    assert f.label() == "2026-09"
    assert Filters(date(2026, 7, 1), date(2026, 9, 30)).label() == "2026Q3"


def test_bounds_are_local_days():
    f = Filters(date(2026, 7, 1), date(2026, 9, 30))
    lo, hi = f.bounds()
    # Shanghai is UTC+8: the period runs from 30 Jun 16:00 UTC to 30 Sep 16:00 UTC.
    assert lo == datetime(2026, 6, 30, 16, 0, tzinfo=UTC)
    assert hi == datetime(2026, 9, 30, 16, 0, tzinfo=UTC)
    assert f.days == 92
    assert f.previous() == Filters(date(2026, 3, 31), date(2026, 6, 30))


def test_cases_are_those_opened_in_the_period_within_scope(world):
    shanghai = world.staff("adj_sh", team="T1", branch="上海")
    beijing = world.staff("adj_bj", team="T2", branch="北京")
    customer = world.customer("cust_f")
    auto, medical = world.policy(customer, "auto"), world.policy(customer, "medical")
    inside = world.claim(owner=shanghai, policy=auto, stages=[("reported", at("2026-07-01 00:00"))])
    # 30 Sep 23:59 local is still Q3; 1 Oct 00:00 local is not.
    late = world.claim(owner=beijing, policy=medical, stages=[("reported", at("2026-09-30 23:59"))])
    world.claim(owner=shanghai, policy=auto, stages=[("reported", at("2026-10-01 00:00"))])
    world.claim(owner=shanghai, policy=auto, stages=[("reported", at("2026-06-30 23:59"))])
    q3 = Filters(date(2026, 7, 1), date(2026, 9, 30))
    assert set(q3.cases()) == {inside.case, late.case}
    assert list(Filters(q3.start, q3.end, branch="上海").cases()) == [inside.case]
    assert list(Filters(q3.start, q3.end, team="T2").cases()) == [late.case]
    assert list(Filters(q3.start, q3.end, product=medical.product.code).cases()) == [late.case]
    assert not Filters(q3.start, q3.end, kind="ticket").cases().exists()
    assert q3.scope().count() == 4
