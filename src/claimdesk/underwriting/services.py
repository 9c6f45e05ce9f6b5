"""Every write of underwriting (核保): submit an application, raise and answer a 问题件, propose
and sign a decision within authority, apply it (premium, policy, the applicant told).

Each public function is one business action (``case_action``) on the kernel's services; the
rules are in ``rules.py``, the table in ``workflow.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from claimdesk.cases.events import publish
from claimdesk.cases.models import LIVE_STATES, Case, Deadline, DeadlineState, TaskStatus
from claimdesk.cases.services import (
    GuardFailed,
    IllegalTransition,
    NotAllowed,
    can_act,
    case_open,
    case_transition,
    deadline_pause,
    deadline_resume,
    escalation_recipient,
    task_assign,
    task_cancel,
    task_complete,
)
from claimdesk.cases.timeline import case_action, timeline_record
from claimdesk.notify.services import notification_queue
from claimdesk.policies.events import RiskChangeRequested, RiskDecided
from claimdesk.policies.models import InsuredPerson, Policy, Product
from claimdesk.policies.rules import UNDERWRITING_CERTIFICATE
from claimdesk.staff.roles import ROLE_PERMISSIONS, Role
from claimdesk.staff.services import certificate_valid, certified_user_ids, is_staff_member
from claimdesk.types import Actor
from claimdesk.underwriting.events import ApplicationDecided
from claimdesk.underwriting.models import (
    OUTCOME_LABELS,
    QUERY_LABELS,
    Application,
    DecisionSignature,
    DecisionStatus,
    UnderwritingAuthority,
    UnderwritingDecision,
    UnderwritingQuery,
)
from claimdesk.underwriting.rules import (
    ACCEPTING,
    HEALTH_QUESTIONS,
    OCCUPATION_CLASSES,
    Outcome,
    QueryKind,
    Route,
    age_on,
    authority_refusal,
    birth_date_from_id,
    decision_problems,
    rated_premium,
    route_application,
    signatures_required,
)
from claimdesk.underwriting.workflow import (
    DECIDE,
    OPEN_FOR_DECISION,
    UNDERWRITING,
    UW_CLOCK,
    ApplicationState,
)
from claimdesk.workdays.clocks import to_local

User = get_user_model()

CERTIFICATE = UNDERWRITING_CERTIFICATE  # 核保资格: only its holders sign decisions
SIGN_TASK = "uw_sign"
AUTO_USERNAME = "uw_auto"  # the rules engine, owner and signer of automatic acceptances
MAX_SUM_INSURED = Decimal("100000000")


class AboveAuthority(NotAllowed):
    """The actor's authority does not cover the sum insured; the decision went up."""


# --- who may sign ---------------------------------------------------------------------------


def authority_limit(user: Any) -> Decimal | None:
    """The largest sum insured ``user`` may sign for alone; None: no authority."""
    if getattr(user, "pk", None) is None:
        return None
    row = UnderwritingAuthority.objects.filter(user_id=user.pk).first()
    return row.max_sum_insured if row is not None else None


def _deciding_roles() -> list[str]:
    return [r.value for r, perms in ROLE_PERMISSIONS.items() if DECIDE in perms]


def signers_for(sum_insured: Decimal, on: date, *, exclude: set[int] | None = None) -> list[Any]:
    """Everyone who may sign a decision on ``sum_insured`` on day ``on``: certified, with an
    authority that covers it; the lowest authority first (the next level up, not the top)."""
    return list(
        User.objects.filter(
            is_active=True,
            groups__name__in=_deciding_roles(),
            underwriting_authority__max_sum_insured__gte=sum_insured,
            pk__in=certified_user_ids(CERTIFICATE, on),
        )
        .exclude(pk__in=exclude or set())
        .select_related("underwriting_authority")
        .order_by("underwriting_authority__max_sum_insured", "id")
        .distinct()
    )


