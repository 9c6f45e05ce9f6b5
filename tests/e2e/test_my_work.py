"""agent1 logs in and finds their work ordered by urgency, with live countdowns."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from claimdesk.cases import services
from claimdesk.cases.models import Case
from tests.claims import conftest as claims_conftest
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.e2e,
    # serialized_rollback: the flush after a transactional test empties every table, also
    # the SLA rules a data migration seeded; this restores them for the test.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

auto_policy = claims_conftest.auto_policy
COUNTDOWN = r"(\d+天 )?\d{2}:\d{2}:\d{2}"


@pytest.fixture
def agents_work(agent1, agent2, customer1):
    """agent1's queue: four cases whose nearest clocks differ; agent2 owns one more."""
    now = timezone.now()

    def claim(title, ago, actor=agent1):
        return services.case_open(
            kind="claim", title=title, actor=actor, customer=customer1, now=now - ago
        )

    # Contact (1 working day) missed a week ago: overdue.
    overdue = claim("车险 追尾事故 沪A12345", timedelta(days=8))
    # Inquiry reply: 2 business hours, sooner than any working-day clock started now.
    inquiry = services.case_open(
        kind="ticket",
        category="inquiry",
        title="咨询 理赔进度查询",
        actor=agent1,
        customer=customer1,
        now=now - timedelta(minutes=30),
    )
    # Contact, end of the next working day.
    fresh = claim("重疾险 甲状腺癌 确诊理赔", timedelta(minutes=10))
    # Contacted: what is left is the statutory 30 days, about three weeks away.
    reviewing = claim("医疗险 阑尾炎手术", timedelta(days=10))
    services.case_transition(
        case=reviewing, action="contact", actor=agent1, now=now - timedelta(days=10)
    )
    claim("家财险 台风 屋顶受损（agent2 的案件）", timedelta(days=9), actor=agent2)
    return [overdue.number, inquiry.number, fresh.number, reviewing.number]


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    expect(page.locator("h1")).to_have_text("登录")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_my_work_is_ordered_by_urgency_with_live_countdowns(
    live_server, page: Page, agents_work, artifacts
):
    log_in(page, live_server.url, "agent1")

    expect(page).to_have_url(f"{live_server.url}/work/")
    expect(page.locator("h1")).to_have_text("我的工作")
    rows = page.get_by_test_id("work-row")
    expect(rows).to_have_count(4)
    assert [rows.nth(i).get_attribute("data-case") for i in range(4)] == agents_work
    assert "agent2" not in page.content()

    first, last = rows.nth(0), rows.nth(3)
    expect(first).to_have_class(re.compile(r"\boverdue\b"))
    expect(first.locator("td.countdown")).to_have_text(re.compile(rf"^已超时 {COUNTDOWN}$"))
    for i in (1, 2):
        expect(rows.nth(i).locator("td.countdown")).to_have_text(re.compile(rf"^{COUNTDOWN}$"))
    # About three weeks: 30 days from ten days ago, later when the 30th day is a holiday.
    due = Case.objects.get(number=agents_work[3]).next_due_at
    days = (due - timezone.now()).days
    assert 19 <= days <= 28
    expect(last.locator("td.countdown")).to_have_text(
        re.compile(rf"^({days}|{days - 1})天 \d{{2}}:\d{{2}}:\d{{2}}$")
    )
    expect(last).to_have_class(re.compile(r"\blater\b"))

    # The countdown is live: the script moves it every second.
    before = rows.nth(1).locator("td.countdown").inner_text()
    expect(rows.nth(1).locator("td.countdown")).not_to_have_text(before, timeout=5_000)

    page.screenshot(path=str(artifacts / "my_work.png"), full_page=True)


