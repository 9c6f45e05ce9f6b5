"""Issuing a notice: check the data and record it in the action; render the letter, store
the PDF and tell the customer after the action has committed.

Rendering is the slow part (a fifth of a second), and nothing in the action needs its bytes:
the action writes the notice and its ``notice_issued`` line; a worker reading the committed
timeline (``notice_on_committed``) then renders the PDF, stores it content-addressed, writes
a ``notice_rendered`` line with its fingerprint (sealed by the evidence ledger like any line)
and sends the customer the download link. Whoever needs the PDF before the worker got to it
(a download, the closing archive) renders it then, through the same ``notice_ready``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from claimdesk.cases.models import Case, CaseEvent
from claimdesk.cases.services import CaseError, NotAllowed, can_act
from claimdesk.cases.timeline import case_action, timeline_record
from claimdesk.claims.events import ClaimDecided
from claimdesk.notices import rules
from claimdesk.notices.events import NoticeEventKind
from claimdesk.notices.models import Notice, NoticeKind
from claimdesk.notices.pdf import render_pdf
from claimdesk.notify.services import notification_queue
from claimdesk.types import Actor
from claimdesk.workdays.clocks import SHANGHAI, to_local


class NoticeContextInvalid(CaseError, ValueError):
    """The caller's data cannot make this notice; ``errors`` names every key at fault."""

    status = 400

    def __init__(self, message: str, errors: Mapping[str, str]):
        super().__init__(message, errors=dict(errors))
        self.errors = dict(errors)


def insurer_name() -> str:
    return getattr(settings, "CLAIMDESK_INSURER_NAME", "") or _("ClaimDesk Claims Service Centre")


def notice_language(case: Case, context: Mapping[str, Any]) -> str:
    """The customer's language: ``context["language"]`` when the caller knows it, else the
    site default (zh-hans)."""
    wanted = context.get("language") if isinstance(context, Mapping) else None
    codes = {code for code, _name in settings.LANGUAGES}
    return wanted if wanted in codes else settings.LANGUAGE_CODE


def _customer_name(case: Case) -> str:
    customer = case.customer
    if customer is None:
        return ""
    return customer.get_full_name() or customer.username


def _claim(case: Case):
    return getattr(case, "claim", None) if case.kind == "claim" else None


def _claim_facts(claim) -> dict[str, str]:
    return {
        "policy_no": claim.policy.number,
        "product": claim.policy.product.name,
        "insured_name": claim.insured_name,
        "loss_time": to_local(claim.loss_time).isoformat(),
    }


def _complete(case: Case, context: Mapping[str, Any]) -> dict[str, Any]:
    """The caller's context with the letter's header filled in from the case if left out."""
    full = dict(context)
    full.setdefault("claim_no", case.number)
    full.setdefault("case_kind", case.kind)  # a ticket's letter says "case number"
    if not full.get("customer_name"):
        full["customer_name"] = _customer_name(case)
    claim = _claim(case)
    if claim is not None:
        for key, value in _claim_facts(claim).items():
            if not full.get(key):
                full[key] = value
    if isinstance(full.get("follow_up"), list):  # a blank suggestion is no suggestion
        full["follow_up"] = [
            s for s in full["follow_up"] if not (isinstance(s, str) and not s.strip())
        ]
    return full


def number_label(case_kind: str) -> str:
    """What a letter calls the number of its case."""
    return {
        "claim": _("Claim number"),
        "policy_service": _("Request number"),
        "underwriting": _("Application number"),
    }.get(case_kind, _("Case number"))


def _template_context(
    kind: str, context: Mapping[str, Any], *, issued_at: datetime
) -> dict[str, Any]:
    calculation = context.get("calculation") or {}
    loss_time = datetime.fromisoformat(context["loss_time"]) if context.get("loss_time") else None
    if loss_time is not None and loss_time.tzinfo is None:  # read as Shanghai time, as people do
        loss_time = loss_time.replace(tzinfo=SHANGHAI)
    return {
        "kind": kind,
        "title": str(NoticeKind(kind).label),
        "c": context,
        "number_label": number_label(str(context.get("case_kind", "claim"))),
        "insurer": insurer_name(),
        "issued_at": to_local(issued_at),
        "loss_time": to_local(loss_time) if loss_time is not None else None,
        "decision_label": rules.decision_label(str(context.get("decision") or "")),
        "currency": calculation.get("currency") or "CNY",
        "lines": [
            {**line, "amount_text": rules.fmt_money(line.get("amount"))}
            for line in calculation.get("lines", [])
        ],
        "exclusions": calculation.get("exclusions", []),
        "total_text": rules.fmt_money(calculation.get("total")),
        "claimed_text": rules.fmt_money(calculation.get("claimed")),
        "cited": rules.cited_clauses(calculation),
        "assessed_text": rules.fmt_money(context.get("assessed_loss")),
        "follow_up": context.get("follow_up") or [str(s) for s in rules.DEFAULT_FOLLOW_UP],
    }


def notice_html(*, kind: str, context: Mapping[str, Any], language: str, issued_at) -> str:
    """The letter as HTML, in ``language`` (what ``render_pdf`` prints)."""
    with translation.override(language):
        return render_to_string(
            f"notices/pdf/{kind}.html", _template_context(kind, context, issued_at=issued_at)
        )


def notice_render(notice: Notice) -> bytes:
    """Render a stored notice again from its context (same templates → same bytes)."""
    html = notice_html(
        kind=notice.kind,
        context=notice.context,
        language=notice.language,
        issued_at=notice.created_at,
    )
    return render_pdf(html)


