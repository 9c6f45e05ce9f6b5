"""manager1 opens the analytics dashboard, filters by product, clicks a figure and lands on the
cases behind it; a screenshot of the dashboard is kept (test-artifacts/e2e/dashboard.png)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.analytics.conftest import World
from tests.e2e.test_report_claim import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def claims(products, manager1):
    """Three claims of the last weeks, each with its "contact" clock:

    - auto X (adj_a): running, due yesterday → breached, overdue now;
    - auto Z (adj_a): met ten days ago;
    - medical Y (adj_b): running, due two days ago → breached, overdue now.
    """
    world = World(products)
    now = timezone.now()
    a = world.staff("adj_a", team="理赔一组", branch="上海")
    b = world.staff("adj_b", team="理赔二组", branch="北京")
    holder = world.customer("holder_e2e")
    auto = world.policy(holder, "auto")
    medical = world.policy(holder, "medical")

    def opened(days: int) -> list:
        start = now - timedelta(days=days)
        return [("reported", start), ("reviewing", start + timedelta(hours=2))]

    x = world.claim(owner=a, policy=auto, stages=opened(20), loss_cause="追尾")
    z = world.claim(owner=a, policy=auto, stages=opened(12), loss_cause="刮擦")
    y = world.claim(owner=b, policy=medical, stages=opened(15), loss_cause="急性阑尾炎")
    world.deadline(
        x.case,
        "contact",
        state="running",
        started_at=now - timedelta(days=20),
        due_at=now - timedelta(days=1),
    )
    world.deadline(
        z.case,
        "contact",
        state="met",
        started_at=now - timedelta(days=12),
        due_at=now - timedelta(days=11),
        stopped_at=now - timedelta(days=11, hours=3),
    )
    world.deadline(
        y.case,
        "contact",
        state="running",
        started_at=now - timedelta(days=15),
        due_at=now - timedelta(days=2),
    )
    return {"X": x.case.number, "Z": z.case.number, "Y": y.case.number}


def test_manager_filters_the_dashboard_and_drills_down(live_server, page: Page, claims, artifacts):
    today = timezone.localdate()
    start = (today - timedelta(days=60)).isoformat()
    log_in(page, live_server.url, "manager1")
    page.get_by_test_id("nav-dashboard").click()
    expect(page.locator("h1")).to_contain_text("管理看板")
    # Two claims are overdue now, across both products (the live list ignores the period).
    expect(page.get_by_test_id("overdue-now")).to_have_text("2")

    filters = page.get_by_test_id("filters")
    filters.get_by_label("开始").fill(start)
    filters.get_by_label("产品").select_option("auto-comp")
    filters.get_by_role("button", name="应用").click()
    expect(page).to_have_url(re.compile(r"product=auto-comp"))
    expect(page.get_by_test_id("overdue-now")).to_have_text("1")
    live = page.get_by_test_id("due-now-list")
    expect(live.locator(f'tr[data-case="{claims["X"]}"]')).to_be_visible()
    expect(live.locator(f'tr[data-case="{claims["Y"]}"]')).to_have_count(0)
    # Auto: Z met, X breached → 50 %; the charts are drawn.
    figure = page.get_by_test_id("figure-sla_compliance")
    expect(figure).to_have_text("50%")
    expect(page.locator('[data-testid="trend-sla_compliance"] svg')).to_be_visible()
    page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)

    figure.click()
    expect(page).to_have_url(re.compile(r"/analytics/cases/\?metric=sla_compliance&"))
    cases = page.get_by_test_id("drill-cases")
    expect(cases.locator("tbody tr")).to_have_count(2)
    expect(cases.locator(f'tr[data-case="{claims["X"]}"]')).to_be_visible()
    expect(cases.locator(f'tr[data-case="{claims["Z"]}"]')).to_be_visible()
    page.screenshot(path=str(artifacts / "dashboard_drill.png"), full_page=True)

    # The case number leads to the claim.
    cases.get_by_role("link", name=claims["X"]).click()
    expect(page.get_by_test_id("claim-number")).to_have_text(claims["X"])
