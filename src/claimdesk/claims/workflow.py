"""The claim's workflow: 报案 → 资料审核 → 调查定损 → 核定 → 赔付结案 → 回访.

One table the kernel applies (``cases.services.case_transition``): each row with its guard and
the SLA clocks it starts, stops, pauses and resumes; the checks every step passes, read from
the claim itself; and what a step does after it is written (archiving on closure).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import TextChoices
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from claimdesk.cases.timeline import timeline_record
from claimdesk.cases.workflow import (
    SlaDefault,
    Transition,
    Workflow,
    requires,
    withdrawals,
)
from claimdesk.claims.held import applying, claim_held
from claimdesk.claims.models import (
    Claim,
    ClaimDecision,
    ClaimItem,
    Decision,
    DecisionStatus,
    ItemState,
)
from claimdesk.workdays.clocks import Unit

KIND = "claim"


class ClaimState(TextChoices):
    REPORTED = "reported", _("Reported")
    REVIEWING = "reviewing", _("Reviewing materials")
    AWAITING_MATERIALS = "awaiting_materials", _("Awaiting supplementary materials")
    INVESTIGATING = "investigating", _("Investigation and loss assessment")
    ADJUDICATING = "adjudicating", _("Adjudication")
    PAYING = "paying", _("Payment")
    REJECTED = "rejected", _("Rejected")
    CLOSED = "closed", _("Closed")
    FOLLOWED_UP = "followed_up", _("Followed up")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = ClaimState
FINAL = frozenset({S.FOLLOWED_UP, S.WITHDRAWN})
# Closed or withdrawn: the claim's file is frozen (结案归档).
ARCHIVED_AT = frozenset({S.CLOSED, S.WITHDRAWN})
# While the case waits on the customer for materials, neither the statutory decision clock
# nor a payment commitment already running ("N days after materials complete") counts.
WAITING_ON_MATERIALS = ("decision_statutory", "decision_ordinary", "payment", "payment_small")
PAYMENT_CLOCKS = ("payment", "payment_small")
# What a decision (approval or rejection) stops: the §23 periods and the §25 interim one.
DECISION_CLOCKS = ("decision_statutory", "decision_ordinary", "interim_payment")
# Steps that leave review: only with every core item accepted (容缺受理).
MATERIALS_GATED = frozenset({"send_to_investigation", "send_to_adjudication"})
# Steps that decide: only by applying an approved decision.
DECISION_ACTIONS = frozenset({"approve", "reject"})

INTAKE = "claims.handle_intake"
SURVEY = "claims.handle_survey"
DECIDE = "claims.decide_claim"
PAY = "claims.handle_payment"
FOLLOW_UP = "claims.handle_followup"


def payment_rule(claim: Claim) -> str:
    """Small cases get the 24-hour payment commitment, others 5 working days: the claim's
    own facts decide, never the caller's say-so."""
    return "payment_small" if claim.is_small else "payment"


def _claim(case: Any) -> Claim | None:
    # A case of kind "claim" opened without its claim row (a bare case that tests and
    # fixtures drive through the kernel) has no claim facts to check: None, as before.
    return getattr(case, "claim", None)  # a missing one-to-one raises an AttributeError


def payment_clock(case: Any, data: Mapping[str, Any]) -> str:
    claim = _claim(case)
    return payment_rule(claim) if claim is not None else "payment"


def materials_accepted(case: Any, transition: Transition, data: Mapping[str, Any]) -> str | None:
    """Claims move past review only with every core item accepted (容缺受理). Only the
    gated steps read the checklist (a claim's items hang off its case's key: no claim read);
    a bare case without a claim has none."""
    if transition.action not in MATERIALS_GATED:
        return None
    missing = list(
        ClaimItem.objects.filter(claim_id=case.pk, core=True, waived=False)
        .exclude(state=ItemState.ACCEPTED)
        .values_list("name", flat=True)
    )
    if missing:
        return gettext("Core materials not yet accepted: %(items)s.") % {
            "items": "、".join(missing)
        }
    return None


