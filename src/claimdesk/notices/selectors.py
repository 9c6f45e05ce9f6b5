"""Reads of notices: who may see which letter follows who may see the case."""

from __future__ import annotations

from functools import partial

from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from claimdesk.cases.models import Case, CaseEvent
from claimdesk.cases.selectors import cases_visible_to
from claimdesk.notices.models import Notice, NoticeKind
from claimdesk.types import Actor


def notices_for(case: Case, user: Actor) -> QuerySet[Notice]:
    """The notices of ``case``, newest first; none when ``user`` may not see the case.

    A claim's list also holds the letters of the service tickets about it (the written
    answer to an objection is issued on the objection ticket), each only if ``user`` may
    see that ticket too.
    """
    visible = cases_visible_to(user)
    if not visible.filter(pk=case.pk).exists():
        return Notice.objects.none()
    about = Q(case=case)
    if case.kind == "claim" and apps.is_installed("claimdesk.service"):
        about |= Q(case__ticket__claim_id=case.pk)
    return (
        Notice.objects.filter(about, case__in=visible)
        .select_related("case")
        .order_by("-created_at", "-id")
    )


def notices_of_policy(policy: object, user: Actor) -> QuerySet[Notice]:
    """The letters of every policy-service request and underwriting application about
    ``policy`` that ``user`` may see (批单, refusals, the decision on an increase), newest
    first."""
    return (
        Notice.objects.filter(
            Q(case__service_request__policy=policy)
            | Q(case__uw_application__policy_changed=policy),
            case__in=cases_visible_to(user),
        )
        .select_related("case")
        .order_by("-created_at", "-id")
    )


def notice_find(user: Actor, notice_id: int) -> Notice | None:
    """The notice if ``user`` may see its case (else None: a 404, never a 403, so a guessed
    id does not tell whether it exists)."""
    return (
        Notice.objects.filter(pk=notice_id, case__in=cases_visible_to(user))
        .select_related("case")
        .first()
    )


def notice_event_text(event: CaseEvent) -> str | None:
    """A ``notice_issued`` line of the timeline in the customer's words (None for others)."""
    kind = (event.data or {}).get("notice_kind")
    if event.kind != "notice_issued" or kind not in NoticeKind.values:
        return None
    return _("We issued you a written notice: %(title)s.") % {"title": NoticeKind(kind).label}


def notices_stored_files(case_ids: list[int]):
    """The rendered letters of these cases with the SHA-256 recorded when they were stored
    (the ledger re-hashes them; the fingerprint itself is chained in ``notice_rendered``)."""
    from claimdesk.ledger.chained import StoredFile

    rows = Notice.objects.filter(case_id__in=case_ids).exclude(sha256="").order_by("case_id", "pk")
    for notice in rows.only("pk", "case_id", "file", "sha256"):
        yield StoredFile(
            case_id=notice.case_id,
            record_type="notice",
            record_id=notice.pk,
            name=notice.file.name,
            sha256=notice.sha256,
            open=partial(notice.file.storage.open, notice.file.name, "rb"),
        )
