"""The finance workbench: claims awaiting their payment, payments by state, the actions.

Reads through ``payments.selectors``, writes through ``payments.services`` only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from claimdesk.cases import worklist
from claimdesk.cases.services import CaseError
from claimdesk.claims.selectors import claim_find
from claimdesk.payments import selectors
from claimdesk.payments.rules import (
    ACTION_LABELS,
    MAX_RECONCILE_BYTES,
    STATE_LABELS,
    PaymentState,
    actions_from,
)
from claimdesk.payments.services import (
    PAY_PERMISSION,
    payment_act,
    payment_instruct,
    payments_reconcile,
)
from claimdesk.types import AuthedRequest

# Inputs an action's form asks for.
ACTION_FIELDS = {
    "send": ("bank_ref",),
    "confirm": ("bank_ref",),
    "fail": ("reason", "bank_ref"),
    "retry": ("bank_ref",),
    "escalate": ("note",),
}


def _clocked(rows: list[dict], case_of, clocks: dict, now) -> list[dict]:
    """Each row with the clock of its claim (the payment commitment while it runs), the
    nearest due first: what finance must do next is at the top."""
    for row in rows:
        clock = clocks.get(case_of(row).pk)
        row["clock"] = clock
        row["cells"] = worklist.clock_cells(
            clock.due_at if clock else None,
            now,
            paused=bool(clock and clock.clock_state == "paused"),
        )
    return worklist.sort_by_due(rows, lambda r: r["clock"].due_at if r["clock"] else None)


@login_required
@permission_required(PAY_PERMISSION, raise_exception=True)
def workbench(request: AuthedRequest) -> HttpResponse:
    """Claims to instruct and payments by state, each with its payment clock, nearest due
    first; confirmed payments (done) are listed without one."""
    now = timezone.now()
    groups = selectors.payments_by_state(request.user)
    awaiting = [{"claim": c} for c in selectors.claims_awaiting_payment(request.user)]
    open_payments = [
        p for state, ps in groups.items() if state != PaymentState.CONFIRMED for p in ps
    ]
    clocks = worklist.live_clocks(
        [r["claim"].case for r in awaiting] + [p.case for p in open_payments]
    )
    sections = [
        {
            "state": state,
            "label": STATE_LABELS[state],
            "clocked": state != PaymentState.CONFIRMED,
            "payments": _clocked(
                [
                    {
                        "payment": p,
                        "actions": [
                            {
                                "code": a.value,
                                "label": ACTION_LABELS[a],
                                "fields": ACTION_FIELDS[a],
                            }
                            for a in actions_from(p.state)
                        ],
                    }
                    for p in groups[state.value]
                ],
                lambda r: r["payment"].case,
                clocks,
                now,
            ),
        }
        for state in PaymentState
    ]
    return render(
        request,
        "payments/workbench.html",
        {
            "awaiting": _clocked(awaiting, lambda r: r["claim"].case, clocks, now),
            "sections": sections,
        },
    )


@login_required
@require_POST
@permission_required(PAY_PERMISSION, raise_exception=True)
def instruct(request: AuthedRequest, number: str) -> HttpResponse:
    claim = claim_find(request.user, number)
    if claim is None:
        raise Http404
    try:
        payment = payment_instruct(claim=claim, actor=request.user, now=timezone.now())
    except CaseError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Payment %(reference)s of ¥%(amount)s instructed.")
            % {"reference": payment.reference, "amount": payment.amount},
        )
    return redirect("payments:workbench")


@login_required
@require_POST
@permission_required(PAY_PERMISSION, raise_exception=True)
def act(request: AuthedRequest, reference: str, action: str) -> HttpResponse:
    payment = selectors.payment_find(request.user, reference)
    if payment is None:
        raise Http404
    data = {k: request.POST.get(k, "").strip() for k in ("bank_ref", "reason", "note")}
    try:
        payment = payment_act(
            payment=payment, action=action, actor=request.user, now=timezone.now(), data=data
        )
    except CaseError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Payment %(reference)s: %(state)s")
            % {"reference": payment.reference, "state": payment.state_label()},
        )
    return redirect("payments:workbench")


@login_required
@require_POST
@permission_required(PAY_PERMISSION, raise_exception=True)
def reconcile(request: AuthedRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose the bank's reconciliation file."))
        return redirect("payments:workbench")
    if upload.size is not None and upload.size > MAX_RECONCILE_BYTES:
        messages.error(request, _("The file is too large."))
        return redirect("payments:workbench")
    try:
        result = payments_reconcile(actor=request.user, now=timezone.now(), file=upload.read())
    except CaseError as exc:
        messages.error(request, exc.message)
        return redirect("payments:workbench")
    messages.success(
        request,
        _("Reconciled: %(confirmed)s confirmed, %(failed)s failed, %(unchanged)s unchanged.")
        % {
            "confirmed": len(result.confirmed),
            "failed": len(result.failed),
            "unchanged": len(result.unchanged),
        },
    )
    for e in result.errors:
        messages.error(
            request,
            _("Line %(row)s (%(reference)s): %(message)s")
            % {"row": e.row, "reference": e.reference or "-", "message": e.message},
        )
    return redirect("payments:workbench")