def decided_by_approved_decision(
    case: Any, transition: Transition, data: Mapping[str, Any]
) -> str | None:
    """A claim is approved or rejected only by applying an approved decision, so no call
    to the plain transition endpoint can skip the calculation, the four eyes or the limit."""
    if transition.action not in DECISION_ACTIONS:
        return None
    wanted = (
        [Decision.REJECT] if transition.action == "reject" else [Decision.APPROVE, Decision.PARTIAL]
    )
    decision = str(data.get("decision", ""))
    held = applying(case.pk)
    approved = (held is not None and str(held[0]) == decision and held[1] in wanted) or (
        decision.isdigit()
        and ClaimDecision.objects.filter(
            pk=decision,
            claim_id=case.pk,
            status=DecisionStatus.APPROVED,
            decision__in=wanted,
        ).exists()
    )
    if not approved:
        return gettext("Claims are decided by proposing a decision and having it approved.")
    return None


# What else is on file at closure, by name (the notices app adds its letters' SHA-256).
_ARCHIVE_PARTS: dict[str, Callable[[Any], list[str]]] = {}


def register_archive_part(name: str, fingerprints: Callable[[Any], list[str]]) -> None:
    """Seal ``fingerprints(case)`` under ``name`` in every closing manifest (from ``ready``)."""
    _ARCHIVE_PARTS[name] = fingerprints


def archive_on_close(*, case: Any, transition: Transition, actor: Any, now: datetime, **_: Any):
    """结案归档: when a claim closes, freeze its file and seal a manifest in the timeline.

    The manifest (decision, amount, every document's and notice's SHA-256) is a timeline
    event, so the evidence ledger chains it: what was on file at closure can be proved.
    """
    if transition.target not in ARCHIVED_AT:
        return
    try:
        claim = claim_held(case.pk)  # the action's object of the claim, if it has one
    except Claim.DoesNotExist:
        return
    if claim.archived_at is not None:
        return
    claim.archived_at = now
    claim.save(update_fields=["archived_at"])
    parts = {name: part(case) for name, part in _ARCHIVE_PARTS.items()}
    timeline_record(
        case,
        now=now,
        actor=actor,
        kind="archived",
        customer_visible=True,
        data={
            "decision": claim.decision,
            "amount": str(claim.approved_amount) if claim.approved_amount is not None else "",
            "documents": list(claim.documents.order_by("id").values_list("sha256", flat=True)),
            **parts,
        },
    )


def _sla(
    code: str, name: Any, unit: Unit, amount: str, basis: str, *, statutory: bool = False
) -> SlaDefault:
    return SlaDefault(code, name, unit, Decimal(amount), basis, statutory=statutory)


SLA_RULES = (
    _sla("contact", _("Contact the customer"), Unit.WORKING_DAYS, "1", "报案后1个工作日内联系"),
    _sla("survey_onsite", _("On-site survey"), Unit.HOURS, "48", "财产险48小时内到达现场"),
    _sla(
        "payment",
        _("Payment after materials complete"),
        Unit.WORKING_DAYS,
        "5",
        "资料齐全后5个工作日内支付",
    ),
    _sla("payment_small", _("Small-case payment"), Unit.HOURS, "24", "小额案件24小时内赔付"),
    _sla(
        "followup",
        _("Follow-up after closure"),
        Unit.WORKING_DAYS,
        "3",
        "结案后3个工作日内回访",
    ),
    _sla(
        "decision_statutory",
        _("Statutory decision (30 days from the claim)"),
        Unit.CALENDAR_DAYS,
        "30",
        "保险法第二十三条：自收到理赔申请之日起30日内作出核定",
        statutory=True,
    ),
    _sla(
        "decision_ordinary",
        _("Decision after materials complete"),
        Unit.WORKING_DAYS,
        "5",
        "人身保险理赔服务规范：一般案件资料齐全后5个工作日内作出核定",
    ),
    _sla(
        "payment_agreed",
        _("Payment after the amount is agreed"),
        Unit.CALENDAR_DAYS,
        "10",
        "保险法第二十三条：达成赔偿或者给付保险金协议后10日内履行",
        statutory=True,
    ),
    _sla(
        "rejection_notice",
        _("Rejection notice"),
        Unit.CALENDAR_DAYS,
        "3",
        "保险法第二十四条：核定之日起3日内发出拒赔通知书",
        statutory=True,
    ),
    _sla(
        "stp_review",
        _("Review of an automatic decision"),
        Unit.WORKING_DAYS,
        "2",
        "闪赔事后质检：自动核赔后2个工作日内人工复核",
    ),
    _sla(
        "interim_payment",
        _("Interim payment"),
        Unit.CALENDAR_DAYS,
        "60",
        "保险法第二十五条：60日内先予支付可确定的数额",
        statutory=True,
    ),
)