def test_from_my_work_to_a_case_and_an_action(live_server, page: Page, agents_work, artifacts):
    log_in(page, live_server.url, "agent1")
    page.get_by_role("link", name=agents_work[0]).click()

    expect(page.get_by_test_id("case-status")).to_have_text("已报案")
    clocks = page.get_by_test_id("clocks")
    expect(clocks.locator('tr[data-rule="contact"] td.countdown')).to_have_text(
        re.compile(rf"^已超时 {COUNTDOWN}$")
    )
    expect(page.get_by_test_id("timeline")).to_contain_text("立案")

    page.get_by_role("button", name="联系客户").click()
    expect(page.get_by_test_id("case-status")).to_have_text("资料审核")
    expect(page.get_by_test_id("messages")).to_contain_text("资料审核")
    expect(clocks.locator('tr[data-rule="contact"]')).to_have_attribute("data-state", "breached")

    # The form asks for what the action needs before it goes anywhere.
    withdraw = page.locator('form:has(button[data-action="withdraw"])')
    expect(withdraw.get_by_label("原因")).to_have_attribute("required", "")

    # A stale page: someone else moved the case meanwhile. The refusal is said, not a 500.
    case = Case.objects.get(number=agents_work[0])
    services.case_transition(
        case=case,
        action="request_materials",
        actor=case.owner,
        now=timezone.now(),
        data={"items": "事故认定书"},
    )
    page.get_by_role("button", name="资料齐全：转核定").click()
    expect(page.get_by_role("alert")).to_contain_text("待补充材料")
    expect(page.get_by_test_id("case-status")).to_have_text("待补充材料")
    expect(page.get_by_test_id("timeline")).to_contain_text("事故认定书")
    page.screenshot(path=str(artifacts / "case_detail.png"), full_page=True)


@pytest.fixture
def overdue_payment(auto_policy, agent1, adjuster1, adjuster2, finance1, customer1):
    """A claim decided by adjuster2 and adjuster1 and handed to finance1, whose 24-hour
    payment clock ran out two days ago; and a proposal of adjuster2's for adjuster1 to sign,
    on a clock also run out."""
    from claimdesk.policies.models import BankAccount
    from tests.payments.conftest import ACCOUNT, claim_in_paying
    from tests.web.test_work_queues import _auto_claim_in_adjudication, _proposed_by

    BankAccount.objects.create(
        owner=customer1,
        bank_name="中国工商银行",
        account_name="张三",
        account_number=ACCOUNT,
        is_default=True,
    )
    past = timezone.now() - timedelta(days=3)
    paying = claim_in_paying(
        owner=agent1, adjuster=adjuster2, approver=adjuster1, finance=finance1, now=past
    )
    pending = _auto_claim_in_adjudication(agent1, adjuster2, now=past)
    _proposed_by(adjuster2, pending, past)
    return paying, pending


@pytest.mark.parametrize(
    ("who", "what"),
    [("finance1", "发出付款指令"), ("adjuster1", "审批理赔决定")],
)
def test_an_overdue_row_is_red_with_its_rule_and_what_is_due(
    live_server, page: Page, overdue_payment, artifacts, who, what
):
    log_in(page, live_server.url, who)
    expect(page).to_have_url(f"{live_server.url}/work/")
    row = page.get_by_test_id("work-row").first
    expect(row).to_have_class(re.compile(r"\boverdue\b"))
    expect(row.locator("td.what")).to_have_text(re.compile(rf"^{what}"))
    expect(row.locator("td.rule")).to_contain_text("小额快赔")
    expect(row.locator("td.countdown")).to_have_text(re.compile(rf"^已超时 {COUNTDOWN}$"))
    colour = row.locator("td.countdown").evaluate("el => getComputedStyle(el).color")
    assert colour == "rgb(185, 28, 28)"  # --bad: red
    page.screenshot(path=str(artifacts / f"my_work_{who}.png"), full_page=True)
    if who == "finance1":
        page.goto(f"{live_server.url}/payments/")
        pay = page.get_by_test_id("pay-row").first
        expect(pay).to_have_class(re.compile(r"\boverdue\b"))
        expect(pay.locator("td.rule")).to_contain_text("小额快赔")
        page.screenshot(path=str(artifacts / "payments.png"), full_page=True)