def _next_signer(sum_insured: Decimal, actor: Any, on: date, exclude: set[int]) -> Any:
    """Up the actor's chain (超权限件上报) to the first who may sign; else the lowest level
    that may; else the actor's manager, who has to find someone."""
    able = signers_for(sum_insured, on, exclude=exclude)
    able_ids = {u.pk for u in able}
    current = actor
    for _level in range(5):
        up = escalation_recipient(current)
        if up.pk == current.pk:
            break
        if up.pk in able_ids:
            return up
        current = up
    return able[0] if able else escalation_recipient(actor)


def _least_loaded_underwriter(on: date) -> Any:
    """The certified underwriter with the fewest open applications, the lowest grade first
    (juniors take new work; what is above them goes up when decided): the owner (首问负责制)."""
    pool = (
        User.objects.filter(is_active=True, groups__name__in=_deciding_roles())
        .exclude(username=AUTO_USERNAME)
        .annotate(
            load=Count(
                "owned_cases", filter=Q(owned_cases__is_open=True, owned_cases__kind=UNDERWRITING)
            )
        )
        .order_by("load", "underwriting_authority__grade", "id")
    )
    certified = certified_user_ids(CERTIFICATE, on)
    owner = pool.filter(pk__in=certified).first() or pool.first()
    if owner is None:
        raise GuardFailed(_("No underwriter is available to take the application."))
    return owner


def auto_underwriter() -> Any:
    """The rules engine as a member of the underwriting team (it cannot sign in)."""
    user = User.objects.filter(username=AUTO_USERNAME).first()
    if user is not None:
        return user
    user = User(username=AUTO_USERNAME, first_name=_("Automatic underwriting"))
    user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get(name=Role.UNDERWRITER.value))
    return user


# --- submitting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationInput:
    """What an applicant declares (validated by ``application_submit``)."""

    product_code: str
    sum_insured: Decimal
    standard_premium: Decimal
    insured_name: str
    insured_id_number: str
    insured_birth_date: date
    occupation: str
    occupation_class: int
    health_answers: Mapping[str, bool]
    health_details: str = ""
    occupation_details: str = ""
    relation_to_applicant: str = "本人"


def _checked(data: ApplicationInput, today: date) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not Product.objects.filter(code=data.product_code, active=True).exists():
        problems["product"] = _("Choose one of our products.")
    if not (Decimal("0.01") <= data.sum_insured <= MAX_SUM_INSURED):
        problems["sum_insured"] = _("Enter a sum insured between 0.01 and 100,000,000.")
    if not (Decimal("0.01") <= data.standard_premium < data.sum_insured or problems):
        problems["standard_premium"] = _("Enter the premium quoted, below the sum insured.")
    for name in ("insured_name", "insured_id_number", "occupation"):
        if not str(getattr(data, name)).strip():
            problems[name] = _("This field is required.")
    if not (date(1900, 1, 1) <= data.insured_birth_date <= today):
        problems["insured_birth_date"] = _("Enter a birth date in the past.")
    if data.occupation_class not in OCCUPATION_CLASSES:
        problems["occupation_class"] = _("Choose an occupation class from 1 to 6.")
    unknown = set(data.health_answers) - set(HEALTH_QUESTIONS)
    missing = set(HEALTH_QUESTIONS) - set(data.health_answers)
    if unknown or missing:
        problems["health_answers"] = _("Answer every health question yes or no.")
    return problems


