"""Portal page: download a notice (session login; a customer only their own claims')."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.views.decorators.http import require_GET

from claimdesk.notices.api import pdf_response
from claimdesk.notices.selectors import notice_find
from claimdesk.types import AuthedRequest


@login_required
@require_GET
def notice_pdf(request: AuthedRequest, notice_id: int):
    notice = notice_find(request.user, notice_id)
    if notice is None:
        raise Http404
    return pdf_response(notice)
