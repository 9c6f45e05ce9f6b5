"""Investigation endpoints: the review of a claim (staff only), survey assignment and
report, repair-shop objections. Reads go through the selectors, writes through the services;
refusals are ``CaseError``s that the API maps to 400/403/404/409."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from claimdesk.cases.api import CaseProblem, NotFound
from claimdesk.cases.services import NotAllowed
from claimdesk.claims import selectors as claim_selectors
from claimdesk.claims.models import Claim
from claimdesk.investigation import selectors, services
from claimdesk.investigation.models import RepairObjection, Survey
from claimdesk.types import AuthedRequest

router = Router(tags=["investigation"])
User = get_user_model()


# --- schemas ------------------------------------------------------------------------------


class RiskFlagOut(Schema):
    code: str
    reason: str


class HitClauseOut(Schema):
    article: str
    title: str
    text: str


class TextHitOut(Schema):
    term: str
    kind: str
    kind_label: str
    source: str
    source_label: str
    snippet: str
    detail: str
    clause: HitClauseOut | None


class ClaimReviewOut(Schema):
    claim_no: str
    path: str
    path_label: str
    illness: str
    flags: list[RiskFlagOut]
    text_hits: list[TextHitOut]


class SiteSurveyIn(Schema):
    surveyor: str | None = Field(None, max_length=150, description="username; empty: automatic")


class SiteSurveyOut(Schema):
    id: int
    claim_no: str
    surveyor: str
    status: str
    certificate: str
    assigned_at: datetime
    due_at: datetime | None
    findings: str
    assessed_loss: Decimal | None
    method: str
    basis: str
    photos: list[int]
    reported_at: datetime | None


class SurveyReportIn(Schema):
    findings: str = Field(..., min_length=1, max_length=8000)
    assessed_loss: Decimal = Field(..., ge=0, max_digits=14, decimal_places=2)
    method: str = Field(..., min_length=1, max_length=8000)
    basis: str = Field("", max_length=4000)
    photos: list[int] = Field(default_factory=list, max_length=100)


class AppraisalIn(Schema):
    qualification: str = Field("disability", min_length=1, max_length=40)
    institution: int | None = Field(
        None, description="an institution of the registry (its id); empty: the rotation"
    )


class AppraisalOut(Schema):
    claim_no: str
    institution_id: int
    institution: str
    region: str
    licence_no: str
    licence_expires_on: date | None
    qualification: str


class RepairObjectionIn(Schema):
    shop: str = Field(..., min_length=1, max_length=100)
    text: str = Field(..., min_length=1, max_length=8000)
    amount_claimed: Decimal = Field(..., ge=0, max_digits=14, decimal_places=2)


class RepairObjectionResolveIn(Schema):
    resolution: str = Field(..., min_length=1, max_length=8000)
    rechecked_amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)


class RepairObjectionOut(Schema):
    id: int
    survey: int
    shop: str
    text: str
    amount_claimed: Decimal
    status: str
    raised_at: datetime
    due_at: datetime | None
    resolution: str
    rechecked_amount: Decimal | None
    resolved_at: datetime | None


# --- helpers ------------------------------------------------------------------------------


def _claim(request: AuthedRequest, claim_no: str) -> Claim:
    claim = claim_selectors.claim_find(request.user, claim_no)
    if claim is None:
        raise NotFound(_("No claim %(number)s.") % {"number": claim_no})
    if not selectors.review_visible(request.user):
        raise NotAllowed(_("Investigation reviews are for staff."))
    return claim


def _survey(request: AuthedRequest, survey_id: int) -> Survey:
    survey = selectors.surveys_visible_to(request.user).filter(pk=survey_id).first()
    if survey is None:
        raise NotFound(_("No survey %(id)s.") % {"id": survey_id})
    return survey


def _survey_out(survey: Survey) -> dict:
    return {
        "id": survey.pk,
        "claim_no": survey.claim.number,
        "surveyor": survey.surveyor.username,
        "status": survey.status,
        "certificate": survey.certificate,
        "assigned_at": survey.assigned_at,
        "due_at": survey.task.due_at,
        "findings": survey.findings,
        "assessed_loss": survey.assessed_loss,
        "method": survey.method,
        "basis": survey.basis,
        "photos": sorted(survey.photos.values_list("pk", flat=True)),
        "reported_at": survey.reported_at,
    }


def _objection_out(o: RepairObjection) -> dict:
    return {
        "id": o.pk,
        "survey": o.survey_id,
        "shop": o.shop,
        "text": o.text,
        "amount_claimed": o.amount_claimed,
        "status": o.status,
        "raised_at": o.raised_at,
        "due_at": o.deadline.due_at if o.deadline is not None else None,
        "resolution": o.resolution,
        "rechecked_amount": o.rechecked_amount,
        "resolved_at": o.resolved_at,
    }


def review_out(claim: Claim) -> dict:
    review = selectors.claim_review(claim)
    return {
        "claim_no": claim.number,
        "path": review.path,
        "path_label": review.path_label,
        "illness": review.illness,
        "flags": [{"code": f.code, "reason": f.reason} for f in review.flags],
        "text_hits": [
            {
                "term": h.term,
                "kind": h.kind,
                "kind_label": h.kind_label,
                "source": h.source,
                "source_label": h.source_label,
                "snippet": h.snippet,
                "detail": h.detail,
                "clause": {
                    "article": h.clause_article,
                    "title": h.clause_title,
                    "text": h.clause_text,
                }
                if h.clause_article
                else None,
            }
            for h in review.text_hits
        ],
    }


# --- endpoints ----------------------------------------------------------------------------


@router.get(
    "/claims/{claim_no}/review",
    response={200: ClaimReviewOut, 403: CaseProblem, 404: CaseProblem},
)
def claim_review(request: AuthedRequest, claim_no: str):
    """Path (online / simplified / investigate / standard), red flags with reasons and
    text-check hits with the clause each touches. Staff only; nothing here decides."""
    return review_out(_claim(request, claim_no))


@router.post(
    "/claims/{claim_no}/surveys",
    response={
        201: SiteSurveyOut,
        400: CaseProblem,
        403: CaseProblem,
        404: CaseProblem,
        409: CaseProblem,
    },
)
def survey_create(request: AuthedRequest, claim_no: str, payload: SiteSurveyIn):
    """Send a surveyor (the one named, else chosen by certification, region and load)."""
    claim = _claim(request, claim_no)
    surveyor = None
    if payload.surveyor:
        surveyor = User.objects.filter(username=payload.surveyor).first()
        if surveyor is None:
            raise NotFound(_("No user %(name)s.") % {"name": payload.surveyor})
    survey = services.survey_assign(
        claim=claim, actor=request.user, now=timezone.now(), surveyor=surveyor
    )
    return Status(201, _survey_out(survey))


@router.post(
    "/claims/{claim_no}/appraisals",
    response={201: AppraisalOut, 400: CaseProblem, 403: CaseProblem, 404: CaseProblem},
)
def appraisal_create(request: AuthedRequest, claim_no: str, payload: AppraisalIn):
    """Refer the claim to a licensed appraisal institution of the registry: the one named,
    else the one the published rotation rule chooses. An institution outside the registry,
    or with an expired licence, is refused (the latter also tells the manager)."""
    claim = _claim(request, claim_no)
    chosen = services.appraisal_select(
        claim=claim,
        actor=request.user,
        now=timezone.now(),
        qualification=payload.qualification,
        institution=payload.institution,
    )
    return Status(
        201,
        {
            "claim_no": claim.number,
            "institution_id": chosen.pk,
            "institution": chosen.name,
            "region": chosen.region,
            "licence_no": chosen.licence_no,
            "licence_expires_on": chosen.licence_expires_on,
            "qualification": payload.qualification,
        },
    )


@router.get("/surveys/{survey_id}", response={200: SiteSurveyOut, 404: CaseProblem})
def survey_detail(request: AuthedRequest, survey_id: int):
    return _survey_out(_survey(request, survey_id))


@router.post(
    "/surveys/{survey_id}/report",
    response={
        200: SiteSurveyOut,
        400: CaseProblem,
        403: CaseProblem,
        404: CaseProblem,
        409: CaseProblem,
    },
)
def survey_report(request: AuthedRequest, survey_id: int, payload: SurveyReportIn):
    """The assigned surveyor's report; the customer gets the written result."""
    survey = services.survey_report_submit(
        survey=_survey(request, survey_id),
        actor=request.user,
        now=timezone.now(),
        findings=payload.findings,
        assessed_loss=payload.assessed_loss,
        method=payload.method,
        photos=payload.photos,
        basis=payload.basis,
    )
    return _survey_out(survey)