def application_submit(
    *,
    data: ApplicationInput,
    customer: Actor,
    actor: Actor,
    now: datetime,
    service_case: Case | None = None,
    policy_changed: Policy | None = None,
) -> Application:
    """Register an application (投保申请) and route it by the rules: clean and small is
    accepted at once; a 问题件 is raised for what must be asked; the rest goes to the least
    loaded certified underwriter. ``uw_decision`` runs from now (information complete).
    ``service_case``: a servicing request that changes ``policy_changed``'s risk, which gets
    the decision instead of a new policy."""
    today = to_local(now).date()
    problems = _checked(data, today)
    if problems:
        raise GuardFailed(
            _("The application is incomplete: %(fields)s")
            % {"fields": "; ".join(f"{k}: {v}" for k, v in problems.items())},
            errors=problems,
        )
    product = Product.objects.get(code=data.product_code)
    answers = {code: bool(data.health_answers[code]) for code in HEALTH_QUESTIONS}
    routing = route_application(
        sum_insured=data.sum_insured,
        age=age_on(data.insured_birth_date, today),
        health_answers=answers,
        health_details=data.health_details,
        occupation_class=data.occupation_class,
    )
    automatic = routing.route == Route.AUTOMATIC
    owner = auto_underwriter() if automatic else _least_loaded_underwriter(today)
    with case_action():
        case = case_open(
            kind=UNDERWRITING,
            title=_("%(product)s for %(insured)s, sum insured %(sum)s")
            % {"product": product.name, "insured": data.insured_name, "sum": data.sum_insured},
            actor=actor,
            customer=customer,
            owner=owner,
            now=now,
        )
        application = Application.objects.create(
            case=case,
            product=product,
            sum_insured=data.sum_insured,
            standard_premium=data.standard_premium,
            applicant_name=customer.get_full_name() or customer.username,
            insured_name=data.insured_name.strip(),
            insured_id_number=data.insured_id_number.strip(),
            insured_birth_date=data.insured_birth_date,
            relation_to_applicant=data.relation_to_applicant.strip() or "本人",
            occupation=data.occupation.strip(),
            occupation_class=data.occupation_class,
            occupation_details=data.occupation_details.strip(),
            health_answers=answers,
            health_details=data.health_details.strip(),
            route=routing.route.value,
            route_reasons=list(routing.reasons),
            submitted_at=now,
            service_case=service_case,
            policy_changed=policy_changed,
        )
        timeline_record(
            case,
            now=now,
            actor=None,
            kind="uw_routed",
            data={"route": routing.route.value, "reasons": list(routing.reasons)},
        )
        for needed in routing.queries:
            _raise(application, needed.kind, needed.question, actor=None, now=now)
        if automatic:
            decision = UnderwritingDecision.objects.create(
                application=application,
                outcome=Outcome.ACCEPT,
                reason=_("Automatic acceptance: %(why)s") % {"why": "；".join(routing.reasons)},
                premium=application.standard_premium,
                automatic=True,
                proposed_by=owner,
                proposed_at=now,
            )
            _apply(decision, actor=owner, now=now)
    return application


# --- 问题件 ---------------------------------------------------------------------------------


def _uw_clock(case: Case) -> Deadline | None:
    return (
        case.deadlines.filter(rule__code=UW_CLOCK, task__isnull=True, state__in=LIVE_STATES)
        .select_related("rule")
        .first()
    )


def _raise(
    application: Application, kind: str, question: str, *, actor: Actor | None, now: datetime
) -> UnderwritingQuery:
    """Record the question, move the case to waiting and pause ``uw_decision``."""
    case = application.case
    query = UnderwritingQuery.objects.create(
        application=application, kind=kind, question=question, raised_by=actor, raised_at=now
    )
    case.refresh_from_db(fields=["status"])
    if case.status != ApplicationState.AWAITING_ANSWER:
        # The row is the owner's; a question the rules raised is raised in their name.
        case_transition(
            case=case,
            action="raise_query",
            actor=actor or case.owner,
            now=now,
            data={"query": query.pk, "by_rules": actor is None},
        )
    clock = _uw_clock(case)
    if clock is not None and clock.state == DeadlineState.RUNNING:
        deadline_pause(
            deadline=clock, now=now, actor=actor, reason=str(QUERY_LABELS[QueryKind(kind)])
        )
    timeline_record(
        case,
        now=now,
        actor=actor,
        kind="uw_query_raised",
        customer_visible=True,
        data={"query": query.pk, "kind": kind, "question": question},
    )
    if case.customer is not None:
        notification_queue(
            recipient=case.customer,
            case=case,
            kind="uw_query",
            now=now,
            subject=_("Application %(number)s: we need something from you")
            % {"number": case.number},
            body=question,
        )
    return query


