"""Straight-through small claims (闪赔): check every rule when a claim's last material has been
read, decide it automatically with the same calculation a person's decision uses, instruct its
payment and tell the customer; else leave it with its owner, the failed rules shown. A sample
of the automatic decisions is reviewed by a person afterwards.

Every write is one business action through the claims, documents and payments services, by
the system actor (``system_actor``): the timeline, the evidence ledger, the limits and the
payment's once-only guarantees are exactly a person's.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from claimdesk.cases.models import Case, CaseEvent, Task, TaskStatus
from claimdesk.cases.services import (
    CaseError,
    GuardFailed,
    IllegalTransition,
    NotAllowed,
    case_transition,
    deadline_start,
    deadline_stop,
    task_assign,
    task_complete,
)
from claimdesk.cases.timeline import case_action, timeline_record
from claimdesk.claims.events import DecisionRevised
from claimdesk.claims.models import Claim, ClaimDecision, ClaimItem, ItemState
from claimdesk.claims.rules import Flag
from claimdesk.claims.selectors import claim_review_flags
from claimdesk.claims.services import (
    ItemCorrection,
    LimitsChanged,
    NotAutomatic,
    claim_item_set_state,
    decision_automatic,
    decision_revise,
    loss_item_add,
    revision_calculation,
)
from claimdesk.claims.workflow import ClaimState
from claimdesk.compliance.services import message_gate
from claimdesk.documents.models import Document, OcrStatus
from claimdesk.investigation.models import Survey, SurveyStatus
from claimdesk.investigation.selectors import text_hits
from claimdesk.notify.services import notification_queue
from claimdesk.payments.services import payee_account, payment_instruct, payment_revise
from claimdesk.policies.models import Coverage, InsuredPerson, Policy
from claimdesk.policies.rules import mask_account
from claimdesk.policies.selectors import policy_as_of
from claimdesk.recoveries.services import recovery_open_overpayment
from claimdesk.staff.roles import Role
from claimdesk.stp import defaults, rules
from claimdesk.stp.models import (
    Outcome,
    ReviewStatus,
    StpCheck,
    StpLine,
    StpReview,
    StpSettings,
)
from claimdesk.stp.rules import Result, Rule
from claimdesk.types import Actor
from claimdesk.workdays.clocks import to_local

log = logging.getLogger(__name__)
User = get_user_model()

SYSTEM_USERNAME = "claimdesk-stp"
SYSTEM_NAME = "闪赔自动核赔"
# What the system does on a claim it decides: the same permissions a person would need,
# held by the account itself (no role: it never appears in a role's pool of people).
SYSTEM_ROLES = (Role.AGENT, Role.ADJUSTER, Role.FINANCE, Role.ADMIN)
REVIEW_PERMISSION = "compliance.score_quality"
REVIEW_TASK = "stp_review"
# Only a claim nobody has started on is decided straight through.
OPEN_STATES = frozenset({ClaimState.REPORTED, ClaimState.REVIEWING})


def system_actor() -> Actor:
    """The account automatic decisions are made and recorded by (created on first use,
    without a password: nobody signs in as it). Work permissions come from roles only
    (segregation of duties), so it holds the roles whose work it does: intake (agent),
    deciding and handing tasks on (adjuster), the payment instruction (finance) and sight
    of every case (admin)."""
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        try:
            with transaction.atomic():
                user = User(username=SYSTEM_USERNAME, first_name=SYSTEM_NAME)
                user.set_unusable_password()
                user.save()
        except IntegrityError:  # created at the same moment by another worker
            user = User.objects.get(username=SYSTEM_USERNAME)
    if not user.groups.exists():  # new, or made before roles alone gave work permissions
        user.groups.add(*Group.objects.filter(name__in=[r.value for r in SYSTEM_ROLES]))
    return user


def is_system(user: Any) -> bool:
    return getattr(user, "username", None) == SYSTEM_USERNAME


# --- the admin's settings for a claim ------------------------------------------------------------


@dataclass(frozen=True)
class LineTerms:
    enabled: bool
    limit: Decimal | None
    coverage_code: str
    materials: tuple[str, ...]


def line_terms(product_code: str, loss_type: str) -> LineTerms:
    """The product's row, falling back field by field to the line's row for every product;
    no row at all: switched off."""
    rows = {
        r.product_code: r
        for r in StpLine.objects.filter(loss_type=loss_type, product_code__in=["", product_code])
    }
    if not rows and not StpLine.objects.exists():  # nothing saved yet: the shipped lines
        rows = {
            code: StpLine(
                product_code=code,
                loss_type=line,
                small_claim_limit=limit,
                coverage_code=coverage,
                materials=materials,
            )
            for code, line, limit, coverage, materials in defaults.LINES
            if line == loss_type and code in ("", product_code)
        }
    own, every = rows.get(product_code) if product_code else None, rows.get("")
    if own is None and every is None:
        return LineTerms(False, rules.small_claim_limit(loss_type, None), "", ())
    first = own or every
    assert first is not None

    def pick(name: str):
        for row in (own, every):
            if row is not None and getattr(row, name) not in (None, ""):
                return getattr(row, name)
        return None

    return LineTerms(
        enabled=first.enabled,
        limit=rules.small_claim_limit(loss_type, pick("small_claim_limit")),
        coverage_code=pick("coverage_code") or "",
        materials=tuple(c.strip() for c in (pick("materials") or "").split(",") if c.strip()),
    )


# --- the facts and the rules ---------------------------------------------------------------------


def required_items(claim: Claim, terms: LineTerms) -> list[ClaimItem]:
    """The items a small claim of this line needs: the line's materials on the checklist,
    else every core item."""
    items = list(claim.items.all())
    if terms.materials:
        wanted = [i for i in items if i.code in terms.materials]
        if wanted:
            return wanted
    return [i for i in items if i.core and not i.waived]


def _invoice_documents(claim: Claim) -> list[Document]:
    return [
        d
        for d in claim.documents.order_by("id")
        if (d.kind or d.suggested_item) in rules.INVOICE_ITEMS
    ]


def ready(claim: Claim, terms: LineTerms) -> bool:
    """The last material's OCR has completed: every needed item is in, an invoice among
    them, and no document of the claim is still waiting to be read."""
    items = required_items(claim, terms)
    if not items or any(i.state not in (ItemState.RECEIVED, ItemState.ACCEPTED) for i in items):
        return False
    if claim.documents.filter(ocr_status=OcrStatus.PENDING).exists():
        return False
    return bool(_invoice_documents(claim))


def _invoice(doc: Document) -> rules.Invoice:
    fields = doc.confirmed_fields if doc.confirmed_fields is not None else doc.ocr_fields
    confidence = (
        dict.fromkeys((doc.confirmed_fields or {}), 1.0)
        if doc.confirmed_fields is not None
        else doc.ocr_confidence
    )
    return rules.Invoice(
        label=_("document %(id)s") % {"id": doc.pk}, fields=fields or {}, confidence=confidence
    )


def _coverage(claim: Claim, terms: LineTerms) -> Coverage | None:
    coverages = list(Coverage.objects.filter(product_id=claim.policy.product_id))
    if terms.coverage_code:
        return next((c for c in coverages if c.code == terms.coverage_code), None)
    return coverages[0] if len(coverages) == 1 else None


def _under_investigation(claim: Claim) -> list[str]:
    """The customer's other open claims of the same kind of loss being investigated (in
    investigation, or with a surveyor sent), by number. A medical investigation concerns the
    person's health, which a new medical claim rests on too; a car's loss assessment (定损)
    at the garage says nothing about an outpatient invoice, and does not stop it."""
    holder = claim.policy.holder_id
    others = Claim.objects.filter(
        policy__holder_id=holder, case__is_open=True, loss_type=claim.loss_type
    ).exclude(pk=claim.pk)
    surveyed = Survey.objects.filter(claim__in=others, status=SurveyStatus.ASSIGNED).values_list(
        "claim_id", flat=True
    )
    return list(
        others.filter(Q(case__status=ClaimState.INVESTIGATING) | Q(pk__in=surveyed))
        .values_list("case__number", flat=True)
        .distinct()
    )


def evaluate(claim: Claim, terms: LineTerms, settings: StpSettings) -> list[Result]:
    """Every rule, in order, each with its result and the reason a person reads."""
    out: list[Result] = []
    loss_day = to_local(claim.loss_time).date()
    policy = claim.policy
    product = policy.product
    out.append(
        rules.passed(Rule.ENABLED, f"{product.name}（{claim.get_loss_type_display()}）")
        if terms.enabled
        else rules.failed(
            Rule.ENABLED,
            _("Switched off for %(product)s (%(line)s).")
            % {"product": product.name, "line": claim.get_loss_type_display()},
        )
    )
    as_of = policy_as_of(policy, loss_day)
    in_term = as_of.start <= loss_day <= as_of.end
    if as_of.status == Policy.Status.ACTIVE and in_term:
        out.append(rules.passed(Rule.IN_FORCE, f"{as_of.start} – {as_of.end}"))
    else:
        out.append(
            rules.failed(
                Rule.IN_FORCE,
                _("The policy was not in force on %(day)s.") % {"day": loss_day.isoformat()},
            )
        )
    coverage = _coverage(claim, terms)
    if coverage is None:
        out.append(rules.failed(Rule.WAITING_PERIOD, _("No coverage to pay the invoices under.")))
    else:
        ends = as_of.start.toordinal() + coverage.waiting_days
        if loss_day.toordinal() >= ends:
            out.append(
                rules.passed(
                    Rule.WAITING_PERIOD,
                    _("%(name)s: %(days)s days")
                    % {"name": coverage.name, "days": coverage.waiting_days},
                )
            )
        else:
            out.append(
                rules.failed(
                    Rule.WAITING_PERIOD,
                    _("Loss within the %(days)s-day waiting period of %(name)s.")
                    % {"days": coverage.waiting_days, "name": coverage.name},
                )
            )
    insured = InsuredPerson.objects.filter(policy=policy, name=claim.insured_name).exists()
    out.append(
        rules.passed(Rule.INSURED, claim.insured_name)
        if insured
        else rules.failed(
            Rule.INSURED,
            _("%(name)s is not insured by the policy.") % {"name": claim.insured_name},
        )
    )
    out.append(rules.check_small(claim.estimated_amount, terms.limit))
    items = required_items(claim, terms)
    missing = [i.name for i in items if i.state not in (ItemState.RECEIVED, ItemState.ACCEPTED)]
    out.append(
        rules.failed(Rule.MATERIALS, "、".join(missing))
        if missing
        else rules.passed(Rule.MATERIALS, "、".join(i.name for i in items))
    )
    invoices = [_invoice(d) for d in _invoice_documents(claim)]
    out.append(rules.check_confidence(invoices, claim.loss_type, settings.min_ocr_confidence))
    out.append(
        rules.check_consistent(
            invoices,
            loss_type=claim.loss_type,
            reported_amount=claim.estimated_amount,
            loss_day=loss_day,
            insured_name=claim.insured_name,
            report_text=" ".join((claim.loss_place, claim.loss_cause, claim.description)),
            invoice_days=settings.invoice_days,
        )
    )
    flags = claim_review_flags(claim)
    red = [f for f in flags if f["code"] != Flag.POSSIBLE_DUPLICATE]
    out.append(
        rules.failed(Rule.RED_FLAGS, "；".join(str(f["reason"]) for f in red))
        if red
        else rules.passed(Rule.RED_FLAGS)
    )
    hits = text_hits(claim)
    out.append(
        rules.failed(
            Rule.TEXT_HITS,
            "；".join(f"{h.kind_label}: {h.term} ({h.source_label})" for h in hits),
        )
        if hits
        else rules.passed(Rule.TEXT_HITS)
    )
    duplicates = list(claim.possible_duplicates.values_list("case__number", flat=True))
    if duplicates or any(f["code"] == Flag.POSSIBLE_DUPLICATE for f in flags):
        out.append(
            rules.failed(
                Rule.DUPLICATE,
                _("Looks like the same event as %(claims)s.")
                % {"claims": "、".join(duplicates) or "—"},
            )
        )
    else:
        out.append(rules.passed(Rule.DUPLICATE))
    investigated = _under_investigation(claim)
    out.append(
        rules.failed(
            Rule.INVESTIGATION,
            _("Other claims under investigation: %(claims)s.")
            % {"claims": "、".join(investigated)},
        )
        if investigated
        else rules.passed(Rule.INVESTIGATION)
    )
    try:
        account = payee_account(claim)
    except CaseError as exc:
        out.append(rules.failed(Rule.ACCOUNT, exc.message))
    else:
        out.append(rules.passed(Rule.ACCOUNT, mask_account(account.account_number)))
    return out


# --- deciding ------------------------------------------------------------------------------------


def _last_upload(claim: Claim) -> datetime | None:
    return claim.documents.aggregate(at=Max("uploaded_at"))["at"]


def _record(
    claim: Claim,
    results: list[Result],
    *,
    outcome: str,
    now: datetime,
    decision: ClaimDecision | None = None,
) -> StpCheck:
    payload = [r.as_dict() for r in results]
    check = StpCheck.objects.select_for_update().filter(claim=claim).first()
    if check is None:
        return StpCheck.objects.create(
            claim=claim,
            outcome=outcome,
            results=payload,
            checked_at=now,
            last_upload_at=_last_upload(claim),
            decision=decision,
        )
    check.outcome, check.results, check.checked_at = outcome, payload, now
    check.last_upload_at, check.decision = _last_upload(claim), decision
    check.runs += 1
    check.save()
    return check


def stp_consider(*, claim_id: int, now: datetime) -> StpCheck | None:
    """Check a claim whose material has just been read; decide it or route it to a person.

    Idempotent: a claim decided, or no longer new, or whose materials are not all read yet,
    is left as it is (None or its check). Runs as a task after the OCR's commit.
    """
    claim = (
        Claim.objects.select_related("case", "policy__product", "policy__holder")
        .filter(pk=claim_id)
        .first()
    )
    if claim is None or claim.case.status not in OPEN_STATES or claim.decision:
        return None
    done = StpCheck.objects.filter(claim=claim, outcome=Outcome.AUTOMATIC).first()
    if done is not None:
        return done
    terms = line_terms(claim.policy.product.code, claim.loss_type)
    if not ready(claim, terms):
        log.info("claim %s not ready for the straight-through check (%s)", claim.number, terms)
        return None
    settings = StpSettings.current()
    results = evaluate(claim, terms, settings)
    if all(r.passed for r in results):
        try:
            return _decide(claim, terms, results, now=now)
        except (NotAutomatic, LimitsChanged, GuardFailed, IllegalTransition, NotAllowed) as exc:
            results.append(rules.failed(Rule.CALCULATION, exc.message))
    return _route(claim, results, now=now)


def _route(claim: Claim, results: list[Result], *, now: datetime) -> StpCheck:
    """Leave the claim with its owner, every failed rule shown on the claim page."""
    with transaction.atomic(), case_action():
        case = Case.objects.select_for_update(no_key=True).get(pk=claim.pk)
        before = StpCheck.objects.filter(claim=claim).values_list("results", flat=True).first()
        check = _record(claim, results, outcome=Outcome.PERSON, now=now)
        failed = [r.as_dict() for r in results if not r.passed]
        if before is None or [r for r in before if not r.get("passed")] != failed:
            timeline_record(
                case,
                now=now,
                actor=None,
                kind="stp_routed",
                data={"failed": [{"code": f["code"], "detail": f["detail"]} for f in failed]},
            )
            if case.owner_id:
                notification_queue(
                    recipient=case.owner,
                    case=case,
                    kind="stp_routed",
                    now=now,
                    subject=_("Claim %(number)s needs a person: %(rules)s")
                    % {"number": case.number, "rules": "、".join(str(f["label"]) for f in failed)},
                )
    return check


def _decide(claim: Claim, terms: LineTerms, results: list[Result], *, now: datetime) -> StpCheck:
    """Every step a person would take, as the system, in one transaction: contact, the
    materials accepted (the line's other core items waived), to adjudication, a loss item
    per invoice, the automatic decision, the payment instruction, the customer told."""
    actor = system_actor()
    with transaction.atomic(), case_action():
        case = Case.objects.select_for_update(no_key=True).get(pk=claim.pk)
        if StpCheck.objects.filter(claim=claim, outcome=Outcome.AUTOMATIC).exists():
            return StpCheck.objects.get(claim=claim)
        if case.status == ClaimState.REPORTED:
            case = case_transition(case=case, action="contact", actor=actor, now=now)
        needed = {i.pk for i in required_items(claim, terms)}
        waived = [
            i
            for i in claim.items.filter(core=True, waived=False)
            if i.pk not in needed and i.state in (ItemState.MISSING, ItemState.RETURNED)
        ]
        if waived:
            ClaimItem.objects.filter(pk__in=[i.pk for i in waived]).update(
                waived=True, updated_at=now
            )
            timeline_record(
                case,
                now=now,
                actor=actor,
                kind="items_waived",
                customer_visible=True,
                data={"items": [i.name for i in waived]},
            )
        for item in claim.items.filter(core=True, state=ItemState.RECEIVED).order_by("id"):
            claim_item_set_state(item=item, state=ItemState.ACCEPTED, actor=actor, now=now)
        case_transition(case=case, action="send_to_adjudication", actor=actor, now=now)
        coverage = _coverage(claim, terms)
        assert coverage is not None  # the waiting-period rule passed
        for doc in _invoice_documents(claim):
            fields = _invoice(doc).fields
            loss_item_add(
                claim=claim,
                actor=actor,
                now=now,
                coverage=coverage.code,
                label=" ".join(
                    p
                    for p in (
                        doc.item.name if doc.item else "",
                        fields.get("hospital", ""),
                        fields.get("date", ""),
                    )
                    if p
                )[:120],
                amount=fields["amount"],
            )
        decision = decision_automatic(
            claim=claim, actor=actor, now=now, rules_passed=[r.as_dict() for r in results]
        )
        claim.refresh_from_db()
        payment = payment_instruct(claim=claim, actor=actor, now=now)
        check = _record(claim, results, outcome=Outcome.AUTOMATIC, now=now, decision=decision)
        _tell_customer(claim, decision, payment.masked_account, now=now, actor=actor)
        _sample(claim, decision, actor=actor, now=now)
    return check


def _tell_customer(
    claim: Claim, decision: ClaimDecision, account: str, *, now: datetime, actor: Actor
) -> None:
    """The customer hears at once, in words the compliance gate let through."""
    subject = _("Claim %(number)s decided automatically: ¥%(amount)s") % {
        "number": claim.number,
        "amount": decision.amount,
    }
    body = _(
        "Your claim passed every check and was decided automatically: ¥%(amount)s, calculated "
        "item by item under your policy's clauses (see the claim report). The payment to "
        "account %(account)s has been instructed."
    ) % {"amount": decision.amount, "account": account}
    gate = message_gate(
        text=f"{subject}\n{body}", actor=actor, now=now, context=f"claim:{claim.number}:stp"
    )
    if not gate.ok:
        log.warning("automatic decision notice of %s held by the compliance gate", claim.number)
        return
    notification_queue(
        recipient=claim.policy.holder,
        case=claim.case,
        kind="claim_decided_automatically",
        now=now,
        phone=claim.contact_phone,
        subject=subject,
        body=body,
    )


# --- review after the fact -----------------------------------------------------------------------


def _reviewer() -> Actor | None:
    """The QA manager with the fewest open reviews."""
    open_reviews = (
        Task.objects.filter(assignee=OuterRef("pk"), kind=REVIEW_TASK, status=TaskStatus.OPEN)
        .order_by()
        .values("assignee")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        User.objects.filter(is_active=True, groups__name=Role.MANAGER.value)
        .annotate(load=Coalesce(Subquery(open_reviews), 0))
        .order_by("load", "id")
        .first()
    )


def _sample(
    claim: Claim, decision: ClaimDecision, *, actor: Actor, now: datetime, draw: float | None = None
) -> StpReview | None:
    """Queue the decision for review when the sample picks it: a task for a QA manager on
    the ``stp_review`` clock (2 working days)."""
    settings = StpSettings.current()
    why = rules.sample_reason(
        decision.amount,
        percent=settings.sample_percent,
        above=settings.review_all_above,
        draw=draw,
    )
    if why is None:
        return None
    review = StpReview.objects.create(decision=decision, claim=claim, why=why, queued_at=now)
    reviewer = _reviewer()
    if reviewer is not None:
        task_assign(
            case=claim.case,
            kind=REVIEW_TASK,
            title=_("Review the automatic decision on %(number)s: ¥%(amount)s")
            % {"number": claim.number, "amount": decision.amount},
            assignee=reviewer,
            actor=actor,
            now=now,
            rule_code=REVIEW_TASK,
        )
    else:
        deadline_start(case=claim.case, rule_code=REVIEW_TASK, now=now, actor=actor)
    timeline_record(
        claim.case,
        now=now,
        actor=actor,
        kind="stp_sampled",
        data={"review": review.pk, "why": why, "amount": str(decision.amount)},
    )
    return review


def _reviewing(review: StpReview, actor: Actor) -> tuple[Case, StpReview]:
    if not actor.has_perm(REVIEW_PERMISSION):
        raise NotAllowed(_("Only a QA reviewer may review automatic decisions."))
    case = Case.objects.select_for_update(no_key=True).get(pk=review.claim_id)
    review = StpReview.objects.select_for_update().get(pk=review.pk)
    if review.status != ReviewStatus.QUEUED:
        raise IllegalTransition(
            _("This review is already %(status)s.") % {"status": review.get_status_display()}
        )
    return case, review


def _close_review_clock(case: Case, *, actor: Actor, now: datetime, result: str) -> None:
    for task in case.tasks.filter(kind=REVIEW_TASK, status=TaskStatus.OPEN):
        task_complete(task=task, actor=actor, now=now, result=result)
    for d in case.deadlines.filter(rule__code=REVIEW_TASK, task__isnull=True, state="running"):
        deadline_stop(deadline=d, now=now, actor=actor)


def review_confirm(*, review: StpReview, actor: Actor, now: datetime, note: str = "") -> StpReview:
    """The reviewer agrees with the automatic decision."""
    with case_action():
        case, review = _reviewing(review, actor)
        review.status = ReviewStatus.CONFIRMED
        review.reviewer, review.reviewed_at, review.note = actor, now, note.strip()
        review.save()
        timeline_record(
            case, now=now, actor=actor, kind="stp_confirmed", data={"review": review.pk}
        )
        _close_review_clock(case, actor=actor, now=now, result=_("confirmed"))
    return review


def review_reopen(
    *,
    review: StpReview,
    actor: Actor,
    now: datetime,
    note: str,
    corrections: Sequence[ItemCorrection] = (),
    corrected_amount: Any = None,
) -> StpReview:
    """The reviewer overturns the automatic decision: the claim is recalculated with the
    same calculator from the loss items as the reviewer corrects them (an item's amount, an
    exclusion with its reason; or ``corrected_amount``: what the invoices support in all,
    spread over the items), as a revised decision for approval by others (four eyes and
    authority as for any decision). Once approved, the difference is paid or recovered
    (``on_decision_revised``). A review is reopened once; a difference of 0 moves nothing."""
    if not note.strip():
        raise GuardFailed(_("Say what the automatic decision got wrong."))
    with case_action():
        case, review = _reviewing(review, actor)
        claim = Claim.objects.select_related("policy__product").get(pk=review.claim_id)
        decision = review.decision
        fixes = list(corrections) or _spread(claim, corrected_amount)
        total = (
            sum((c.amount for c in fixes if c.amount is not None), Decimal(0))
            if corrected_amount is not None
            else None
        )
        review.status = ReviewStatus.REOPENED
        review.reviewer, review.reviewed_at, review.note = actor, now, note.strip()
        review.corrected_amount = total
        recalculated = revision_calculation(claim, fixes).total
        revision = None
        if recalculated != decision.amount:
            revision = decision_revise(
                claim=claim, actor=actor, now=now, corrections=fixes, reason=review.note
            )
        review.recalculated, review.revision = recalculated, revision
        review.difference = recalculated - decision.amount
        review.save()
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="stp_reopened",
            data={
                "review": review.pk,
                "note": review.note,
                "decided": str(decision.amount),
                "recalculated": str(recalculated),
                "difference": str(review.difference),
            },
        )
        _close_review_clock(case, actor=actor, now=now, result=_("reopened"))
    return review


def _spread(claim: Claim, corrected_amount: Any) -> list[ItemCorrection]:
    """``corrected_amount`` (what the invoices support in all) spread over the loss items
    in proportion to their amounts, the last taking the rounding."""
    try:
        amount = Decimal(str(corrected_amount)).quantize(Decimal("0.01"))
    except ArithmeticError:
        raise GuardFailed(_("Enter the amount the invoices support, like 250.00.")) from None
    if not amount.is_finite() or amount < 0 or amount > Decimal("999999999"):
        raise GuardFailed(_("Enter the amount the invoices support, like 250.00."))
    items = list(claim.loss_items.order_by("id"))
    total = sum((i.amount for i in items), Decimal(0)) or Decimal(1)
    out: list[ItemCorrection] = []
    left = amount
    for n, item in enumerate(items):
        part = (
            left
            if n == len(items) - 1
            else (item.amount * amount / total).quantize(Decimal("0.01"))
        )
        left -= part
        out.append(ItemCorrection(item_id=item.pk, amount=part))
    return out


def on_decision_revised(event: DecisionRevised) -> None:
    """A revised decision was approved: pay the difference as a supplementary payment, or
    cancel what has not been sent and recover what was overpaid; the customer is told."""
    recover = payment_revise(
        claim=event.claim, decision=event.decision, actor=event.actor, now=event.now
    )
    if recover > 0:
        recovery_open_overpayment(
            claim=event.claim,
            amount=recover,
            basis=_("Decision revised on review from ¥%(before)s to ¥%(after)s")
            % {"before": event.previous.amount, "after": event.decision.amount},
            actor=event.actor,
            now=event.now,
        )
    _tell_revised(event, recover)


def _tell_revised(event: DecisionRevised, recover: Decimal) -> None:
    """The customer hears of the revised amount, in words the compliance gate let through."""
    claim, decision = event.claim, event.decision
    subject = _("Claim %(number)s: the amount was revised to ¥%(amount)s") % {
        "number": claim.number,
        "amount": decision.amount,
    }
    values = {
        "before": event.previous.amount,
        "amount": decision.amount,
        "difference": abs(decision.amount - event.previous.amount),
        "recover": recover,
    }
    if recover > 0:
        body = (
            _(
                "On review of the automatic decision, your claim was recalculated item by item "
                "under your policy's clauses: ¥%(amount)s instead of ¥%(before)s. ¥%(recover)s "
                "was paid beyond the revised amount; we will contact you about repaying it."
            )
            % values
        )
    elif decision.amount > event.previous.amount:
        body = (
            _(
                "On review of the automatic decision, your claim was recalculated item by item "
                "under your policy's clauses: ¥%(amount)s instead of ¥%(before)s. The further "
                "¥%(difference)s is being paid to your account."
            )
            % values
        )
    else:
        body = (
            _(
                "On review of the automatic decision, your claim was recalculated item by item "
                "under your policy's clauses: ¥%(amount)s instead of ¥%(before)s. The payment "
                "not yet sent was replaced by one of the revised amount."
            )
            % values
        )
    gate = message_gate(
        text=f"{subject}\n{body}",
        actor=event.actor,
        now=event.now,
        context=f"claim:{claim.number}:revised",
    )
    if not gate.ok:
        log.warning("revised decision notice of %s held by the compliance gate", claim.number)
        return
    notification_queue(
        recipient=claim.policy.holder,
        case=event.case,
        kind="claim_decision_revised",
        now=event.now,
        phone=claim.contact_phone,
        subject=subject,
        body=body,
    )


# --- the trigger ---------------------------------------------------------------------------------


def stp_sweep(*, now: datetime, limit: int = 200) -> int:
    """The safety net of the trigger: new claims with documents, none waiting for OCR, and no
    check yet are checked now (``stp_consider`` decides whether they are ready)."""
    ids = list(
        Claim.objects.filter(
            case__status__in=list(OPEN_STATES), stp_check__isnull=True, documents__isnull=False
        )
        .exclude(documents__ocr_status=OcrStatus.PENDING)
        .values_list("pk", flat=True)
        .distinct()[:limit]
    )
    checked = 0
    for claim_id in ids:
        try:
            checked += stp_consider(claim_id=claim_id, now=now) is not None
        except CaseError:
            log.exception("straight-through check of claim %s failed", claim_id)
    return checked


TRIGGERS = frozenset({"document_ocr_done", "document_ocr_failed"})


def on_committed(lines: list[CaseEvent]) -> None:
    """A claim's document was read: check the claim once this dispatch commits."""
    cases = sorted({line.case_id for line in lines if line.kind in TRIGGERS})
    if cases:
        transaction.on_commit(lambda: _schedule(cases))


def _schedule(case_ids: list[int]) -> None:
    from claimdesk.stp.tasks import stp_check

    for case_id in case_ids:
        try:
            stp_check.delay(case_id)
        except Exception:  # the broker being down must not fail the dispatch
            log.exception("straight-through check of case %s not queued", case_id)
