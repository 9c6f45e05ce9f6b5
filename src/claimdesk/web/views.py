"""Server-rendered pages. Views read through selectors and write through services only."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from claimdesk.cases import selectors, services, worklist
from claimdesk.cases.countdown import countdown_text
from claimdesk.cases.models import Case, CaseEvent, Deadline, DeadlineState, SlaRule
from claimdesk.cases.refusals import refuse_case
from claimdesk.cases.timeline import event_label
from claimdesk.cases.workflow import Transition
from claimdesk.claims import selectors as claim_selectors
from claimdesk.claims.forecast import payment_forecast
from claimdesk.claims.models import Claim
from claimdesk.claims.rules import RIGHTS_NOTICE
from claimdesk.claims.services import (
    ReportInvalid,
    ReportNeedsConfirmation,
    claim_item_set_state,
    claim_report,
)
from claimdesk.documents import selectors as document_selectors
from claimdesk.documents.services import document_upload, may_upload
from claimdesk.notices.selectors import notices_for
from claimdesk.notify.models import Notification
from claimdesk.partners.services import direct_settlement_for_customer
from claimdesk.policies.rules import PHONE_DIGITS, normalize_phone
from claimdesk.policies.selectors import policies_visible_to
from claimdesk.service.models import Ticket
from claimdesk.staff.services import is_staff_member
from claimdesk.stp import selectors as stp_selectors
from claimdesk.underwriting.selectors import accepted_declaration
from claimdesk.web.adjudication import adjudication_context
from claimdesk.web.forms import (
    ClaimReportForm,
    HotlineReportForm,
    hotline_initial,
    required_by_type,
)
from claimdesk.web.reserves import reserve_context

# What the fields an action requires are called on its form.
FIELD_LABELS = {
    "items": gettext_lazy("Materials to supplement"),
    "reason": gettext_lazy("Reason"),
    "message": gettext_lazy("Message to the customer"),
    "resolution": gettext_lazy("Resolution"),
    "bank_ref": gettext_lazy("Bank transaction reference"),
}


def _duration_text(span: timedelta) -> str:
    return countdown_text(max(0, int(span.total_seconds())))


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("web:my_work" if is_staff_member(request.user) else "web:my_cases")


def _work_rows(rows: list[worklist.WorkRow], now: datetime) -> list[dict]:
    return [
        {"item": r, **worklist.clock_cells(r.due_at, now, paused=r.clock_state == "paused")}
        for r in rows
    ]


def _work_context(request: HttpRequest) -> dict:
    """My rows and, for someone who leads a team, the team's overdue and escalated rows."""
    now = timezone.now()
    context = {"rows": _work_rows(worklist.my_work(request.user, now=now), now), "now": now}
    if worklist.team_of(request.user) is not None:
        context["team_rows"] = _work_rows(worklist.team_alerts(request.user, now=now), now)
    return context


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    """Staff: my open work, the nearest due first, each row with the clock that drives it."""
    if not is_staff_member(request.user):
        return redirect("web:my_cases")
    return render(request, "web/my_work.html", _work_context(request))


@login_required
def my_work_rows(request: HttpRequest) -> HttpResponse:
    """The same rows alone, for the page's periodic refresh."""
    if not is_staff_member(request.user):
        raise Http404
    return render(request, "web/_work_rows.html", _work_context(request))


@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    cases = (
        selectors.cases_visible_to(request.user)
        .select_related("owner")
        .annotate(has_claim=Exists(Claim.objects.filter(case=OuterRef("pk"))))
    )
    rows = list(cases.order_by("-opened_at")[:100])
    claims = [c for c in rows if c.has_claim]
    # "See progress", the second of the portal's three main tasks: the latest open claim.
    progress = next((c for c in claims if c.is_open), claims[0] if claims else None)
    return render(request, "web/my_cases.html", {"cases": rows, "progress_case": progress})


def _case_or_404(request: HttpRequest, number: str) -> Case:
    case = selectors.cases_visible_to(request.user).filter(number=number).first()
    if case is None:
        refuse_case(request.user, number)
    return case