def query_raise(
    *, application: Application, kind: str, question: str, actor: Actor, now: datetime
) -> UnderwritingQuery:
    """An underwriter asks the applicant (体检, 补充告知, 补充资料); the clock waits."""
    with case_action():
        case = Case.objects.select_for_update(no_key=True).get(pk=application.pk)
        if not can_act(actor, case, DECIDE):
            raise NotAllowed(
                _("You may not work on application %(number)s.") % {"number": case.number}
            )
        if case.status not in (*OPEN_FOR_DECISION, ApplicationState.AWAITING_ANSWER):
            raise IllegalTransition(
                _("Application %(number)s is %(status)s.")
                % {"number": case.number, "status": case.status_label()}
            )
        if kind not in QueryKind.__members__.values():
            raise GuardFailed(_("Choose what to ask for."), errors={"kind": "unknown"})
        if not question.strip():
            raise GuardFailed(_("Write the question to the applicant."))
        application.case = case
        return _raise(application, kind, question.strip()[:2000], actor=actor, now=now)


def query_answer(
    *, query: UnderwritingQuery, answer: str, actor: Actor, now: datetime
) -> UnderwritingQuery:
    """The applicant answers (or staff record the answer given at the counter). The last
    open question answered, the clock resumes with the time it had left."""
    with case_action():
        case = (
            Case.objects.select_for_update(no_key=True, of=("self",))
            .select_related("owner", "customer")
            .get(pk=query.application_id)
        )
        is_applicant = case.customer_id == actor.pk
        if not is_applicant and not can_act(actor, case, DECIDE):
            raise NotAllowed(_("Only the applicant answers this question."))
        query = UnderwritingQuery.objects.select_for_update().get(pk=query.pk)
        if not query.is_open:
            raise IllegalTransition(_("This question has already been answered."))
        if not answer.strip():
            raise GuardFailed(_("Write your answer."), errors={"answer": "required"})
        query.answer = answer.strip()[:4000]
        query.answered_by = actor
        query.answered_at = now
        query.save(update_fields=["answer", "answered_by", "answered_at"])
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="uw_query_answered",
            customer_visible=True,
            data={"query": query.pk, "kind": query.kind},
        )
        still_open = UnderwritingQuery.objects.filter(
            application_id=case.pk, answered_at__isnull=True
        ).exists()
        if not still_open and case.status == ApplicationState.AWAITING_ANSWER:
            clock = _uw_clock(case)
            if clock is not None and clock.state == DeadlineState.PAUSED:
                deadline_resume(deadline=clock, now=now, actor=actor)
            case_transition(
                case=case,
                action="answered",
                actor=case.owner,
                now=now,
                data={"query": query.pk, "by": actor.username},
            )
        if case.owner_id != actor.pk:
            notification_queue(
                recipient=case.owner,
                case=case,
                kind="uw_query_answered",
                now=now,
                subject=_("Application %(number)s: the applicant answered")
                % {"number": case.number},
                body=query.answer,
            )
    return query


# --- decisions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionTerms:
    outcome: str
    reason: str
    extra_premium_percent: Decimal | None = None
    exclusion: str = ""


def _premium(application: Application, terms: DecisionTerms) -> Decimal | None:
    if terms.outcome == Outcome.ACCEPT_RATED and terms.extra_premium_percent is not None:
        return rated_premium(application.standard_premium, terms.extra_premium_percent)
    if terms.outcome in ACCEPTING:
        return application.standard_premium
    return None


def _who_can(application: Application, on: date, exclude: set[int]) -> list[str]:
    return [
        f"{u.get_full_name() or u.username}（≤{u.underwriting_authority.max_sum_insured}）"
        for u in signers_for(application.sum_insured, on, exclude=exclude)
    ]


def _route_signature(
    decision: UnderwritingDecision, case: Case, *, actor: Actor, now: datetime
) -> Any:
    """Give the next signature to the next level as a task on the case; returns whom."""
    signed = set(decision.signatures.values_list("signer_id", flat=True))
    signer = _next_signer(
        decision.application.sum_insured,
        actor,
        to_local(now).date(),
        exclude=signed | {actor.pk},
    )
    for task in case.tasks.filter(kind=SIGN_TASK, status=TaskStatus.OPEN):
        if task.assignee_id != signer.pk:
            task_cancel(task=task, actor=actor, now=now)
    if not case.tasks.filter(kind=SIGN_TASK, status=TaskStatus.OPEN, assignee=signer).exists():
        task_assign(
            case=case,
            kind=SIGN_TASK,
            title=_("Sign the underwriting decision on %(number)s (sum insured %(sum)s)")
            % {"number": case.number, "sum": decision.application.sum_insured},
            assignee=signer,
            actor=actor,
            now=now,
        )
    return signer