WORKFLOW = Workflow(
    kind=KIND,
    label=_("Claim"),
    number_prefix="CL",
    states=ClaimState,
    initial=S.REPORTED,
    final=FINAL,
    opening_clocks=("contact", "decision_statutory"),
    checks=(materials_accepted, decided_by_approved_decision),
    effects=(archive_on_close,),
    sla_rules=SLA_RULES,
    transitions=(
        Transition(S.REPORTED, "contact", S.REVIEWING, INTAKE, _("Contact the customer"),
                   stops=("contact",)),
        Transition(S.REVIEWING, "request_materials", S.AWAITING_MATERIALS, INTAKE,
                   _("Request supplementary materials"), guard=requires("items"),
                   pauses=WAITING_ON_MATERIALS),
        Transition(S.ADJUDICATING, "request_materials", S.AWAITING_MATERIALS, DECIDE,
                   _("Request supplementary materials"), guard=requires("items"),
                   pauses=WAITING_ON_MATERIALS),
        Transition(S.AWAITING_MATERIALS, "materials_received", S.REVIEWING, INTAKE,
                   _("Supplementary materials received"), resumes=WAITING_ON_MATERIALS),
        Transition(S.REVIEWING, "send_to_investigation", S.INVESTIGATING, INTAKE,
                   _("Materials complete: investigate"),
                   starts=(payment_clock, "interim_payment", "decision_ordinary")),
        Transition(S.REVIEWING, "send_to_adjudication", S.ADJUDICATING, INTAKE,
                   _("Materials complete: adjudicate"),
                   starts=(payment_clock, "interim_payment", "decision_ordinary")),
        Transition(S.INVESTIGATING, "assessment_done", S.ADJUDICATING, SURVEY,
                   _("Loss assessment done")),
        Transition(S.ADJUDICATING, "approve", S.PAYING, DECIDE, _("Approve"),
                   stops=DECISION_CLOCKS, starts=("payment_agreed",)),
        Transition(S.ADJUDICATING, "reject", S.REJECTED, DECIDE, _("Reject"),
                   guard=requires("reason"), stops=DECISION_CLOCKS,
                   cancels=PAYMENT_CLOCKS, starts=("rejection_notice",)),
        Transition(S.REJECTED, "send_rejection_notice", S.CLOSED, DECIDE,
                   _("Send rejection notice"), stops=("rejection_notice",),
                   starts=("followup",)),
        Transition(S.PAYING, "confirm_payment", S.CLOSED, PAY, _("Payment confirmed"),
                   stops=(*PAYMENT_CLOCKS, "payment_agreed"), starts=("followup",)),
        Transition(S.CLOSED, "follow_up", S.FOLLOWED_UP, FOLLOW_UP, _("Follow-up done"),
                   stops=("followup",)),
        *withdrawals(ClaimState, FINAL | {S.CLOSED}, INTAKE),
    ),
)  # fmt: skip
