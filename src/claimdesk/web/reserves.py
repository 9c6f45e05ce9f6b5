"""The claim page's reserve and recovery sections: the reserve history with each change and
its reason, the adequacy flags, the handler's manual adjustment (and a higher signer's
signature), and the claim's recoveries with their letters and amounts received. Reads go
through selectors, writes through the services; refusals come back as messages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from claimdesk.cases.services import GuardFailed, can_act
from claimdesk.claims import services
from claimdesk.claims.models import Claim, RequestStatus, ReserveRequest
from claimdesk.claims.services.reserves import ADJUST_PERMISSIONS, reserve_limit
from claimdesk.recoveries import services as recovery_services
from claimdesk.recoveries.models import Recovery, RecoveryKind
from claimdesk.recoveries.rules import OPENED_BY_HAND, RECOVERABLE_LINES
from claimdesk.recoveries.selectors import claim_recoveries
from claimdesk.recoveries.workflow import PERMISSION as RECOVERY_PERMISSION
from claimdesk.web.adjudication import claim_form_act
from claimdesk.workdays.clocks import to_local


def reserve_context(claim: Claim, user, now: datetime) -> dict[str, Any]:
    """What staff see of the claim's reserve and recoveries."""
    case = claim.case
    pending = services.reserve_pending(claim)
    may_adjust = case.is_open and any(can_act(user, case, p) for p in ADJUST_PERMISSIONS)
    return {
        "reserve": services.reserve_totals(claim),
        "reserve_history": services.reserve_history(claim),
        "reserve_flags": services.claim_reserve_flags(claim, now=now),
        "reserve_pending": pending,
        "may_adjust_reserve": may_adjust,
        "may_sign_reserve": pending is not None
        and pending.requested_by_id != user.pk
        and any(can_act(user, case, p) for p in ADJUST_PERMISSIONS),
        "my_reserve_limit": reserve_limit(user),
        "recoveries": claim_recoveries(claim),
        "may_open_recovery": claim.loss_type in RECOVERABLE_LINES
        and claim.decision != "reject"
        and can_act(user, case, RECOVERY_PERMISSION),
        "may_pursue": user.has_perm(RECOVERY_PERMISSION),
        "recovery_kinds": [c for c in RecoveryKind.choices if c[0] in OPENED_BY_HAND],
    }


@login_required
@require_POST
def reserve_adjust(request: HttpRequest, number: str) -> HttpResponse:
    def do(claim: Claim) -> str:
        movement = services.reserve_adjust(
            claim=claim,
            amount=request.POST.get("amount", ""),
            reason=request.POST.get("reason", ""),
            actor=request.user,
            now=timezone.now(),
        )
        return _("Reserve set to %(amount)s.") % {"amount": movement.amount}

    return claim_form_act(request, number, do)


@login_required
@require_POST
def reserve_request_act(request: HttpRequest, number: str, request_id: int) -> HttpResponse:
    def do(claim: Claim) -> str:
        pending = ReserveRequest.objects.filter(
            pk=request_id, claim=claim, status=RequestStatus.PENDING
        ).first()
        if pending is None:
            raise Http404
        now = timezone.now()
        if request.POST.get("act") == "refuse":
            services.reserve_request_refuse(
                request=pending, actor=request.user, now=now, note=request.POST.get("note", "")
            )
            return _("Reserve change refused.")
        movement = services.reserve_request_sign(request=pending, actor=request.user, now=now)
        return _("Reserve set to %(amount)s.") % {"amount": getattr(movement, "amount", "")}

    return claim_form_act(request, number, do)


@login_required
@require_POST
def recovery_open(request: HttpRequest, number: str) -> HttpResponse:
    def do(claim: Claim) -> str:
        recovery = recovery_services.recovery_open(
            claim=claim,
            kind=request.POST.get("kind", ""),
            counterparty=request.POST.get("counterparty", ""),
            contact=request.POST.get("contact", ""),
            expected=request.POST.get("expected", ""),
            basis=request.POST.get("basis", ""),
            actor=request.user,
            now=timezone.now(),
        )
        return _("Recovery %(number)s opened.") % {"number": recovery.case.number}

    return claim_form_act(request, number, do)


def _recovery(claim: Claim, recovery_id: int) -> Recovery:
    recovery = Recovery.objects.filter(pk=recovery_id, claim=claim).select_related("case").first()
    if recovery is None:
        raise Http404
    return recovery


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise GuardFailed(_("Give the day the amount was received (YYYY-MM-DD).")) from None


@login_required
@require_POST
def recovery_act(request: HttpRequest, number: str, recovery_id: int) -> HttpResponse:
    def do(claim: Claim) -> str:
        recovery = _recovery(claim, recovery_id)
        now = timezone.now()
        act = request.POST.get("act", "")
        if act == "letter":
            letter = recovery_services.recovery_letter(
                recovery=recovery, actor=request.user, now=now
            )
            return _("%(kind)s issued to %(to)s.") % {
                "kind": letter.get_kind_display(),
                "to": recovery.counterparty,
            }
        if act == "receive":
            raw_day = request.POST.get("received_on", "") or to_local(now).date().isoformat()
            receipt = recovery_services.recovery_receive(
                recovery=recovery,
                amount=request.POST.get("amount", ""),
                reference=request.POST.get("reference", ""),
                received_on=_day(raw_day),
                actor=request.user,
                now=now,
            )
            return _("%(amount)s received on %(number)s.") % {
                "amount": receipt.amount,
                "number": recovery.case.number,
            }
        if act == "close":
            recovery_services.recovery_close(
                recovery=recovery,
                reason=request.POST.get("reason", ""),
                actor=request.user,
                now=now,
            )
            return _("Recovery %(number)s closed.") % {"number": recovery.case.number}
        raise GuardFailed(_("Unknown action on a recovery."))

    return claim_form_act(request, number, do)
