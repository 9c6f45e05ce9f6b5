"""Figures of policy servicing (保全) and underwriting (核保): volumes, cycle time and SLA
compliance of each, the mix of underwriting decisions, and the lapse and reinstatement rates
of renewal premiums. Registered in ``metrics.METRICS`` like every figure (imported at the end
of ``metrics``), so they are on the dashboard (its servicing section, the list of all
figures, exports, drill-downs) and in the white paper's chapter.

The period filter applies to each figure's own moment (opened, decided, clock stopped, grace
ended, lapsed); branch and team are the case owner's, as everywhere; the product is the
policy's (the application's for underwriting). Lapses and reinstatements have no case of
their own: their drill-down lists the reinstatement requests of the policies concerned.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from claimdesk.analytics import rules
from claimdesk.analytics.filters import Filters
from claimdesk.analytics.metrics import Metric, _drill, _hours, register
from claimdesk.analytics.sql import percentile_sets
from claimdesk.cases.models import Case, CaseEvent, Deadline, DeadlineState
from claimdesk.cases.workflow import sla_label
from claimdesk.policies.models import Endorsement
from claimdesk.servicing.models import PremiumDue, ServiceRequest
from claimdesk.servicing.rules import item_label
from claimdesk.servicing.workflow import KIND as SERVICE
from claimdesk.underwriting.models import (
    OUTCOME_LABELS,
    ROUTE_LABELS,
    DecisionStatus,
    UnderwritingDecision,
)
from claimdesk.underwriting.rules import ACCEPTING, Outcome
from claimdesk.underwriting.workflow import UNDERWRITING

SERVICE_DECIDED = ("approved", "paying", "declined")
SERVICE_CLOCKS = ("service_ack", "service_complete", "surrender_payment")
UW_CLOCKS = ("uw_decision",)


def _scope(f: Filters, kind: str) -> QuerySet[Case]:
    """Cases of ``kind`` of the owner's branch/team and of the policy's product."""
    qs = Case.objects.filter(kind=kind)
    if f.branch:
        qs = qs.filter(owner__staff_profile__branch=f.branch)
    if f.team:
        qs = qs.filter(owner__staff_profile__team=f.team)
    if f.product:
        lookup = (
            "service_request__policy__product__code"
            if kind == SERVICE
            else "uw_application__product__code"
        )
        qs = qs.filter(**{lookup: f.product})
    return qs


def _decided_at(kind: str) -> Subquery:
    """When a case was decided: its first approval or refusal (servicing), its decision
    (underwriting)."""
    events = CaseEvent.objects.filter(case=OuterRef("pk"))
    if kind == SERVICE:
        events = events.filter(kind="transition", to_status__in=SERVICE_DECIDED)
    else:
        events = events.filter(kind="uw_decided")
    return Subquery(events.order_by("at", "id").values("at")[:1])


def _cycle(f: Filters, kind: str, group: str) -> dict[tuple[str, ...], list[dict]]:
    """Median and 90th percentile hours from opening to decision of the cases decided in the
    period, per ``group`` and overall."""
    decided = (
        _scope(f, kind).annotate(decided_at=_decided_at(kind)).filter(f.in_period("decided_at"))
    )
    return percentile_sets(
        decided,
        by={"group": group},
        sets=[("group",), ()],
        between=("opened_at", "decided_at"),
    )


def _sla(f: Filters, kind: str, codes: tuple[str, ...]) -> list[dict]:
    """Per clock rule: met and missed of the clocks that stopped in the period, and the ones
    still running past their due time at the period's end (missed)."""
    as_of = min(f.bounds()[1], timezone.now())
    clocks = Deadline.objects.filter(
        case__in=_scope(f, kind).values("pk"), task__isnull=True, rule__code__in=codes
    )
    stopped = Q(stopped_at__isnull=False) & f.in_period("stopped_at")
    late_now = Q(state__in=(DeadlineState.RUNNING, DeadlineState.PAUSED), due_at__lt=as_of)
    late_now &= Q(started_at__lt=f.bounds()[1])
    grouped = (
        clocks.filter(stopped | late_now)
        .values("rule__code", "rule__name")
        .annotate(
            met=Count("pk", filter=Q(state=DeadlineState.MET)),
            missed=Count("pk", filter=~Q(state=DeadlineState.MET)),
        )
        .order_by("rule__code")
    )
    return [
        {
            "rule": r["rule__code"],
            "label": sla_label(r["rule__code"], r["rule__name"]),
            "met": r["met"],
            "missed": r["missed"],
            "compliance": rules.percent(r["met"], r["met"] + r["missed"]),
        }
        for r in grouped
    ]


