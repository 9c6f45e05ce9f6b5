"""The service-desk scenarios: tickets (inquiries, complaints with their root-cause analysis,
green-channel requests, objections to decided claims) and policy-service and underwriting
requests, each taken through its workflow until it stops where the plan says."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from claimdesk.cases.models import TaskStatus
from claimdesk.cases.services import case_transition
from claimdesk.demo.content import RCA_BY_TOPIC, TICKET_CATEGORIES, TICKET_TOPICS
from claimdesk.demo.story import Story
from claimdesk.servicing.rules import CHECKLISTS
from claimdesk.workdays.clocks import to_local

if TYPE_CHECKING:
    from claimdesk.demo.planner import Planner

TICKET_LABELS = {"inquiry": "咨询", "complaint": "投诉", "green": "绿色通道", "objection": "异议"}
# Hours to the first reply: quick mostly (80 %), else slow; then to the solution.
QUICK_REPLY = {
    "inquiry": (0.2, 2.5),
    "green": (0.1, 0.45),
    "complaint": (1, 20),
    "objection": (1, 30),
}
SLOW_REPLY = {"inquiry": (3, 20), "green": (0.6, 2), "complaint": (24, 60), "objection": (40, 90)}
SOLVE = {
    "inquiry": (0.2, 6),
    "green": (3, 30),
    "complaint": (24 * 2, 24 * 18),
    "objection": (24, 24 * 5),
}


def ticket_story(pl: Planner, category: str, target: str) -> Story:
    """One ticket of ``category`` that stops in ``target`` (a ticket workflow state)."""
    rng = pl.rng
    customer = pl.customer()
    portal = rng.random() < 0.3
    subject = rng.choice(TICKET_CATEGORIES[category])
    story = Story(pl.start(), kind="ticket")
    story.ticket_open(
        customer=customer,
        actor=customer if portal else pl.agent(),
        category=category,
        subject=f"{TICKET_LABELS[category]} {subject}",
        channel="portal" if portal else "hotline",
        topic=TICKET_TOPICS.get(subject, "other"),
        green_reason=(
            ("critical_illness" if "重疾" in subject or "心梗" in subject else "accident")
            if category == "green"
            else ""
        ),
        pick=rng.random(),
    )
    if target == "new":
        pl.place(story, (0, 0.3) if category in ("inquiry", "green") else (0, 4))
    elif not _ticket_reply(pl, story, category, target):
        _ticket_solve(pl, story, category, target, subject)
    assert story.planned == target, (category, target, story.planned)
    return story


def _ticket_reply(pl: Planner, story: Story, category: str, target: str) -> bool:
    """The first reply (most tickets get one), perhaps a question to the customer and their
    answer. True when the ticket stops here (waiting for the customer, or in progress)."""
    rng = pl.rng
    lo, hi = QUICK_REPLY[category] if rng.random() < 0.8 else SLOW_REPLY[category]
    if target == "closed" and rng.random() >= 0.8:
        return False  # resolved without a reply first
    story.wait(pl.hours(lo, hi)).ticket_step("reply", message="您好，已收到，正在为您处理")
    if category in ("complaint", "objection") and (
        target == "waiting_customer" or rng.random() < 0.3
    ):
        story.wait(pl.hours(2, 48)).ticket_step("ask_customer", message="请补充相关凭证")
        if target == "waiting_customer":
            pl.place(story, (0, 6))
            return True
        story.wait(pl.hours(12, 24 * 5)).ticket_step("customer", message="已补充凭证")
    if target == "in_progress":
        pl.place(story, (0, 3) if category != "inquiry" else (0, 0.5))
        return True
    return False


def _ticket_solve(pl: Planner, story: Story, category: str, target: str, subject: str) -> None:
    """Resolved (a complaint with its root-cause analysis), then closed."""
    story.wait(pl.hours(*SOLVE[category]))
    if category == "complaint":
        story.ticket_step("rca", **RCA_BY_TOPIC[TICKET_TOPICS.get(subject, "other")])
    story.ticket_step("resolve", resolution="已向客户说明处理结果及依据")
    if target == "resolved":
        pl.place(story, (0, 2))
        return
    story.wait(pl.hours(2, 72)).ticket_step("close")
    pl.place(story, (1, 80))


# What each demo title asks for (保全 item and its details).
SERVICE_ASKS: dict[str, tuple[str, dict[str, Any]]] = {
    "变更联系方式": ("contact", {"address": "上海市浦东新区张杨路 500 号 12 楼"}),
    "变更缴费账户": (
        "bank_account",
        {"bank_name": "中国建设银行", "account_name": "", "account_number": "6217001234567890"},
    ),
    "变更受益人": (
        "beneficiary",
        {
            "beneficiaries": [
                {"name": "王丽", "share": "60", "relation": "配偶"},
                {"name": "王小明", "share": "40", "relation": "子女"},
            ]
        },
    ),
    "退保申请": ("surrender", {}),
}


def service_story(pl: Planner, titles: tuple[str, ...], target: str) -> Story:
    """A 保全 request taken at the counter by underwriter1 through the servicing services,
    stopping in ``target``; a surrender (the only item that is paid) is on a policy of its
    own, so no demo claim meets a policy that has ended."""
    from claimdesk.servicing import services as servicing

    rng = pl.rng
    paid = target in ("paying", "paid")
    changes = [t for t in titles if t in SERVICE_ASKS and SERVICE_ASKS[t][0] != "surrender"]
    title = "退保申请" if paid else rng.choice(changes)
    item, details = SERVICE_ASKS[title]
    customer = pl.customer()
    clerk, senior = pl.p["underwriter1"], pl.p["manager1"]
    pl.service_requests += 1
    n = pl.service_requests
    held: dict[str, Any] = {}
    story = Story(pl.start(), kind="policy_service")

    def open_(now: datetime) -> None:
        policy = _policy_for(pl, customer, item, now, n)
        asked = _asked_by(item, details, customer, n)
        held["request"] = servicing.request_open(
            policy=policy, item=item, details=asked, actor=clerk, now=now
        )
        story.case = held["request"].case

    def review(now: datetime) -> None:
        assert story.case is not None
        story.case = case_transition(case=story.case, action="review", actor=clerk, now=now)

    def materials(now: datetime) -> None:
        request = held["request"]
        codes = [m.code for m in CHECKLISTS[item]]
        held["request"] = servicing.materials_receive(
            request=request, codes=codes, actor=clerk, now=now
        )

    def approve(now: datetime) -> None:
        held["request"] = servicing.request_approve(request=held["request"], actor=senior, now=now)

    def pay(now: datetime) -> None:
        # The surrender value goes through the payment flow: finance sends the transfer the
        # approval instructed and records the bank's confirmation.
        from claimdesk.payments.models import Payment
        from claimdesk.payments.services import payment_confirm, payment_send

        request = held["request"]
        task = request.case.tasks.filter(status=TaskStatus.OPEN, kind="payment").last()
        finance = task.assignee if task is not None else pl.p["finance1"]
        payment = Payment.objects.get(case_id=request.pk, purpose="surrender")
        payment_send(payment=payment, actor=finance, now=now, bank_ref="TX" + str(n))
        payment_confirm(payment=payment, actor=finance, now=now)

    def decline(now: datetime) -> None:
        servicing.request_decline(
            request=held["request"], actor=clerk, now=now, reason="所附身份证明与投保人信息不符"
        )

    story.do("open", open_)
    if target == "withdrawn":
        story.wait(pl.hours(2, 48)).act("withdraw", actor=clerk, reason="客户撤回申请")
    elif target != "submitted":
        story.wait(pl.hours(1, 30)).do("review", review, "review")
        if target == "declined":
            story.wait(pl.hours(4, 48)).do("decline", decline, "decline")
        elif target != "reviewing":
            story.wait(pl.hours(2, 48)).do("materials", materials, "materials_complete")
            if target != "complete":
                moves = "approve_surrender" if item == "surrender" else "approve"
                story.wait(pl.hours(4, 72)).do("approve", approve, moves)
                if target == "paid":
                    story.wait(pl.hours(4, 96)).do("pay", pay, "confirm_payment")
    assert story.planned == target, ("policy_service", target, story.planned)
    pl.place(story, (0, 3) if target in ("submitted", "reviewing", "complete") else (1, 80))
    return story


def _asked_by(item: str, details: dict[str, Any], customer, n: int) -> dict[str, Any]:
    """The demo's ``n``-th request asks for something of its own: two approved requests on
    one policy never ask for the same change (an endorsement must change something)."""
    asked = dict(details)
    if item == "contact":
        asked["address"] = f"上海市浦东新区张杨路 500 号 {n} 楼"
    elif item == "bank_account":
        asked["account_name"] = customer.first_name
        asked["account_number"] = f"62170012345{n:05d}"
    elif item == "beneficiary":
        first = 50 + n % 41
        spouse, child = details["beneficiaries"]
        asked["beneficiaries"] = [
            {**spouse, "share": str(first)},
            {**child, "share": str(100 - first)},
        ]
    return asked


def _policy_for(pl: Planner, customer, item: str, now: datetime, n: int):
    """The customer's policy a request is about: for a surrender a policy of its own."""
    from claimdesk.policies.demo import demo_policy, demo_products

    if item != "surrender":
        held = [p for line in pl.policies.values() for p in line if p.holder_id == customer.pk]
        if held:
            return pl.rng.choice(held)
    start = (to_local(now) - timedelta(days=200)).date()  # in force, past its cooling-off
    return demo_policy(
        number=f"PSV{start:%Y}{n:05d}",
        holder=customer,
        line="critical_illness",
        start=start,
        insured_name=customer.first_name,
        products=demo_products(),
    )