def guard_fields(t: Transition) -> tuple[str, ...]:
    """The data fields an action's guard insists on, so its form can ask for them.

    ``rules.requires`` builds the guard as a closure over the field names; an explicit
    ``fields`` attribute, when the kernel provides one, wins.
    """
    if t.guard is None:
        return ()
    fields = getattr(t.guard, "fields", None)
    if fields is None:
        cells = [c.cell_contents for c in (t.guard.__closure__ or ())]
        fields = next((c for c in cells if isinstance(c, tuple)), ("reason",))
    return tuple(fields)


def _clock_rows(clocks: list[Deadline], now: datetime) -> list[dict]:
    rows = []
    for d in clocks:
        row: dict = {"clock": d, "seconds_left": None, "remaining": ""}
        if d.state == DeadlineState.RUNNING:
            row["seconds_left"] = int((d.due_at - now).total_seconds())
            row["remaining"] = countdown_text(row["seconds_left"])
        elif d.state == DeadlineState.PAUSED:
            row["remaining"] = _("%(left)s left when resumed") % {
                "left": _duration_text(d.budget - d.consumed)
            }
        elif d.stopped_at is not None and d.state == DeadlineState.BREACHED:
            row["remaining"] = _("%(late)s late") % {
                "late": _duration_text(
                    d.stopped_at - d.due_at if d.stopped_at > d.due_at else d.consumed - d.budget
                )
            }
        rows.append(row)
    return rows


def _event_rows(case: Case, events: list[CaseEvent]) -> list[dict]:
    labels = {t.action: t.label for t in case.workflow.transitions}
    wf = case.workflow
    rule_names = dict(SlaRule.objects.values_list("code", "name"))
    rows = []
    for e in events:
        data = e.data or {}
        what = labels.get(e.action, e.action) if e.kind == "transition" else event_label(e.kind)
        detail = []
        if rule := data.get("rule"):
            detail.append(rule_names.get(rule, rule))
        if e.kind == "deadline_stopped" and data.get("outcome"):
            detail.append(str(DeadlineState(data["outcome"]).label))
        if e.kind == "task_assigned" and data.get("assignee"):
            detail.append("→ " + data["assignee"])
        if e.kind in ("reminder", "overdue", "escalation") and data.get("to"):
            detail.append("→ " + data["to"])
        for key in ("items", "reason", "message", "resolution", "result"):
            if data.get(key):
                detail.append(str(data[key]))
        rows.append(
            {
                "event": e,
                "what": what,
                "to_status": wf.state_label(e.to_status) if e.to_status else "",
                "detail": " · ".join(str(d) for d in detail),
            }
        )
    return rows


@login_required
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_or_404(request, number)
    staff = is_staff_member(request.user)
    has_claim = Claim.objects.filter(case=case).exists()
    if has_claim and not staff:
        return redirect("web:claim_detail", number=number)  # the customer's progress page
    if Ticket.objects.filter(case=case).exists():
        # A service-desk ticket is worked on its own page: replies pass the compliance gate.
        return redirect("service:ticket", number=number)
    now = timezone.now()
    actions = [
        {
            "transition": t,
            "fields": [(f, FIELD_LABELS.get(f, f)) for f in guard_fields(t)],
        }
        for t in case.workflow.available(case.status)
        if staff and services.can_act(request.user, case, t.permission)
    ]
    events = list(selectors.case_timeline(case, customer_view=not staff))
    return render(
        request,
        "web/case_detail.html",
        {
            "case": case,
            # Customers see the case's commitments, not the internal ones of staff tasks.
            "clocks": _clock_rows(
                [d for d in selectors.case_clocks(case) if staff or d.task_id is None], now
            ),
            "events": _event_rows(case, events),
            "actions": actions,
            "staff": staff,
            "now": now,
            "has_claim": has_claim,
        },
    )