def _sign(
    decision: UnderwritingDecision, case: Case, *, actor: Actor, now: datetime
) -> tuple[bool, str | None, Any]:
    """Sign if the actor's authority covers the sum; else send it up. Returns (applied,
    refusal, escalated to)."""
    application = decision.application
    limit = authority_limit(actor)
    refusal = authority_refusal(
        sum_insured=application.sum_insured,
        limit=limit,
        certified=certificate_valid(actor, CERTIFICATE, to_local(now).date()),
    )
    if refusal is None:
        assert limit is not None
        DecisionSignature.objects.create(decision=decision, signer=actor, authority=limit, at=now)
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="uw_decision_signed",
            data={"outcome": decision.outcome, "authority": str(limit)},
        )
        if decision.signatures.count() >= decision.signatures_required:
            _apply(decision, actor=actor, now=now)
            for task in case.tasks.filter(kind=SIGN_TASK, status=TaskStatus.OPEN):
                if task.assignee_id == actor.pk:
                    task_complete(task=task, actor=actor, now=now, result=_("signed"))
                else:
                    task_cancel(task=task, actor=actor, now=now)
            return True, None, None
        _route_signature(decision, case, actor=actor, now=now)
        for task in case.tasks.filter(kind=SIGN_TASK, status=TaskStatus.OPEN, assignee=actor):
            task_complete(task=task, actor=actor, now=now, result=_("signed"))
        return False, None, None
    signer = _route_signature(decision, case, actor=actor, now=now)
    decision.escalated_to = signer
    decision.save(update_fields=["escalated_to"])
    timeline_record(
        case,
        now=now,
        actor=actor,
        kind="uw_decision_escalated",
        data={"to": signer.username, "sum_insured": str(application.sum_insured), "why": refusal},
    )
    return False, refusal, signer


def _above_authority(
    refusal: str, application: Application, signer: Any, now: datetime, exclude: set[int]
) -> AboveAuthority:
    who = _who_can(application, to_local(now).date(), exclude)
    return AboveAuthority(
        _("%(why)s Who may decide it: %(who)s. It has been sent to %(signer)s for signature.")
        % {
            "why": refusal,
            "who": "、".join(who) or _("nobody on the team; ask your manager"),
            "signer": signer.get_full_name() or signer.username,
        },
        who_can=who,
        escalated_to=signer.username,
    )


def decision_propose(
    *, application: Application, terms: DecisionTerms, actor: Actor, now: datetime
) -> UnderwritingDecision:
    """The underwriter's decision. Within their authority it is signed at once and, unless
    the sum needs a second signature (four eyes), applied; above it the decision waits for
    the next level and the underwriter gets a 403 saying who may decide."""
    problems = decision_problems(
        outcome=terms.outcome,
        reason=terms.reason,
        extra_percent=terms.extra_premium_percent,
        exclusion=terms.exclusion,
    )
    if problems:
        raise GuardFailed(" ".join(problems.values()), errors=problems)
    escalation: AboveAuthority | None = None
    with case_action():
        case = Case.objects.select_for_update(no_key=True).get(pk=application.pk)
        if not can_act(actor, case, DECIDE):
            raise NotAllowed(
                _("You may not decide application %(number)s.") % {"number": case.number}
            )
        if not certificate_valid(actor, CERTIFICATE, to_local(now).date()):
            raise NotAllowed(_("You hold no valid underwriting certificate."))
        if case.status not in OPEN_FOR_DECISION:
            raise IllegalTransition(
                _("Application %(number)s is %(status)s: it cannot be decided now.")
                % {"number": case.number, "status": case.status_label()}
            )
        application = Application.objects.get(pk=case.pk)
        application.case = case
        earlier = application.decisions.filter(status=DecisionStatus.PENDING).first()
        if earlier is not None:
            if earlier.proposed_by_id != actor.pk:
                raise IllegalTransition(
                    _("A decision proposed by %(user)s is awaiting signature.")
                    % {"user": earlier.proposed_by}
                )
            earlier.status = DecisionStatus.SUPERSEDED
            earlier.save(update_fields=["status"])
        decision = UnderwritingDecision.objects.create(
            application=application,
            outcome=terms.outcome,
            reason=terms.reason.strip(),
            extra_premium_percent=terms.extra_premium_percent
            if terms.outcome == Outcome.ACCEPT_RATED
            else None,
            exclusion=terms.exclusion.strip() if terms.outcome == Outcome.ACCEPT_EXCLUSION else "",
            premium=_premium(application, terms),
            signatures_required=signatures_required(application.sum_insured),
            proposed_by=actor,
            proposed_at=now,
        )
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="uw_decision_proposed",
            data={
                "outcome": decision.outcome,
                "premium": str(decision.premium or ""),
                "signatures_required": decision.signatures_required,
            },
        )
        _applied, refusal, signer = _sign(decision, case, actor=actor, now=now)
        if refusal is not None:
            escalation = _above_authority(refusal, application, signer, now, {actor.pk})
    if escalation is not None:  # raised after the escalation has committed
        raise escalation
    return decision


