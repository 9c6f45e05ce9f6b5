"""Notices over HTTP: the list of a claim's letters and each letter's PDF.

A customer sees their own claims' notices, staff those of the cases their role lets them
see; anything else is a 404.
"""

from __future__ import annotations

from datetime import datetime

from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from claimdesk.cases.api import CaseProblem, NotFound
from claimdesk.claims.selectors import claim_find
from claimdesk.notices.models import Notice
from claimdesk.notices.selectors import notice_find, notices_for
from claimdesk.notices.services import notice_ready
from claimdesk.servicing.selectors import request_by_number
from claimdesk.types import AuthedRequest
from claimdesk.underwriting.selectors import application_find
from claimdesk.workdays.clocks import to_local

router = Router(tags=["notices"])


class NoticeOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    created_at: datetime
    sha256: str
    url: str


def notice_out(notice: Notice) -> dict:
    return {
        "id": notice.pk,
        "kind": notice.kind,
        "kind_label": notice.kind_label,
        "title": notice.title,
        "created_at": to_local(notice.created_at),
        "sha256": notice.sha256,
        "url": reverse("api:notice_pdf", kwargs={"notice_id": notice.pk}),
    }


def pdf_response(notice: Notice) -> FileResponse:
    """The stored PDF, shown in the browser, under an ASCII file name (rendered now if the
    worker has not yet)."""
    notice = notice_ready(notice, now=timezone.now())
    response = FileResponse(
        notice.file.open("rb"),
        as_attachment=False,
        filename=notice.filename,
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.get("/claims/{claim_no}/notices", response={200: list[NoticeOut], 404: CaseProblem})
def notice_list(request: AuthedRequest, claim_no: str):
    """The written notices of a claim, newest first, each with the URL of its PDF."""
    claim = claim_find(request.user, claim_no)
    if claim is None:
        raise NotFound(_("No claim %(number)s.") % {"number": claim_no})
    return Status(200, [notice_out(n) for n in notices_for(claim.case, request.user)])


@router.get(
    "/notices/{notice_id}/pdf",
    url_name="notice_pdf",
    response={404: CaseProblem},
    openapi_extra={
        "responses": {
            200: {
                "description": "The notice as PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def notice_pdf(request: AuthedRequest, notice_id: int):
    """One notice's PDF (inline, with a file name such as rejection-CLM…-7.pdf)."""
    notice = notice_find(request.user, notice_id)
    if notice is None:
        raise NotFound(_("No notice %(id)s.") % {"id": notice_id})
    return pdf_response(notice)


@router.get("/policy-service/{number}/notices", response={200: list[NoticeOut], 404: CaseProblem})
def service_notice_list(request: AuthedRequest, number: str):
    """The written notices of a policy-service request (its 批单, or why it was declined),
    newest first, each with the URL of its PDF."""
    found = request_by_number(request.user, number)
    if found is None:
        raise NotFound(_("No request %(number)s.") % {"number": number})
    return Status(200, [notice_out(n) for n in notices_for(found.case, request.user)])


@router.get(
    "/underwriting/applications/{number}/notices",
    response={200: list[NoticeOut], 404: CaseProblem},
)
def application_notice_list(request: AuthedRequest, number: str):
    """The underwriting decision notice(s) of an application, newest first."""
    found = application_find(request.user, number)
    if found is None:
        raise NotFound(_("No application %(number)s.") % {"number": number})
    return Status(200, [notice_out(n) for n in notices_for(found.case, request.user)])