@login_required
@require_POST
def case_act(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_or_404(request, number)
    action = request.POST.get("action", "")
    data = {
        k: v.strip()
        for k, v in request.POST.items()
        if k not in ("csrfmiddlewaretoken", "action") and v.strip()
    }
    try:
        case = services.case_transition(
            case=case, action=action, actor=request.user, now=timezone.now(), data=data
        )
    except services.CaseError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Done: %(status)s") % {"status": case.status_label()},
        )
    return redirect("web:case_detail", number=number)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    rows = (
        Notification.objects.filter(recipient=request.user, channel="inapp")
        .exclude(status="held")  # held by the compliance check until a manager releases it
        .select_related("case")[:100]
    )
    return render(request, "web/notifications.html", {"rows": rows})


# --- claims: report (portal, hotline), the claim's page, checklist decisions ---------------

# Claim events the staff timeline also tells in the customer's words.
CLAIM_EVENT_KINDS = frozenset(
    {"item_received", "item_accepted", "item_returned", "materials_complete"}
)


def _claim_or_404(request: HttpRequest, number: str) -> Claim:
    claim = claim_selectors.claim_find(request.user, number)
    if claim is None:
        refuse_case(request.user, number)
    return claim


def _customer_event_text(e: CaseEvent, claim: Claim) -> str:
    if e.kind == "document_received":
        return _("We received your file %(name)s.") % {"name": (e.data or {}).get("name", "")}
    return claim_selectors.event_text(e, claim)


def _claim_timeline(claim: Claim, events: list[CaseEvent], *, staff: bool) -> list[dict]:
    """Customers read every event as a sentence; staff get the kernel's detail as well."""
    if not staff:
        return [
            {
                "event": e,
                "what": _customer_event_text(e, claim),
                "to_status": "",
                "detail": "",
            }
            for e in events
        ]
    rows = _event_rows(claim.case, events)
    for row in rows:
        if row["event"].kind == "document_received":
            row["detail"] = (row["event"].data or {}).get("name", "")
        elif row["event"].kind in CLAIM_EVENT_KINDS:
            row["what"], row["detail"] = claim_selectors.event_text(row["event"], claim), ""
    return rows


def _policies_for_form(user):
    return policies_visible_to(user).prefetch_related("insured").order_by("number")


def _confirmed(request: HttpRequest) -> list[str]:
    """The cautions the reporter confirmed, carried by the confirm step's button."""
    return [code for code in request.POST.get("confirmed", "").split(",") if code]


def _report(request: HttpRequest, form, *, channel: str) -> HttpResponse | None:
    """Hand a valid form to ``claim_report`` with the cautions the reporter confirmed (the
    confirm step's button carries them); on a question or a refusal, keep it on the form."""
    try:
        result = claim_report(
            reporter=request.user,
            report=form.report(),
            channel=channel,
            now=timezone.now(),
            idempotency_key=request.POST.get("idempotency_key", ""),
            confirmed=_confirmed(request),
        )
    except ReportNeedsConfirmation as exc:
        form.cautions = exc.cautions
        return None
    except ReportInvalid as exc:
        form.add_service_errors(exc.errors)
        return None
    except services.CaseError as exc:
        form.add_error(None, exc.message)
        return None
    number = result.claim.number
    if result.created:
        messages.success(request, _("Claim %(number)s is registered.") % {"number": number})
    return redirect("web:claim_detail", number=number)


def _report_page(
    request: HttpRequest,
    form_class,
    *,
    channel: str,
    policies,
    initial: dict | None = None,
    extra: dict | None = None,
) -> HttpResponse:
    if request.method == "POST":
        form = form_class(request.POST, policies=policies)
        if form.is_valid() and (done := _report(request, form, channel=channel)):
            return done
        key = request.POST.get("idempotency_key") or uuid4().hex
    else:
        form = form_class(policies=policies, initial=initial)
        key = uuid4().hex
    return render(
        request,
        "web/claim_report.html",
        {
            "form": form,
            "channel": channel,
            "idempotency_key": key,
            "required_by_type": required_by_type(),
            "no_policies": channel == "portal" and not policies,
            "cautions": form.cautions,
            # Confirming the questions asked now keeps what was confirmed before.
            "confirm_codes": ",".join(
                dict.fromkeys([*_confirmed(request), *(c.code for c in form.cautions)])
            ),
            "same_event": any(c.claims for c in form.cautions),
            **(extra or {}),
        },
        status=_report_status(request, form, extra or {}),
    )