def decision_sign(
    *, decision: UnderwritingDecision, actor: Actor, now: datetime
) -> UnderwritingDecision:
    """A higher level's or the second underwriter's signature (never the same person twice);
    the last one needed applies the decision."""
    escalation: AboveAuthority | None = None
    with case_action():
        case = Case.objects.select_for_update(no_key=True).get(pk=decision.application_id)
        decision = (
            UnderwritingDecision.objects.select_for_update()
            .select_related("application")
            .get(pk=decision.pk)
        )
        decision.application.case = case
        if not can_act(actor, case, DECIDE):
            raise NotAllowed(
                _("You may not decide application %(number)s.") % {"number": case.number}
            )
        if decision.status != DecisionStatus.PENDING:
            raise IllegalTransition(
                _("This decision is %(status)s.") % {"status": decision.get_status_display()}
            )
        if decision.signatures.filter(signer=actor).exists():
            raise NotAllowed(_("You have signed this decision; another underwriter must sign."))
        if not certificate_valid(actor, CERTIFICATE, to_local(now).date()):
            raise NotAllowed(_("You hold no valid underwriting certificate."))
        _applied, refusal, signer = _sign(decision, case, actor=actor, now=now)
        if refusal is not None:
            signed = set(decision.signatures.values_list("signer_id", flat=True))
            escalation = _above_authority(
                refusal, decision.application, signer, now, signed | {actor.pk}
            )
    if escalation is not None:
        raise escalation
    return decision


