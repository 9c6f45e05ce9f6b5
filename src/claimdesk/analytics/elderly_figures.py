"""Figures of the elderly-friendly mode (适老化) and of "转人工" call-backs: how many active
customers read the portal in elderly-friendly mode and how many call-backs they asked for,
and how long a customer waited from pressing "转人工" to being called (the call-back
ticket's inquiry clock: started at the request, stopped by the agent's first reply).
Registered in ``metrics.METRICS`` like every figure, so they are on the dashboard (their own
section, the list of all figures, exports, drill-downs).

Branch and team are the call-back owner's, as everywhere; the product is that of the claim a
call-back was about. "Active customers" of a period are the customer accounts that signed in
or had a case opened in it; whether elderly-friendly mode is on is their choice now.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from claimdesk.analytics import rules
from claimdesk.analytics.filters import Filters
from claimdesk.analytics.metrics import Metric, _drill, _hours, register
from claimdesk.analytics.sql import percentile_sets
from claimdesk.cases.models import Case, Deadline, DeadlineState
from claimdesk.service.models import Category, CustomerPreference
from claimdesk.staff.roles import Role

CALLBACK_CLOCK = "inquiry_reply"
ELDERLY_FIGURES = ("elderly_mode_use", "callback_response")


def _callbacks(f: Filters) -> QuerySet[Case]:
    """Call-back tickets of the filters' owners and product, whatever their dates."""
    return f.with_kind("ticket").scope().filter(category=Category.CALLBACK)


def _drill_callbacks(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    qs = _callbacks(f).filter(f.in_period("opened_at"))
    if params.get("mode") == "elderly":
        qs = qs.filter(ticket__callback__elderly_mode=True)
    elif params.get("mode") == "standard":
        qs = qs.filter(ticket__callback__elderly_mode=False)
    return qs


def _active_customers(f: Filters) -> QuerySet:
    """Customer accounts that signed in during the period or had a case opened in it."""
    lo, hi = f.bounds()
    opened = Case.objects.filter(opened_at__gte=lo, opened_at__lt=hi).values("customer_id")
    return (
        get_user_model()
        .objects.filter(groups__name=Role.CUSTOMER.value)
        .filter(Q(last_login__gte=lo, last_login__lt=hi) | Q(pk__in=opened))
        .distinct()
    )


@register("elderly_mode_use", _drill_callbacks)
def metric_elderly_mode_use(f: Filters) -> Metric:
    """Share of the period's active customers who read the portal in elderly-friendly mode,
    and the call-backs ("转人工") asked for in the period, by mode."""
    active = _active_customers(f)
    n_active = active.count()
    n_elderly = CustomerPreference.objects.filter(
        elderly_mode=True, user__in=active.values("pk")
    ).count()
    calls = _callbacks(f).filter(f.in_period("opened_at"))
    counts = calls.aggregate(
        total=Count("pk"), elderly=Count("pk", filter=Q(ticket__callback__elderly_mode=True))
    )
    rows = [
        {"measure": "active", "measure_label": _("Active customers"), "count": n_active},
        {
            "measure": "elderly",
            "measure_label": _("… with elderly-friendly mode on"),
            "count": n_elderly,
        },
        {
            "measure": "callbacks",
            "measure_label": _("Call-backs asked for"),
            "count": counts["total"],
            "drill": _drill("elderly_mode_use", f),
        },
        {
            "measure": "callbacks_elderly",
            "measure_label": _("… by customers in elderly-friendly mode"),
            "count": counts["elderly"],
            "drill": _drill("elderly_mode_use", f, mode="elderly"),
        },
    ]
    return Metric(
        code="elderly_mode_use",
        label=_("Elderly-friendly mode use"),
        definition=_(
            "Customers with elderly-friendly mode (large type, high contrast, read-aloud) "
            "on ÷ active customers of the period (signed in, or a case opened); and the "
            "call-backs (“talk to a person”) asked for in the period, in all and by customers in that mode."
        ),
        value=rules.percent(n_elderly, n_active),
        unit="%",
        detail=_("%(n)s call-backs asked for") % {"n": counts["total"]},
        rows=rows,
        columns=[("measure_label", _("Measure")), ("count", _("Count"))],
        drill=_drill("elderly_mode_use", f),
        sample=n_active,
    )


def _answered(f: Filters) -> QuerySet[Deadline]:
    """The call-back clocks stopped in the period: the customer was called (met or late)."""
    return Deadline.objects.filter(
        case__in=_callbacks(f).values("pk"),
        task__isnull=True,
        rule__code=CALLBACK_CLOCK,
        stopped_at__isnull=False,
        state__in=(DeadlineState.MET, DeadlineState.BREACHED),
    ).filter(f.in_period("stopped_at"))


def _drill_answered(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    clocks = _answered(f)
    if params.get("mode") == "elderly":
        clocks = clocks.filter(case__ticket__callback__elderly_mode=True)
    elif params.get("mode") == "standard":
        clocks = clocks.filter(case__ticket__callback__elderly_mode=False)
    return Case.objects.filter(pk__in=clocks.values("case_id"))


def _response_row(f: Filters, label: str, clocks: QuerySet[Deadline], mode: str) -> dict:
    counts = clocks.aggregate(
        answered=Count("pk"), met=Count("pk", filter=Q(state=DeadlineState.MET))
    )
    spread = percentile_sets(
        clocks, by={"rule": "rule__code"}, sets=[("rule",)], between=("started_at", "stopped_at")
    ).get(("rule",), [])
    found = spread[0] if spread else {}
    return {
        "mode": mode,
        "mode_label": label,
        "answered": counts["answered"],
        "median_h": _hours(found.get("p50")),
        "p90_h": _hours(found.get("p90")),
        "within_2h": rules.percent(counts["met"], counts["answered"]),
        "drill": _drill("callback_response", f, mode=mode),
    }


@register("callback_response", _drill_answered)
def metric_callback_response(f: Filters) -> Metric:
    """Hours from "转人工" to the agent's first contact, from the call-back's own clock (2
    business hours, the inquiry commitment), for the call-backs answered in the period."""
    clocks = _answered(f)
    rows = [
        _response_row(f, _("All call-backs"), clocks, ""),
        _response_row(
            f,
            _("Customers in elderly-friendly mode"),
            clocks.filter(case__ticket__callback__elderly_mode=True),
            "elderly",
        ),
        _response_row(
            f,
            _("Other customers"),
            clocks.filter(case__ticket__callback__elderly_mode=False),
            "standard",
        ),
    ]
    overall = rows[0]
    rows[0] = {k: v for k, v in overall.items() if k != "drill"}
    return Metric(
        code="callback_response",
        label=_("Call-back response time"),
        definition=_(
            "Median hours from a customer's call-back request (“talk to a person”) to the agent's first "
            "contact, read from the call-back's clock, for the call-backs answered in the "
            "period; with the 90th percentile and the share answered within its 2 business "
            "hours."
        ),
        value=overall["median_h"],
        unit="h",
        detail=_("%(p)s%% called within 2 business hours") % {"p": overall["within_2h"]}
        if overall["within_2h"] is not None
        else "",
        rows=rows,
        columns=[
            ("mode_label", _("Customers")),
            ("answered", _("Called back")),
            ("median_h", _("Median hours")),
            ("p90_h", _("90th percentile hours")),
            ("within_2h", _("Within 2 business hours (%)")),
        ],
        drill=_drill("callback_response", f),
        sample=overall["answered"] or None,
    )
