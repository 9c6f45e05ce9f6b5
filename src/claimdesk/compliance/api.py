"""Compliance endpoints: check a text, the override log, call transcripts, releasing a held
notification. Writes go through ``compliance.services``; refusals are ``CaseError``s."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from claimdesk.bounds import Moment
from claimdesk.cases.api import CaseProblem, NotFound
from claimdesk.cases.selectors import cases_visible_to
from claimdesk.cases.services import NotAllowed
from claimdesk.compliance import selectors, services
from claimdesk.notify.models import Notification
from claimdesk.types import AuthedRequest

router = Router(tags=["compliance"])
User = get_user_model()


class CheckIn(Schema):
    text: str = Field(..., max_length=20000)


class ViolationOut(Schema):
    term: str = Field(description="The forbidden term (for a pattern rule: what it matched).")
    rule: str = Field(description="The rule's code.")
    start: int = Field(description="Where the hit starts in the text sent (0-based).")
    end: int = Field(description="Where it ends (exclusive): text[start:end] is the hit.")
    reason: str


class CheckOut(Schema):
    ok: bool = Field(description="False when the text may not go out as it is.")
    violations: list[ViolationOut]


class OverrideOut(Schema):
    id: int
    created_at: datetime
    context: str
    text: str
    violations: list[ViolationOut]
    actor: str | None
    manager: str


class TranscriptIn(Schema):
    agent: str = Field(..., max_length=150, description="The agent's username.")
    text: str = Field(..., min_length=1, max_length=200000)
    title: str = Field("", max_length=200)
    case_no: str = Field("", max_length=32)
    called_at: Moment | None = None


class TranscriptOut(Schema):
    id: int
    agent: str
    title: str
    case_no: str | None
    called_at: datetime | None
    uploaded_at: datetime
    violations: list[ViolationOut]


class ReleaseOut(Schema):
    released: int


@router.post("/compliance/check", response={200: CheckOut})
def compliance_check(request: AuthedRequest, payload: CheckIn):
    """Check a text before it is sent; any signed-in user may ask."""
    found = services.compliance_check(payload.text)
    return {
        "ok": not any(v.blocking for v in found),
        "violations": [v.as_dict() for v in found],
    }


@router.get("/compliance/overrides", response={200: list[OverrideOut], 403: CaseProblem})
def override_list(request: AuthedRequest, limit: int = Query(100, ge=1, le=500)):
    """The override log, newest first (managers)."""
    if not services.can_override(request.user):
        raise NotAllowed(_("Only a manager may read the override log."))
    return Status(
        200,
        [
            {
                "id": log.pk,
                "created_at": log.created_at,
                "context": log.context,
                "text": log.text,
                "violations": [
                    {k: v.get(k) for k in ("term", "rule", "start", "end", "reason")}
                    for v in log.violations
                ],
                "actor": log.actor.get_username() if log.actor else None,
                "manager": log.manager.get_username(),
            }
            for log in selectors.overrides()[:limit]
        ],
    )


@router.post(
    "/compliance/transcripts",
    response={201: TranscriptOut, 400: CaseProblem, 403: CaseProblem, 404: CaseProblem},
)
def transcript_create(request: AuthedRequest, payload: TranscriptIn):
    """Upload a call transcript for QA sampling; the automatic check runs at once."""
    agent = User.objects.filter(username=payload.agent).first()
    if agent is None:
        raise NotFound(_("No such agent."))
    case = None
    if payload.case_no:
        case = cases_visible_to(request.user).filter(number=payload.case_no).first()
        if case is None:
            raise NotFound(_("No such case."))
    transcript = services.transcript_upload(
        agent=agent,
        text=payload.text,
        uploaded_by=request.user,
        now=timezone.now(),
        case=case,
        title=payload.title,
        called_at=payload.called_at,
    )
    return Status(
        201,
        {
            "id": transcript.pk,
            "agent": agent.get_username(),
            "title": transcript.title,
            "case_no": case.number if case else None,
            "called_at": transcript.called_at,
            "uploaded_at": transcript.uploaded_at,
            "violations": [v.as_dict() for v in services.compliance_check(transcript.text)],
        },
    )


@router.post(
    "/compliance/notifications/{notification_id}/release",
    response={200: ReleaseOut, 403: CaseProblem, 404: CaseProblem},
)
def notification_release(request: AuthedRequest, notification_id: int):
    """Let a held notification (and its other channels) go out; logged as an override."""
    if not services.can_override(request.user):
        raise NotAllowed(_("Only a manager may release a held message."))
    note = Notification.objects.filter(pk=notification_id).first()
    if note is None:
        raise NotFound(_("No such notification."))
    count = services.notification_release(note, request.user, timezone.now())
    return Status(200, {"released": count})
