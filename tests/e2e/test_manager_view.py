"""manager1's view: the dashboard's KPIs against targets (with their samples), its sections by
anchor, the quarterly white paper from the dashboard, and /compliance/ with what waits there.
Screenshots: test-artifacts/e2e/manager-*.png."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from claimdesk.notify.services import notification_queue
from tests.analytics.conftest import World
from tests.e2e.test_report_claim import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def month_of_work(products, manager1, customer1):
    """Two claims of the last days with a breached and a met clock, one unhappy survey answer
    (too few to judge CSAT), and one held message (a forbidden promise)."""
    world = World(products)
    now = timezone.now()
    a = world.staff("adj_m", team="理赔一组", branch="上海")
    holder = world.customer("holder_m")
    auto = world.policy(holder, "auto")
    start = now - timedelta(days=3)
    stages = [("reported", start), ("reviewing", start + timedelta(hours=2))]
    x = world.claim(owner=a, policy=auto, stages=stages, loss_cause="追尾")
    z = world.claim(owner=a, policy=auto, stages=stages, loss_cause="刮擦")
    world.deadline(
        x.case, "contact", state="running", started_at=start, due_at=now - timedelta(days=1)
    )
    world.deadline(
        z.case,
        "contact",
        state="met",
        started_at=start,
        due_at=start + timedelta(days=1),
        stopped_at=start + timedelta(hours=3),
    )
    world.survey(z.case, csat=2, nps=3, answered_at=now - timedelta(hours=5))
    notification_queue(
        recipient=customer1, subject="理赔进度", body="保证今天到账", now=now, kind="progress"
    )
    return now


def _quarter(now) -> str:
    local = timezone.localtime(now)
    return f"{local.year}Q{(local.month - 1) // 3 + 1}"


def test_manager_reads_kpis_by_section_opens_the_white_paper_and_compliance(
    live_server, page: Page, month_of_work, artifacts
):
    quarter = _quarter(month_of_work)
    log_in(page, live_server.url, "manager1")
    page.goto(f"{live_server.url}/analytics/?period={quarter}")
    index = page.get_by_test_id("section-index")
    expect(index.get_by_role("link", name="趋势")).to_be_visible()

    # One answer behind CSAT: grey, "too few to judge", with its sample and target.
    csat = page.get_by_test_id("kpi-csat")
    expect(csat).to_have_attribute("data-status", "too_few")
    expect(csat).to_contain_text("样本太少，无法判断")
    expect(csat).to_contain_text("样本 1 件（至少需要 30 件）")
    # SLA: one met, one breached → 50 %, but two clocks are too few as well.
    expect(page.get_by_test_id("kpi-sla_compliance")).to_contain_text("50%")
    page.screenshot(path="/tmp/manager-dashboard.png", full_page=False)
    page.screenshot(path=str(artifacts / "manager-dashboard.png"), full_page=False)

    # Each section has its own address: the index jumps there and the URL says so.
    index.get_by_role("link", name="趋势").click()
    expect(page).to_have_url(re.compile(r"#trends$"))
    expect(page.locator("#trends")).to_be_in_viewport()
    page.screenshot(path="/tmp/manager-dashboard-trends.png", full_page=False)
    page.goto(f"{live_server.url}/analytics/?period={quarter}#scorecard")
    expect(page.locator("#scorecard")).to_be_in_viewport()
    expect(index).to_be_in_viewport()  # the index stays at the top

    # The white paper of the quarter opens from the dashboard with its written summary.
    page.get_by_test_id("whitepaper-link").click()
    expect(page).to_have_url(re.compile(rf"/analytics/whitepaper/{quarter}/"))
    summary = page.get_by_test_id("summary")
    expect(summary).to_contain_text("本季摘要")
    expect(summary).to_contain_text("样本太少，无法判断，未作评价")
    page.screenshot(path="/tmp/manager-whitepaper.png", full_page=False)
    # One answer in the quarter: the paper says it is too little for a trend.
    experience = page.locator("#experience")
    experience.scroll_into_view_if_needed()
    expect(experience.get_by_test_id("chart-note").first).to_contain_text("数据太少，无法显示趋势")
    experience.screenshot(path="/tmp/manager-whitepaper-experience.png")

    # /compliance/ is the landing page: one held message, linked to its list.
    page.goto(f"{live_server.url}/compliance/")
    held = page.get_by_test_id("tile-held")
    expect(held).to_contain_text("1")
    page.screenshot(path="/tmp/manager-compliance.png", full_page=True)
    page.screenshot(path=str(artifacts / "manager-compliance.png"), full_page=True)
    held.click()
    expect(page).to_have_url(re.compile(r"/compliance/held/$"))
    expect(page.get_by_test_id("held-row")).to_have_count(1)


def test_an_agent_gets_no_compliance_landing_page(live_server, page: Page, agent1):
    log_in(page, live_server.url, "agent1")
    response = page.goto(f"{live_server.url}/compliance/")
    assert response is not None and response.status == 403
