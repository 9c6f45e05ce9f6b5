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


@login_required
@permission_required(PAY_PERMISSION, raise_exception=True)
def workbench(request: AuthedRequest) -> HttpResponse:
    groups = selectors.payments_by_state(request.user)
    sections = [
        {
            "state": state,
            "label": STATE_LABELS[state],
            "payments": [
                {
                    "payment": p,
                    "actions": [
                        {"code": a.value, "label": ACTION_LABELS[a], "fields": ACTION_FIELDS[a]}
                        for a in actions_from(p.state)
                    ],
                }
                for p in groups[state.value]
            ],
        }
        for state in PaymentState
    ]
    return render(
        request,
        "payments/workbench.html",
        {"awaiting": list(selectors.claims_awaiting_payment(request.user)), "sections": sections},
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
