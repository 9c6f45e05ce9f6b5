"""The service-desk scenarios: tickets (inquiries, complaints with their root-cause analysis,
green-channel requests, objections to decided claims) and policy-service and underwriting
requests, each taken through its workflow until it stops where the plan says."""

from __future__ import annotations

from typing import TYPE_CHECKING

from claimdesk.demo.content import RCA_BY_TOPIC, TICKET_CATEGORIES, TICKET_TOPICS
from claimdesk.demo.story import Story

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


def request_story(pl: Planner, kind: str, titles: tuple[str, ...], target: str) -> Story:
    """A policy-service or underwriting request at the counter that stops in ``target``."""
    rng = pl.rng
    prefix = "保全" if kind == "policy_service" else "核保"
    story = Story(pl.start(), kind=kind)
    story.open(
        actor=pl.p["underwriter1"],
        customer=pl.customer(),
        title=f"{prefix} {rng.choice(titles)}",
        channel="counter",
    )
    if target == "withdrawn":
        story.wait(pl.hours(2, 48)).act("withdraw", reason="客户撤回申请")
    elif target != "submitted":
        story.wait(pl.hours(1, 30)).act("review")
        if target == "approved":
            story.wait(pl.hours(4, 72)).act("approve", decision="同意")
        elif target == "declined":
            story.wait(pl.hours(4, 72)).act("decline", reason="超出核保权限范围且风险不可接受")
    assert story.planned == target, (kind, target, story.planned)
    pl.place(story, (0, 3) if target in ("submitted", "reviewing") else (1, 80))
    return story