def _issue_policy(
    application: Application, decision: UnderwritingDecision, now: datetime
) -> Policy:
    """承保出单: the policy starts the day after acceptance, for one year."""
    case = application.case
    assert case.customer is not None  # only an applicant's acceptance issues a policy
    start = to_local(now).date() + timedelta(days=1)
    try:
        end = start.replace(year=start.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        end = start + timedelta(days=364)
    policy = Policy.objects.create(
        number=f"P{case.number}",
        product=application.product,
        holder=case.customer,
        start=start,
        end=end,
        sum_insured=application.sum_insured,
        premium=decision.premium or application.standard_premium,
    )
    InsuredPerson.objects.create(
        policy=policy,
        name=application.insured_name,
        id_number=application.insured_id_number,
        birth_date=application.insured_birth_date,
        relation_to_holder=application.relation_to_applicant,
    )
    return policy


def decision_text(decision: UnderwritingDecision) -> str:
    """The decision in the applicant's words: outcome, premium, exclusion, reason."""
    parts = [str(OUTCOME_LABELS[Outcome(decision.outcome)])]
    if decision.outcome == Outcome.ACCEPT_RATED:
        parts.append(
            _("extra premium %(percent)s %%, annual premium ¥%(premium)s")
            % {"percent": decision.extra_premium_percent, "premium": decision.premium}
        )
    elif decision.premium is not None:
        parts.append(_("annual premium ¥%(premium)s") % {"premium": decision.premium})
    if decision.exclusion:
        parts.append(_("exclusion: %(text)s") % {"text": decision.exclusion})
    parts.append(_("reason: %(reason)s") % {"reason": decision.reason})
    return "；".join(parts)


def _apply(decision: UnderwritingDecision, *, actor: Actor, now: datetime) -> None:
    """The signed decision becomes the application's: the step, the premium, the policy
    issued on acceptance, a line and a message for the applicant."""
    application = Application.objects.select_related("case__customer", "product").get(
        pk=decision.application_id
    )
    case = application.case
    data: dict[str, Any] = {"decision": decision.pk, "reason": decision.reason}
    case_transition(case=case, action=decision.outcome, actor=actor, now=now, data=data)
    decision.status = DecisionStatus.APPLIED
    decision.applied_at = now
    decision.save(update_fields=["status", "applied_at"])
    application.premium = decision.premium
    fields = ["premium"]
    if (
        decision.outcome in ACCEPTING
        and case.customer is not None
        and application.service_case_id is None
    ):
        application.policy = _issue_policy(application, decision, now)
        fields.append("policy")
    application.save(update_fields=fields)
    words = decision_text(decision)
    timeline_record(
        case,
        now=now,
        actor=actor,
        kind="uw_decided",
        customer_visible=True,
        data={
            "outcome": decision.outcome,
            "text": words,
            "premium": str(decision.premium or ""),
            "policy": application.policy.number if application.policy else "",
        },
    )
    if application.policy is not None:
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="uw_policy_issued",
            customer_visible=True,
            data={"policy": application.policy.number, "start": str(application.policy.start)},
        )
    if case.customer is not None:
        notification_queue(
            recipient=case.customer,
            case=case,
            kind="uw_decided",
            now=now,
            subject=_("Application %(number)s: underwriting decision") % {"number": case.number},
            body=words,
        )
    publish(
        ApplicationDecided(
            case=case, application=application, decision=decision, actor=actor, now=now
        )
    )
    if application.service_case is not None:
        publish(
            RiskDecided(
                case=application.service_case,
                application=case.number,
                outcome=decision.outcome,
                accepted=decision.outcome in ACCEPTING,
                text=words,
                reason=decision.reason,
                premium=decision.premium if decision.outcome in ACCEPTING else None,
                actor=actor,
                now=now,
                signers=[
                    s.signer.get_full_name() or s.signer.username
                    for s in decision.signatures.select_related("signer")
                ],
            )
        )


def risk_change_requested(event: RiskChangeRequested) -> None:
    """A servicing request asks to underwrite a larger sum insured: an application for the
    policy's insured with the declaration given, routed like any (automatic acceptance,
    manual review or a 问题件), whose decision goes back to the request."""
    policy = event.policy
    insured = policy.insured.order_by("id").first()
    birth_date = None
    if insured is not None:
        birth_date = insured.birth_date or birth_date_from_id(insured.id_number)
    if insured is None or birth_date is None:
        raise GuardFailed(
            _("The insured's birth date is not on file for policy %(number)s: ask us to add it.")
            % {"number": policy.number}
        )
    application_submit(
        data=ApplicationInput(
            product_code=policy.product.code,
            sum_insured=event.sum_insured,
            standard_premium=event.standard_premium,
            insured_name=insured.name,
            insured_id_number=insured.id_number or "-",
            insured_birth_date=birth_date,
            occupation=event.occupation,
            occupation_class=event.occupation_class,
            health_answers=event.health_answers,
            health_details=event.health_details,
            relation_to_applicant=insured.relation_to_holder,
        ),
        customer=policy.holder,
        actor=event.actor,
        now=event.now,
        service_case=event.case,
        policy_changed=policy,
    )


def grant_authority(*, user: Actor, max_sum_insured: Decimal, grade: int = 1) -> Any:
    """Set ``user``'s underwriting authority (admin; the demo)."""
    if not is_staff_member(user):
        raise GuardFailed(_("Underwriting authority is for members of staff."))
    row, _created = UnderwritingAuthority.objects.update_or_create(
        user=user, defaults={"max_sum_insured": max_sum_insured, "grade": grade}
    )
    return row