def _store(pdf: bytes, sha256: str) -> tuple[str, bool]:
    """Save under a name derived from the content; (name, whether this call wrote it)."""
    name = f"notices/{sha256[:2]}/{sha256}.pdf"
    if default_storage.exists(name):
        return name, False
    saved = default_storage.save(name, ContentFile(pdf))
    if saved != name:  # the same bytes were stored concurrently: keep one copy
        default_storage.delete(saved)
        return name, False
    return name, True


def notice_url(notice: Notice) -> str:
    """Where the customer downloads it in the portal (absolute when the site URL is set)."""
    path = reverse("notices:pdf", args=[notice.pk])
    return getattr(settings, "CLAIMDESK_SITE_URL", "").rstrip("/") + path


def notice_issue(*, case: Case, kind: str, context: dict, actor: Actor, now: datetime) -> Notice:
    """Issue a written notice of ``kind`` on ``case``, rendered from ``context``.

    ``actor`` None is the system (a scheduled job); a person needs one of the kind's
    permissions on this case. The context is checked per kind (every fault named at once),
    the letter rendered in the customer's language, the PDF stored with its fingerprint, a
    customer-visible ``notice_issued`` event written and the customer told through the
    outbox with the download link.
    """
    if kind not in NoticeKind.values:
        raise NoticeContextInvalid(
            _("Unknown notice kind %(kind)r; one of: %(kinds)s")
            % {"kind": kind, "kinds": ", ".join(NoticeKind.values)},
            {"kind": _("unknown")},
        )
    if actor is not None and not any(
        can_act(actor, case, permission) for permission in rules.PERMISSIONS[kind]
    ):
        raise NotAllowed(
            _("You may not issue a %(kind)s on case %(number)s.")
            % {"kind": NoticeKind(kind).label, "number": case.number}
        )
    full = _complete(case, context) if isinstance(context, Mapping) else context
    errors = rules.context_errors(kind, full)
    if not errors and full.get("claim_no") != case.number:
        errors["claim_no"] = _("is %(given)s but the case is %(number)s") % {
            "given": full.get("claim_no"),
            "number": case.number,
        }
    if errors:
        raise NoticeContextInvalid(str(rules.ContextInvalid(errors)), errors)
    stored = rules.as_json(full)
    language = notice_language(case, stored)
    with case_action(), translation.override(language):
        title = f"{NoticeKind(kind).label} {case.number}"
        notice = Notice.objects.create(
            case=case,
            kind=kind,
            title=title,
            language=language,
            context=stored,
            issued_by=actor,
            created_at=now,
        )
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind=NoticeEventKind.NOTICE_ISSUED,
            customer_visible=True,
            data={
                "notice": notice.pk,
                "notice_kind": kind,
                "title": title,
                "text": _("We issued you a written notice: %(title)s.") % {"title": title},
            },
        )
    return notice


def notice_ready(notice: Notice, *, now: datetime | None = None) -> Notice:
    """``notice`` with its PDF: rendered, stored and announced now unless that is done.

    Idempotent and safe in parallel: the notice row is locked, and a notice that has its
    fingerprint is returned as it is. The PDF is stored under its fingerprint, so a render
    repeated after a crash finds its file already there.
    """
    if notice.sha256:
        return notice
    with case_action():
        locked = (
            Notice.objects.select_for_update(of=("self",))
            .select_related("case__customer")
            .get(pk=notice.pk)
        )
        if locked.sha256:
            return locked
        pdf = render_pdf(
            notice_html(
                kind=locked.kind,
                context=locked.context,
                language=locked.language,
                issued_at=locked.created_at,
            )
        )
        locked.sha256 = hashlib.sha256(pdf).hexdigest()
        locked.file.name, _written = _store(pdf, locked.sha256)
        locked.size = len(pdf)
        locked.save(update_fields=["file", "sha256", "size"])
        _announce(locked, now=now or locked.created_at)
    return locked


def _announce(notice: Notice, *, now: datetime) -> None:
    """The rendered letter's fingerprint on the timeline, and its link to the customer."""
    case = notice.case
    timeline_record(
        case,
        now=now,
        actor=None,
        kind=NoticeEventKind.NOTICE_RENDERED,
        data={"notice": notice.pk, "sha256": notice.sha256, "size": notice.size},
    )
    if case.customer is None:
        return
    claim = _claim(case)
    with translation.override(notice.language):
        notification_queue(
            recipient=case.customer,
            case=case,
            kind="notice_issued",
            now=now,
            phone=claim.contact_phone if claim is not None else None,
            subject=_("%(title)s is ready") % {"title": notice.title},
            body=_("Your %(kind)s for %(number)s is ready. Download it here: %(url)s")
            % {"kind": notice.kind_label, "number": case.number, "url": notice_url(notice)},
        )


def notice_fingerprints(case: Case) -> list[str]:
    """The SHA-256 of every notice of ``case``, oldest first (the closing manifest's part);
    a notice the worker has not rendered yet is rendered now."""
    notices = Notice.objects.filter(case=case).order_by("id")
    return [notice_ready(n).sha256 for n in notices]


def notice_on_committed(lines: list[CaseEvent]) -> None:
    """After an action's commit: the PDF of every notice it issued (a worker's job)."""
    ids = [line.data.get("notice") for line in lines if line.kind == NoticeEventKind.NOTICE_ISSUED]
    for notice in Notice.objects.filter(pk__in=[i for i in ids if i], sha256=""):
        notice_ready(notice)


def notice_on_claim_decided(event: ClaimDecided) -> None:
    """The written notice of a decision, issued as the decision becomes the claim's."""
    notice_issue(
        case=event.case,
        kind=event.notice_kind,
        context=event.notice_context,
        actor=event.actor,
        now=event.now,
    )
