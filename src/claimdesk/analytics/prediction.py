"""When will an open claim be paid? From how long similar claims took, never a promise.

"Similar" = paid claims of the same product and loss type whose estimated amount falls in the
same amount band (``rules.AMOUNT_BANDS``), paid in the last ``HISTORY_DAYS``. For each of them
the database measures the time from its (last) entry into the status our claim is in now to
its payment confirmation — the remaining stages only. Claims that were already paid by the
time our claim has spent in its status are left out (they tell nothing about what remains),
so the dates always lie ahead. The median and the 80th percentile of those durations, added
to the moment our claim entered its status, are the expected dates. With fewer than
``rules.MIN_SIMILAR_CLAIMS`` such claims it says so instead of guessing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import F, OuterRef, Subquery
from django.utils.translation import gettext as _

from claimdesk.analytics import rules
from claimdesk.analytics.sql import STATUS_EVENTS, percentiles
from claimdesk.cases.models import CaseEvent
from claimdesk.claims.forecast import PaymentForecast
from claimdesk.claims.models import Claim
from claimdesk.workdays.clocks import to_local

HISTORY_DAYS = 365
# Payment confirmed: the claim leaves "paying" for "closed".
PAID = {"from_status": "paying", "to_status": "closed"}
NO_PAYMENT = {"rejected", "withdrawn"}


def _days(seconds: float) -> str:
    return f"{seconds / 86400:.1f}"


def _band_text(low, high) -> str:
    if low is None:
        return _("any amount")
    if high is None:
        return _("¥%(low)s or more") % {"low": f"{low:,.0f}"}
    return _("¥%(low)s–%(high)s") % {"low": f"{low:,.0f}", "high": f"{high:,.0f}"}


def expected_payment(claim: Claim, *, now: datetime) -> PaymentForecast:
    """The expected payment dates of ``claim`` as of ``now`` (see the module docstring)."""
    case = claim.case
    events = CaseEvent.objects.filter(case=case)
    paid = events.filter(kind="transition", **PAID).order_by("at").first()
    if paid is not None:
        day = f"{to_local(paid.at):%Y-%m-%d}"
        return PaymentForecast(paid.at, paid.at, _("Paid on %(day)s.") % {"day": day}, 0)
    if case.status in NO_PAYMENT or case.status not in rules.PATH_TO_PAYMENT_STATUSES:
        return PaymentForecast(None, None, _("No payment is expected for this claim."), 0)

    entered = (
        events.filter(kind__in=STATUS_EVENTS, to_status=case.status)
        .order_by("-at", "-id")
        .values_list("at", flat=True)
        .first()
    ) or case.opened_at
    elapsed = max(now - entered, timedelta(0))
    low, high = rules.amount_band(claim.estimated_amount)

    # Driven from the payment events of the last year (a range on the timeline), joined to
    # their claims for product, loss type and amount band.
    history = CaseEvent.objects.filter(
        kind="transition",
        at__gte=now - timedelta(days=HISTORY_DAYS),
        at__lt=now,
        case__claim__policy__product_id=claim.policy.product_id,
        case__claim__loss_type=claim.loss_type,
        **PAID,
    ).exclude(case_id=case.pk)
    if low is not None:
        history = history.filter(case__claim__estimated_amount__gte=low)
        if high is not None:
            history = history.filter(case__claim__estimated_amount__lt=high)
    entered_at = CaseEvent.objects.filter(
        case=OuterRef("case"),
        kind__in=STATUS_EVENTS,
        to_status=case.status,
        at__lt=OuterRef("at"),
    )
    history = history.annotate(
        entered_at=Subquery(entered_at.order_by("-at", "-id").values("at")[:1])
    ).filter(entered_at__isnull=False, at__gt=F("entered_at") + elapsed)
    stats = percentiles(history, between=("entered_at", "at"), ps=(0.5, 0.8))
    sample = stats[0]["n"] if stats else 0
    status = case.status_label()
    if sample < rules.MIN_SIMILAR_CLAIMS:
        return PaymentForecast(
            None,
            None,
            _(
                "Not enough history: %(n)d similar claims (same product, loss type and amount "
                "band, paid in the last year after the stage '%(status)s'), need at least "
                "%(min)d. We will tell you as soon as the payment is made."
            )
            % {"n": sample, "status": status, "min": rules.MIN_SIMILAR_CLAIMS},
            sample,
        )
    median = entered + timedelta(seconds=round(stats[0]["p50"]))
    p80 = entered + timedelta(seconds=round(stats[0]["p80"]))
    return PaymentForecast(
        median,
        p80,
        _(
            "Based on %(n)d similar paid claims (same product and loss type, %(band)s): from "
            "the stage '%(status)s' to payment, half took up to %(median)s days and 80%% up to "
            "%(p80)s days. An estimate, not a promise."
        )
        % {
            "n": sample,
            "band": _band_text(low, high),
            "status": status,
            "median": _days(stats[0]["p50"]),
            "p80": _days(stats[0]["p80"]),
        },
        sample,
    )