def _report_status(request: HttpRequest, form, extra: dict) -> int:
    """400 for a refused report or caller look-up; a question to confirm is no error."""
    if form.cautions and not form.errors:
        return 200
    return 400 if request.method == "POST" or extra.get("caller_error") else 200


@login_required
def claim_new(request: HttpRequest) -> HttpResponse:
    """Customer portal: report a claim on one of my policies."""
    if is_staff_member(request.user):
        return redirect("web:claim_hotline")
    if not request.user.has_perm("cases.act_as_customer"):
        raise Http404
    policies = list(_policies_for_form(request.user))
    return _report_page(request, ClaimReportForm, channel="portal", policies=policies)


@login_required
def claim_hotline(request: HttpRequest) -> HttpResponse:
    """An agent enters a report taken on the phone and owns the case (首问负责制)."""
    if not (is_staff_member(request.user) and request.user.has_perm("claims.handle_intake")):
        raise Http404
    caller, chosen, error = _caller_context(request)
    return _report_page(
        request,
        HotlineReportForm,
        channel="hotline",
        policies=(),
        initial=hotline_initial(chosen, phone=caller.phone if caller else ""),
        extra={
            "caller": caller,
            "caller_query": request.GET.get("caller", ""),
            "caller_error": error,
            "chosen": chosen,
        },
    )


def _caller_context(request: HttpRequest):
    """The hotline's caller look-up (``?caller=`` a phone) and the policy the agent chose
    from it (``?policy=``), or a message saying what to type."""
    if request.method != "GET":
        return None, None, ""
    caller = None
    query = request.GET.get("caller", "").strip()
    if query:
        phone = normalize_phone(query)
        if not PHONE_DIGITS.match(phone):
            return None, None, _("Type the caller's whole phone number, digits only.")
        caller = claim_selectors.caller_lookup(user=request.user, phone=phone)
    number = request.GET.get("policy", "").strip()
    chosen = None
    if number and "\x00" not in number:
        chosen = (
            policies_visible_to(request.user)
            .prefetch_related("insured")
            .filter(number=number)
            .first()
        )
    return caller, chosen, ""


@login_required
def claim_detail(request: HttpRequest, number: str) -> HttpResponse:
    """The claim at a glance, right after the report and at every visit after: stage,
    the one-time checklist, the clocks with their due times, the rights notice and the
    emergency guidance; flags and possible duplicates for staff, who also decide items."""
    claim = _claim_or_404(request, number)
    case = claim.case
    staff = is_staff_member(request.user)
    now = timezone.now()
    progress = claim_selectors.claim_progress(claim)
    # Staff see every clock, their tasks' too; the customer the case's own commitments.
    clocks = selectors.case_clocks(case) if staff else claim_selectors.claim_clocks(claim)
    may_decide = (
        staff and case.is_open and services.can_act(request.user, case, "claims.handle_intake")
    )
    return render(
        request,
        "web/claim_detail.html",
        {
            "claim": claim,
            "case": case,
            "staff": staff,
            "now": now,
            "stages": progress.stages,
            "items": progress.checklist,
            "core_missing": claim_selectors.missing_core_items(progress.checklist),
            "clocks": _clock_rows(clocks, now),
            "payment_due": progress.expected_payment,
            "expected": payment_forecast(claim, now=now) if case.is_open else None,
            "events": _claim_timeline(
                claim, claim_selectors.claim_events(claim, request.user), staff=staff
            ),
            "notice": RIGHTS_NOTICE,
            "guidance": claim_selectors.claim_guidance(claim),
            "flags": claim_selectors.claim_flags(claim) if staff else [],
            "duplicates": list(claim.possible_duplicates.all()) if staff else [],
            "may_decide": may_decide,
            "documents": _document_rows(claim, progress.checklist),
            "may_upload": case.is_open and may_upload(request.user, claim),
            "notices": notices_for(case, request.user),
            # 如实告知: what the policy was accepted on, beside the claim judged against it.
            "declaration": accepted_declaration(claim.policy) if staff else None,
            **(adjudication_context(claim, request.user) if staff else {}),
            **(reserve_context(claim, request.user, now) if staff else {}),
            **_stp_context(claim, staff=staff),
            # 直赔: the partner's bill, what the insurer pays it and the customer's own share.
            "direct": direct_settlement_for_customer(claim),
        },
    )


