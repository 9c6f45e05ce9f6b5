"""Underwriting endpoints: an applicant submits their application and answers a 问题件; an
underwriter raises 问题件, decides within authority (403 above it, naming who may decide)
and signs what was sent up to them.

Reads go through ``selectors`` (an applicant sees only their own: 404 for anyone else's);
writes through ``services``; refusals are ``CaseError``s the API maps to 400/403/404/409.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from claimdesk.bounds import Day
from claimdesk.cases.api import NotFound
from claimdesk.cases.services import NotAllowed
from claimdesk.staff.services import is_staff_member
from claimdesk.types import AuthedRequest
from claimdesk.underwriting import selectors, services
from claimdesk.underwriting.models import Application, UnderwritingQuery
from claimdesk.underwriting.rules import HEALTH_QUESTIONS

router = Router(tags=["underwriting"])


class UwProblem(Schema):
    """Why underwriting refused: ``errors`` by field; above authority ``who_can`` (who may
    decide it) and ``escalated_to`` (whom it was sent to)."""

    detail: str
    errors: dict[str, str] | None = None
    who_can: list[str] | None = None
    escalated_to: str | None = None


_ERRORS = {400: UwProblem, 403: UwProblem, 404: UwProblem, 409: UwProblem}


class ApplicationIn(Schema):
    product: str = Field(..., max_length=40, description="the product's code")
    sum_insured: Decimal = Field(..., gt=0, max_digits=14, decimal_places=2)
    standard_premium: Decimal = Field(..., gt=0, max_digits=14, decimal_places=2)
    insured_name: str = Field(..., min_length=1, max_length=60)
    insured_id_number: str = Field(..., min_length=1, max_length=30)
    insured_birth_date: Day
    relation_to_applicant: str = Field("本人", max_length=20)
    occupation: str = Field(..., min_length=1, max_length=60)
    occupation_class: int = Field(..., ge=1, le=6)
    occupation_details: str = Field("", max_length=2000)
    health_answers: dict[str, bool] = Field(
        ..., description="every question code of GET /underwriting/questions: true or false"
    )
    health_details: str = Field("", max_length=4000)


class QueryOut(Schema):
    id: int
    kind: str
    question: str
    raised_at: datetime
    answer: str
    answered_at: datetime | None


class UnderwritingDecisionOut(Schema):
    id: int
    outcome: str
    outcome_label: str
    reason: str
    extra_premium_percent: Decimal | None
    exclusion: str
    premium: Decimal | None
    status: str
    signatures_required: int
    signatures: int


class ApplicationOut(Schema):
    number: str
    status: str
    status_label: str
    product: str
    sum_insured: Decimal
    standard_premium: Decimal
    premium: Decimal | None
    insured_name: str
    route: str
    uw_decision_due_at: datetime | None
    uw_decision_clock: str
    policy_no: str | None
    queries: list[QueryOut]
    decisions: list[UnderwritingDecisionOut]


class QueryIn(Schema):
    kind: str = Field(..., max_length=20, description="medical_exam, questions or documents")
    question: str = Field(..., min_length=1, max_length=2000)


class AnswerIn(Schema):
    answer: str = Field(..., min_length=1, max_length=4000)


class DecisionIn(Schema):
    outcome: str = Field(
        ..., max_length=20, description="accept, accept_rated, accept_exclusion, postpone, decline"
    )
    reason: str = Field(..., min_length=1, max_length=2000)
    extra_premium_percent: Decimal | None = Field(None, max_digits=5, decimal_places=2)
    exclusion: str = Field("", max_length=2000)


class QuestionOut(Schema):
    code: str
    text: str


def _out(application: Application) -> dict:
    case = application.case
    clock = case.deadlines.filter(rule__code="uw_decision", task__isnull=True).first()
    return {
        "number": case.number,
        "status": case.status,
        "status_label": case.status_label(),
        "product": application.product.code,
        "sum_insured": application.sum_insured,
        "standard_premium": application.standard_premium,
        "premium": application.premium,
        "insured_name": application.insured_name,
        "route": application.route,
        "uw_decision_due_at": clock.due_at if clock and clock.state == "running" else None,
        "uw_decision_clock": clock.state if clock else "",
        "policy_no": application.policy.number if application.policy else None,
        "queries": list(application.queries.all()),
        "decisions": [
            {
                "id": d.pk,
                "outcome": d.outcome,
                "outcome_label": d.get_outcome_display(),
                "reason": d.reason,
                "extra_premium_percent": d.extra_premium_percent,
                "exclusion": d.exclusion,
                "premium": d.premium,
                "status": d.status,
                "signatures_required": d.signatures_required,
                "signatures": d.signatures.count(),
            }
            for d in application.decisions.all()
        ],
    }


def _find(request: AuthedRequest, number: str) -> Application:
    application = selectors.application_find(request.user, number)
    if application is None:
        raise NotFound(_("No application %(number)s.") % {"number": number})
    return application


@router.get("/underwriting/questions", response=list[QuestionOut])
def health_questions(request: AuthedRequest):
    """The health questionnaire every application answers (健康告知)."""
    return [{"code": code, "text": str(text)} for code, text in HEALTH_QUESTIONS.items()]


@router.post("/underwriting/applications", response={201: ApplicationOut, **_ERRORS})
def application_create(request: AuthedRequest, payload: ApplicationIn):
    """A customer applies for themselves; the rules route it at once (clean and small:
    accepted; something to ask: a 问题件; otherwise an underwriter decides)."""
    if is_staff_member(request.user):
        raise NotAllowed(_("Applications are submitted by the applicant."))
    data = services.ApplicationInput(
        product_code=payload.product,
        sum_insured=payload.sum_insured,
        standard_premium=payload.standard_premium,
        insured_name=payload.insured_name,
        insured_id_number=payload.insured_id_number,
        insured_birth_date=payload.insured_birth_date,
        relation_to_applicant=payload.relation_to_applicant,
        occupation=payload.occupation,
        occupation_class=payload.occupation_class,
        occupation_details=payload.occupation_details,
        health_answers=payload.health_answers,
        health_details=payload.health_details,
    )
    application = services.application_submit(
        data=data, customer=request.user, actor=request.user, now=timezone.now()
    )
    return Status(201, _out(_find(request, application.case.number)))


@router.get("/underwriting/applications/{number}", response={200: ApplicationOut, 404: UwProblem})
def application_detail(request: AuthedRequest, number: str):
    """An application with its 问题件, decisions and clock (404 if not the caller's)."""
    return Status(200, _out(_find(request, number)))


@router.post(
    "/underwriting/applications/{number}/queries", response={201: ApplicationOut, **_ERRORS}
)
def query_create(request: AuthedRequest, number: str, payload: QueryIn):
    """Underwriter: ask the applicant (问题件); ``uw_decision`` pauses until answered."""
    application = _find(request, number)
    services.query_raise(
        application=application,
        kind=payload.kind,
        question=payload.question,
        actor=request.user,
        now=timezone.now(),
    )
    return Status(201, _out(_find(request, number)))


@router.post(
    "/underwriting/applications/{number}/queries/{query_id}/answer",
    response={200: ApplicationOut, **_ERRORS},
)
def query_answer(request: AuthedRequest, number: str, query_id: int, payload: AnswerIn):
    """Applicant: answer a 问题件; the last answer resumes the clock."""
    application = _find(request, number)
    query = UnderwritingQuery.objects.filter(pk=query_id, application=application).first()
    if query is None:
        raise NotFound(_("No such question on application %(number)s.") % {"number": number})
    services.query_answer(
        query=query, answer=payload.answer, actor=request.user, now=timezone.now()
    )
    return Status(200, _out(_find(request, number)))


@router.post(
    "/underwriting/applications/{number}/decision", response={200: ApplicationOut, **_ERRORS}
)
def decision_create(request: AuthedRequest, number: str, payload: DecisionIn):
    """Underwriter: decide within authority. Above it: 403 with ``who_can`` and
    ``escalated_to``; the decision waits there for the higher signature."""
    application = _find(request, number)
    services.decision_propose(
        application=application,
        terms=services.DecisionTerms(
            outcome=payload.outcome,
            reason=payload.reason,
            extra_premium_percent=payload.extra_premium_percent,
            exclusion=payload.exclusion,
        ),
        actor=request.user,
        now=timezone.now(),
    )
    return Status(200, _out(_find(request, number)))


@router.post(
    "/underwriting/applications/{number}/decision/sign", response={200: ApplicationOut, **_ERRORS}
)
def decision_sign(request: AuthedRequest, number: str):
    """The next level or the second underwriter signs the pending decision."""
    application = _find(request, number)
    pending = selectors.pending_decision(application)
    if pending is None:
        raise NotFound(_("No decision awaits a signature on %(number)s.") % {"number": number})
    services.decision_sign(decision=pending, actor=request.user, now=timezone.now())
    return Status(200, _out(_find(request, number)))