@router.post(
    "/surveys/{survey_id}/objections",
    response={
        201: RepairObjectionOut,
        400: CaseProblem,
        403: CaseProblem,
        404: CaseProblem,
        409: CaseProblem,
    },
)
def objection_create(request: AuthedRequest, survey_id: int, payload: RepairObjectionIn):
    """Record a repair shop's objection; it is re-checked within 24 hours."""
    objection = services.repair_objection_raise(
        survey=_survey(request, survey_id),
        actor=request.user,
        now=timezone.now(),
        shop=payload.shop,
        text=payload.text,
        amount_claimed=payload.amount_claimed,
    )
    return Status(201, _objection_out(objection))


@router.post(
    "/objections/{objection_id}/resolve",
    response={
        200: RepairObjectionOut,
        400: CaseProblem,
        403: CaseProblem,
        404: CaseProblem,
        409: CaseProblem,
    },
)
def objection_resolve(request: AuthedRequest, objection_id: int, payload: RepairObjectionResolveIn):
    surveys = selectors.surveys_visible_to(request.user)
    objection = (
        RepairObjection.objects.filter(pk=objection_id, survey__in=surveys)
        .select_related("deadline")
        .first()
    )
    if objection is None:
        raise NotFound(_("No objection %(id)s.") % {"id": objection_id})
    objection = services.repair_objection_resolve(
        objection=objection,
        actor=request.user,
        now=timezone.now(),
        resolution=payload.resolution,
        rechecked_amount=payload.rechecked_amount,
    )
    return _objection_out(RepairObjection.objects.select_related("deadline").get(pk=objection.pk))