def _stp_context(claim: Claim, *, staff: bool) -> dict:
    """Straight-through processing on the claim page: the automatic decision with its
    calculation (everyone), or the rules checked with the failed ones (staff)."""
    check = stp_selectors.claim_check(claim)
    if check is None:
        return {}
    decision = check.decision
    return {
        "stp": check,
        "stp_rules": stp_selectors.check_rows(check) if staff else [],
        "stp_lines": decision.calculation.get("lines", []) if decision is not None else [],
        "stp_payment": claim.payments.order_by("instructed_at").first()
        if decision is not None
        else None,
    }


# What OCR proposes, in the order the page shows it.
OCR_FIELDS = (
    ("amount", gettext_lazy("Amount")),
    ("date", gettext_lazy("Date")),
    ("name", gettext_lazy("Name")),
    ("policy_no", gettext_lazy("Policy number")),
    ("hospital", gettext_lazy("Hospital")),
    ("diagnosis", gettext_lazy("Diagnosis")),
)


def _document_rows(claim: Claim, items) -> list[dict]:
    """Each uploaded file with what OCR read from it: a proposal for staff to confirm."""
    names = {i.code: i.name for i in items}
    rows = []
    for doc in document_selectors.claim_documents(claim):
        fields = doc.confirmed_fields or doc.ocr_fields or {}
        rows.append(
            {
                "doc": doc,
                "item": names.get(doc.kind, ""),
                "suggested": names.get(doc.suggested_item, doc.suggested_item),
                "fields": [(k, label, fields[k]) for k, label in OCR_FIELDS if fields.get(k)],
            }
        )
    return rows


@login_required
@require_POST
def claim_document_add(request: HttpRequest, number: str) -> HttpResponse:
    """Upload a file for the claim (optionally for one checklist item); OCR follows."""
    claim = _claim_or_404(request, number)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
        return redirect("web:claim_detail", number=number)
    try:
        result = document_upload(
            claim=claim,
            file=upload,
            item_code=request.POST.get("item") or None,
            actor=request.user,
            now=timezone.now(),
        )
    except services.CaseError as exc:
        messages.error(request, exc.message)
    else:
        text = (
            _("%(name)s was already on file.")
            if result.duplicate
            else _("%(name)s uploaded; the text is being read.")
        )
        messages.success(request, text % {"name": result.document.original_name})
    return redirect("web:claim_detail", number=number)


@login_required
@require_POST
def claim_item_act(request: HttpRequest, number: str, item_id: int) -> HttpResponse:
    """Staff mark a checklist item received, accepted or returned (with a reason)."""
    claim = _claim_or_404(request, number)
    item = claim.items.filter(pk=item_id).first()
    if item is None:
        raise Http404
    state = request.POST.get("state", "")
    if state not in ("received", "accepted", "returned"):
        messages.error(request, _("Unknown change of a material's state."))
        return redirect("web:claim_detail", number=number)
    try:
        item = claim_item_set_state(
            item=item,
            state=state,
            actor=request.user,
            now=timezone.now(),
            reason=request.POST.get("reason", ""),
        )
    except services.CaseError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(item)s: %(state)s") % {"item": item.name, "state": item.get_state_display()},
        )
    return redirect("web:claim_detail", number=number)