def _cycle_cells(cycle: dict[tuple[str, ...], list[dict]], key: str) -> dict[str, object]:
    found = next((r for r in cycle.get(("group",), []) if r.get("group") == key), None)
    if found is None:
        return {"median_h": None, "p90_h": None}
    return {"median_h": _hours(found.get("p50")), "p90_h": _hours(found.get("p90"))}


def _overall(cycle: dict[tuple[str, ...], list[dict]]) -> dict[str, object]:
    rows = cycle.get((), [])
    if not rows:
        return {"median_h": None, "p90_h": None, "n": 0}
    return {
        "median_h": _hours(rows[0].get("p50")),
        "p90_h": _hours(rows[0].get("p90")),
        "n": rows[0]["n"],
    }


def _sla_totals(rows: list[dict]) -> tuple[int, int]:
    met = sum(r["met"] for r in rows)
    return met, met + sum(r["missed"] for r in rows)


# --- servicing ---------------------------------------------------------------------------------


def _drill_servicing(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    qs = _scope(f, SERVICE).filter(f.in_period("opened_at"))
    if params.get("item"):
        qs = qs.filter(service_request__item=params["item"])
    return qs


@register("servicing_volume", _drill_servicing)
def metric_servicing_volume(f: Filters) -> Metric:
    """Policy-service requests opened in the period, per item, with how they ended and how
    long deciding them took."""
    grouped = (
        ServiceRequest.objects.filter(case__in=_scope(f, SERVICE).filter(f.in_period("opened_at")))
        .values("item")
        .annotate(
            opened=Count("pk"),
            approved=Count("pk", filter=Q(case__status__in=("approved", "paying", "paid"))),
            declined=Count("pk", filter=Q(case__status="declined")),
            withdrawn=Count("pk", filter=Q(case__status="withdrawn")),
        )
        .order_by("item")
    )
    cycle = _cycle(f, SERVICE, "category")
    rows = []
    for r in grouped:
        open_now = r["opened"] - r["approved"] - r["declined"] - r["withdrawn"]
        rows.append(
            {
                "item": r["item"],
                "item_label": item_label(r["item"]),
                "opened": r["opened"],
                "approved": r["approved"],
                "declined": r["declined"],
                "in_progress": open_now,
                **_cycle_cells(cycle, r["item"]),
            }
        )
    total = sum(r["opened"] for r in rows)
    overall = _overall(cycle)
    return Metric(
        code="servicing_volume",
        label=_("Policy-service requests"),
        definition=_(
            "Policy-service requests (保全) opened in the period, per item: approved "
            "(including surrenders being paid), declined, still in progress; and the median "
            "and 90th-percentile hours from opening to the approval or refusal of the "
            "requests decided in the period."
        ),
        value=total,
        unit="",
        detail=_("median %(h)s h to decide") % {"h": overall["median_h"]}
        if overall["median_h"] is not None
        else "",
        rows=rows,
        columns=[
            ("item_label", _("Item")),
            ("opened", pgettext("count of cases", "Opened")),
            ("approved", _("Approved")),
            ("declined", _("Declined")),
            ("in_progress", _("In progress")),
            ("median_h", _("Median hours to decide")),
            ("p90_h", _("90th percentile hours")),
        ],
        drill=_drill("servicing_volume", f),
    )


def _drill_servicing_sla(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    codes = (params["rule"],) if params.get("rule") in SERVICE_CLOCKS else SERVICE_CLOCKS
    return _scope(f, SERVICE).filter(deadlines__rule__code__in=codes).distinct()


@register("servicing_sla", _drill_servicing_sla)
def metric_servicing_sla(f: Filters) -> Metric:
    """Servicing clocks kept: acknowledge in 1 working day, complete in 5, pay a surrender
    in 10 days."""
    rows = _sla(f, SERVICE, SERVICE_CLOCKS)
    met, total = _sla_totals(rows)
    return Metric(
        code="servicing_sla",
        label=_("Policy-service SLA compliance"),
        definition=_(
            "Servicing clocks (acknowledge, complete, pay a surrender) met ÷ all that stopped "
            "in the period or were still running past their due time at its end."
        ),
        value=rules.percent(met, total),
        unit="%",
        rows=rows,
        columns=[
            ("label", _("Clock")),
            ("met", _("Met")),
            ("missed", _("Missed")),
            ("compliance", _("Compliance (%)")),
        ],
        drill=_drill("servicing_sla", f),
        sample=total,
    )


# --- underwriting ------------------------------------------------------------------------------


def _drill_underwriting(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    qs = _scope(f, UNDERWRITING).filter(f.in_period("opened_at"))
    if params.get("route"):
        qs = qs.filter(uw_application__route=params["route"])
    if params.get("outcome"):
        qs = _scope(f, UNDERWRITING).filter(
            uw_application__decisions__status=DecisionStatus.APPLIED,
            uw_application__decisions__outcome=params["outcome"],
        )
    return qs


@register("underwriting_volume", _drill_underwriting)
def metric_underwriting_volume(f: Filters) -> Metric:
    """Applications submitted in the period by route, with the 问题件 raised and the hours
    from submission to decision."""
    cases = _scope(f, UNDERWRITING).filter(f.in_period("opened_at"))
    grouped = (
        cases.values("uw_application__route")
        .annotate(
            submitted=Count("pk", distinct=True),
            with_query=Count("pk", distinct=True, filter=Q(uw_application__queries__isnull=False)),
            for_servicing=Count(
                "pk", distinct=True, filter=Q(uw_application__service_case__isnull=False)
            ),
        )
        .order_by("uw_application__route")
    )
    cycle = _cycle(f, UNDERWRITING, "uw_application__route")
    labels = {str(k): str(v) for k, v in ROUTE_LABELS.items()}
    rows = [
        {
            "route": r["uw_application__route"],
            "route_label": labels.get(r["uw_application__route"] or "", "—"),
            "submitted": r["submitted"],
            "with_query": r["with_query"],
            "for_servicing": r["for_servicing"],
            **_cycle_cells(cycle, r["uw_application__route"]),
        }
        for r in grouped
    ]
    overall = _overall(cycle)
    sla_rows = _sla(f, UNDERWRITING, UW_CLOCKS)
    met, total = _sla_totals(sla_rows)
    sla = rules.percent(met, total)
    detail = []
    if overall["median_h"] is not None:
        detail.append(_("median %(h)s h to decide") % {"h": overall["median_h"]})
    if sla is not None:
        detail.append(_("%(p)s%% decided within 3 working days") % {"p": sla})
    return Metric(
        code="underwriting_volume",
        label=_("Underwriting applications"),
        definition=_(
            "Underwriting applications submitted in the period (new business and increases "
            "of the sum insured), per route: how many had a question to the applicant (问题件); "
            "the median and 90th-percentile hours from submission to the decision of those "
            "decided in the period; and the share of underwriting-decision clocks met (paused "
            "while a question is open)."
        ),
        value=sum(r["submitted"] for r in rows),
        unit="",
        detail="；".join(str(d) for d in detail),
        rows=rows,
        columns=[
            ("route_label", pgettext("underwriting", "Route")),
            ("submitted", _("Submitted")),
            ("with_query", _("With a question to the applicant")),
            ("for_servicing", _("Increases of the sum insured")),
            ("median_h", _("Median hours to decide")),
            ("p90_h", _("90th percentile hours")),
        ],
        drill=_drill("underwriting_volume", f),
        sample=total or None,
    )


@register("acceptance_mix", _drill_underwriting)
def metric_acceptance_mix(f: Filters) -> Metric:
    """Underwriting decisions applied in the period by outcome; the headline is the share
    accepted (standard, rated or with an exclusion)."""
    decisions = UnderwritingDecision.objects.filter(
        status=DecisionStatus.APPLIED,
        application__case__in=_scope(f, UNDERWRITING).values("pk"),
    ).filter(f.in_period("applied_at"))
    counts = {
        r["outcome"]: r["n"]
        for r in decisions.values("outcome").annotate(n=Count("pk")).order_by("outcome")
    }
    total = sum(counts.values())
    rows = [
        {
            "outcome": o.value,
            "outcome_label": str(OUTCOME_LABELS[o]),
            "decisions": counts.get(o.value, 0),
            "share": rules.percent(counts.get(o.value, 0), total),
        }
        for o in Outcome
        if counts.get(o.value)
    ]
    accepted = sum(counts.get(o.value, 0) for o in ACCEPTING)
    automatic = decisions.filter(automatic=True).count()
    return Metric(
        code="acceptance_mix",
        label=_("Underwriting acceptance mix"),
        definition=_(
            "Underwriting decisions that took effect in the period, by outcome; the figure is "
            "the share accepted (at standard rates, rated or with an exclusion) of all of them."
        ),
        value=rules.percent(accepted, total),
        unit="%",
        detail=_("%(n)s of %(total)s accepted automatically") % {"n": automatic, "total": total}
        if total
        else "",
        rows=rows,
        columns=[
            ("outcome_label", _("Underwriting decision")),
            ("decisions", _("Decisions")),
            ("share", _("Share (%)")),
        ],
        drill=_drill("acceptance_mix", f, route=""),
        sample=total,
    )


# --- renewal premiums: lapse and reinstatement -------------------------------------------------


def _premiums(f: Filters) -> QuerySet[PremiumDue]:
    qs = PremiumDue.objects.filter(number__gt=1)
    if f.product:
        qs = qs.filter(policy__product__code=f.product)
    return qs


def _lapses(f: Filters) -> QuerySet[Endorsement]:
    qs = Endorsement.objects.filter(
        kind="lapse", effective_on__gte=f.start, effective_on__lte=f.end
    )
    if f.product:
        qs = qs.filter(policy__product__code=f.product)
    return qs


def _drill_lapses(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    policies = _lapses(f).values("policy_id")
    return Case.objects.filter(kind=SERVICE, service_request__policy__in=policies)


@register("lapse_rate", _drill_lapses)
def metric_lapse_rate(f: Filters) -> Metric:
    """Of the renewal premiums whose grace period ended in the period on a policy in force,
    the share still unpaid then, which lapsed the policy (效力中止)."""
    ended = _premiums(f).filter(grace_ends_on__gte=f.start, grace_ends_on__lte=f.end)
    counts = ended.aggregate(
        paid=Count("pk", filter=Q(paid_at__isnull=False, settled_by__isnull=True)),
        lapsed=Count("pk", filter=Q(lapse__isnull=False)),
    )
    total = counts["paid"] + counts["lapsed"]
    rows = [
        {"what": "paid", "label": _("Paid by the end of grace"), "count": counts["paid"]},
        {"what": "lapsed", "label": _("Unpaid: the policy lapsed"), "count": counts["lapsed"]},
    ]
    return Metric(
        code="lapse_rate",
        label=_("Lapse rate"),
        definition=_(
            "Renewal premiums whose grace period ended in the period and lapsed their policy "
            "(unpaid) ÷ those premiums paid in time plus those that lapsed. Premiums of a "
            "policy already lapsed for an earlier one, or settled by a reinstatement, are not "
            "counted. The product filter applies; branch and team do not (a premium has no "
            "owner)."
        ),
        value=rules.percent(counts["lapsed"], total),
        unit="%",
        rows=rows,
        columns=[("label", _("Premiums")), ("count", pgettext("count of cases", "Number"))],
        drill=_drill("lapse_rate", f),
        sample=total,
    )


@register("reinstatement_rate", _drill_lapses)
def metric_reinstatement_rate(f: Filters) -> Metric:
    """Of the policies that lapsed in the period, the share reinstated since (复效)."""
    lapses = _lapses(f)
    reinstated = Endorsement.objects.filter(
        policy=OuterRef("policy"), kind="reinstatement", effective_on__gt=OuterRef("effective_on")
    )
    counts = lapses.aggregate(
        lapsed=Count("policy", distinct=True),
        reinstated=Count("policy", distinct=True, filter=Q(Exists(reinstated))),
    )
    approved = Endorsement.objects.filter(
        kind="reinstatement", effective_on__gte=f.start, effective_on__lte=f.end
    )
    if f.product:
        approved = approved.filter(policy__product__code=f.product)
    rows = [
        {"what": "lapsed", "label": _("Policies lapsed in the period"), "count": counts["lapsed"]},
        {
            "what": "reinstated",
            "label": _("Of them reinstated since"),
            "count": counts["reinstated"],
        },
        {
            "what": "in_period",
            "label": _("Reinstatements effective in the period (any lapse)"),
            "count": approved.count(),
        },
    ]
    return Metric(
        code="reinstatement_rate",
        label=_("Reinstatement rate"),
        definition=_(
            "Policies that lapsed in the period and have been reinstated since (within the two "
            "years the law allows) ÷ all policies that lapsed in the period."
        ),
        value=rules.percent(counts["reinstated"], counts["lapsed"]),
        unit="%",
        rows=rows,
        columns=[("label", _("Policies")), ("count", pgettext("count of cases", "Number"))],
        drill=_drill("reinstatement_rate", f),
        sample=counts["lapsed"],
    )


# The dashboard's servicing section and the white paper's chapter show these, in this order.
SERVICING_FIGURES = (
    "servicing_volume",
    "servicing_sla",
    "underwriting_volume",
    "acceptance_mix",
    "lapse_rate",
    "reinstatement_rate",
)
