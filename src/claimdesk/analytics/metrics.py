"""The analytics figures: one named, documented function per metric, all database aggregations.

Every metric is ``metric_x(f: Filters) -> Metric`` and is registered in ``METRICS`` under its
code. A ``Metric`` carries the headline value, its plain-words definition (shown beside the
figure), the table behind it (``rows``/``columns``: breakdowns, charts, exports) and ``drill``:
the query parameters of ``/analytics/cases/`` that list the cases behind the figure (the
filters, ``metric=<code>`` and, on a row, that row's breakdown keys). ``cases_behind(params, f)``
turns those parameters back into the case queryset (the drill-down page calls it).
``scorecard(f)`` groups the figures into the four evaluation dimensions.

Python only shapes the few grouped rows each query returns (and applies the formulas of
``rules``); no metric loops over cases.

Note for the index / summary-table work (helper C) — these queries rely on:
- ``cases_caseevent (case_id, at)`` (exists: ``event_case_at``): stage durations use
  ``LEAD(at) OVER (PARTITION BY case_id ORDER BY at, id)`` over events of kind opened /
  transition; "closed in the period" is an event with ``to_status='closed'`` and ``at`` in the
  period: an index on ``(to_status, at)`` (or ``(kind, to_status, at)``) serves it;
- ``cases_case`` by ``kind`` and ``opened_at`` ranges: an index on ``(kind, opened_at)``;
  backlog "now" reads ``(kind, status)`` (exists: ``case_kind_status``); backlog at a past
  moment takes each case's last status event before it (``event_case_at`` again);
- ``expected_payment`` (prediction.py) starts from payment events (``kind='transition',
  from_status='paying', to_status='closed'``) of the last year: the ``(to_status, at)`` index
  above serves it too;
- ``cases_deadline`` by ``(state, stopped_at)`` (SLA compliance) and live clocks by ``due_at``;
- ``claims_claim.decided_at`` (rejection / investigation pass rate);
- ``feedback_survey.answered_at``; ``service_ticket`` 1-1 with its case;
- ``policies_policy (holder_id, start)`` and ``end`` (renewal, cross-sell).
``analytics/migrations/0001_dashboard_indexes.py`` builds these.

Summary tables (``analytics.models``, kept by ``analytics.summaries`` in the kernel's
transition transaction and by signal receivers, backfilled by migrations 0002 / 0004): stage
stays (cycle time, bottleneck) come from ``StageStay`` by ``(kind, closed_at)``; "closed in the
period", the opening-to-closing totals and the backlog at a past moment from ``CaseSummary``
(closing time, the moment the case became done, whether it was ever reopened), which also
carries what the business and contact figures joined for: customer, channel, product, disease,
amounts claimed and paid, decision, decided at, investigated (payout ratio, investigation pass
rate, rejection rate, cross-sell, self-service); the clauses rejections cite come from
``RejectionClause``. SLA compliance and CSAT / NPS read the daily counts of ``SlaDay`` /
``SurveyDay`` (``analytics.sla``). The stage percentiles of a period that is over are stored and
read back (``analytics.stored``; the figure says when it was computed). Branch / team / product
filters still go through the case (owners change; the summaries carry only what a case's
timeline and claim fix). Every figure runs with the planner settings of ``sql.tuned()``.
``computed_once()`` shares figures within one request (page, scorecard).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claimdesk.analytics import rules, summaries
from claimdesk.analytics.filters import FilterError, Filters
from claimdesk.analytics.sql import STATUS_EVENTS, fetch_rows, percentile_sets, tuned
from claimdesk.cases.models import LIVE_STATES, Case, CaseEvent, Deadline, DeadlineState
from claimdesk.cases.workflow import sla_label, workflow
from claimdesk.workdays.clocks import SHANGHAI

if TYPE_CHECKING:
    from datetime import date
    from typing import TypedDict

    from django_stubs_ext import WithAnnotations

    class _Claimant(TypedDict):  # what _claimants() annotates on each case
        claim_day: date
        converted: bool


Number = Decimal | int | float | None


@dataclass(frozen=True)
class Metric:
    """One figure with its definition and the table behind it."""

    code: str
    label: str
    definition: str
    value: Number
    unit: str  # "%", "h", "days", "¥", "" (a count), "pts" (NPS), "/5" (CSAT), "‱"
    rows: list[dict] = field(default_factory=list)
    columns: list[tuple[str, str]] = field(default_factory=list)
    drill: dict[str, str] = field(default_factory=dict)
    # What the value names when it is not a number by itself (bottleneck: the stage).
    detail: str = ""
    # When the figure was computed, if it was read back from the store of periods that are
    # over (``analytics.stored``); None: computed from the rows for this request.
    computed_at: datetime | None = None
    # How many things the value rests on (answers, clocks, claims, complaints …): a figure on
    # a handful of them is too few to judge (``rules.kpi_status``). None: not a rate or mean.
    sample: int | None = None


@dataclass(frozen=True)
class Dimension:
    """One of the four evaluation dimensions and its figures (each with its definition)."""

    code: str  # customer_experience | operating_efficiency | business_value | process_improvement
    label: str
    metrics: list[Metric]


MetricFn = Callable[[Filters], Metric]
DrillFn = Callable[[Filters, Mapping[str, str]], QuerySet[Case]]
METRICS: dict[str, MetricFn] = {}
_DRILLS: dict[str, DrillFn] = {}


# Results shared inside one ``computed_once()`` block: (what, Filters) → result.
_SHARED: ContextVar[dict | None] = ContextVar("analytics_shared", default=None)


@contextmanager
def computed_once() -> Iterator[None]:
    """Inside the block every figure (and the stage stays two figures share) is computed once
    per ``Filters``: the dashboard page and ``scorecard()`` ask for the same figures several
    times. Results are only shared within the block (one request), never cached across."""
    if _SHARED.get() is not None:
        yield
        return
    token = _SHARED.set({})
    try:
        with tuned():  # the planner settings once for the whole block (analytics.sql)
            yield
    finally:
        _SHARED.reset(token)


def _once(key: tuple, compute: Callable[[], object]):
    shared = _SHARED.get()
    if shared is None:
        return compute()
    if key not in shared:
        shared[key] = compute()
    return shared[key]


def register(code: str, drill: DrillFn):
    """Put a metric function in ``METRICS`` and its drill-down population in ``_DRILLS``."""

    def wrap(fn: MetricFn) -> MetricFn:
        @wraps(fn)
        def shared(f: Filters) -> Metric:
            def compute() -> Metric:
                with tuned():
                    return fn(f)

            return _once((code, f), compute)

        METRICS[code] = shared
        _DRILLS[code] = drill
        return shared

    return wrap


def cases_behind(params: Mapping[str, str], f: Filters) -> QuerySet[Case]:
    """The cases behind a figure: ``params`` is a metric's (or a row's) ``drill`` — ``metric=…``
    plus breakdown keys: ``type``, ``stage``, ``rule``, ``group``/``team``, ``bucket``,
    ``outcome``, ``product_code``, ``disease``, ``clause``, ``score``, ``topic``, ``source``,
    ``channel``, ``user``, ``category``, ``department``; ``f`` the filters parsed from the same
    query string.

    Unknown metric → ``KeyError``; a key value that means nothing → ``ValueError`` (``int()``)
    or ``FilterError``. The caller restricts the result to what the viewer may see
    (``cases_visible_to``).
    """
    return _DRILLS[params["metric"]](f, params).order_by("-opened_at")


# --- shared pieces ----------------------------------------------------------------------------

# Statuses after which a case is done from the customer's point of view, per kind
# (``summaries.DONE_STATUSES``: the per-case summary's ``done_at`` is defined by them).
DONE_STATUSES = summaries.DONE_STATUSES
# Stages spent waiting on the customer, not on us: shown, but never "the bottleneck".
CUSTOMER_STAGES = ("awaiting_materials", "waiting_customer")
# Stages after the case is done (the closed claim waiting for its follow-up call, a resolved
# ticket waiting to be closed): not part of the cycle time.
AFTER_DONE = ("closed", "followed_up", "withdrawn")
APPROVED = ("approve", "partial")


def _totals(grouped: list[dict], keys) -> dict[str, int | Decimal]:
    """The figure over all groups, summed from the grouped rows (each counted thing is in
    exactly one group), so the headline needs no query of its own."""
    return {k: sum((r[k] or 0) for r in grouped) for k in keys}


def _drill(code: str, f: Filters, **extra) -> dict[str, str]:
    return {"metric": code, **f.to_query(), **{k: str(v) for k, v in extra.items() if v != ""}}


def _as_of(f: Filters) -> datetime:
    """The moment "now" figures are taken at: the end of the period, or now if earlier."""
    return min(f.bounds()[1], timezone.now())


def _hours(seconds: float | None) -> Decimal | None:
    if seconds is None:
        return None
    return (Decimal(str(seconds)) / 3600).quantize(rules.ONE_DECIMAL, ROUND_HALF_UP)


def _days(seconds: float | None) -> Decimal | None:
    if seconds is None:
        return None
    return (Decimal(str(seconds)) / 86400).quantize(rules.ONE_DECIMAL, ROUND_HALF_UP)


def _events_in(f: Filters, statuses) -> QuerySet[CaseEvent]:
    return CaseEvent.objects.filter(kind="transition", to_status__in=statuses).filter(
        f.in_period("at")
    )


def _closed_ids(f: Filters) -> QuerySet:
    """Ids of the scope's cases that reached "closed" in the period: a range of the per-case
    summary (``CaseSummary.closed_at``, the first "closed" event; cases close once)."""
    return _summaries(f).filter(f.in_period("closed_at")).values("case_id")


def closed_in_period(f: Filters) -> QuerySet[Case]:
    """Cases of the scope that reached "closed" (claims: paid or rejection notice sent;
    tickets: closed) in the period."""
    return Case.objects.filter(pk__in=_closed_ids(f))


def _type_lookup(kind: str) -> str:
    """What "claim type" means per kind: the claim's loss type, the ticket's category."""
    return "claim__loss_type" if kind == "claim" else "category"


def _stage_label(kind: str, stage: str) -> str:
    return workflow(kind).state_label(stage)


def _ticket_channel_label(value: str) -> str:
    from claimdesk.service.models import Channel

    return str(dict(Channel.choices).get(value, value))


def _type_label(kind: str, value: str) -> str:
    if kind == "claim":
        from claimdesk.policies.models import LOSS_TYPE_LABELS

        return str(LOSS_TYPE_LABELS.get(value, value))
    from claimdesk.service.models import Category

    return str(dict(Category.choices).get(value, value))


# --- operating efficiency ---------------------------------------------------------------------


def _drill_closed(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    qs = closed_in_period(f)
    if t := params.get("type"):
        qs = qs.filter(**{_type_lookup(f.kind): t})
    if (stage := params.get("stage")) and stage != "total":
        qs = qs.filter(events__to_status=stage).distinct()
    return qs


def _has_case_filters(f: Filters) -> bool:
    """Whether the population needs more than the case kind (which the summaries carry)."""
    return bool(f.branch or f.product or f.team)


def _summaries_complete(f: Filters) -> bool:
    """Whether every case of ``f.kind`` opened in the period has its per-case row (two index
    counts): cases written with ``bulk_create`` (the bulk claim import) only get theirs at
    their first step, and until then the figures about cases opened in the period read the
    raw tables instead."""
    from claimdesk.analytics.models import CaseSummary

    def check() -> bool:
        period = f.in_period("opened_at")
        cases = Case.objects.filter(kind=f.kind).filter(period).count()
        return cases == CaseSummary.objects.filter(kind=f.kind).filter(period).count()

    return _once(("complete", f.kind, f.start, f.end), check)


def _summaries(f: Filters) -> QuerySet:
    """The ``CaseSummary`` rows of the scope (kind from the row itself; branch / team /
    product through the case only when asked for)."""
    from claimdesk.analytics.models import CaseSummary

    rows = CaseSummary.objects.filter(kind=f.kind)
    if _has_case_filters(f):
        rows = rows.filter(case__in=f.scope().values("pk"))
    return rows


def _stays(f: Filters) -> tuple[dict[tuple[str, ...], list[dict]], datetime | None]:
    """Count / median / p90 (seconds) of the stays in each stage of the cases closed in the
    period per type × stage and per stage: one pass on PostgreSQL, shared by cycle time and
    the bottleneck inside ``computed_once()``; and when it was computed, if it was read back
    from the store of periods that are over (``analytics.stored``; None: computed now).

    Read from the ``StageStay`` summary (``analytics.summaries``): the same stays ``LEAD()``
    over the timeline gives, kept per case with its closing time, so the period is an index
    range on ``(kind, closed_at)``.
    """
    from claimdesk.analytics.stored import stored

    def compute() -> list:
        return [[list(k), v] for k, v in _compute_stays(f).items()]

    def read():
        result, at = stored("stage_stays", f, compute)
        return {tuple(k): v for k, v in result}, at

    return _once(("stays", f), read)


def _compute_stays(f: Filters) -> dict[tuple[str, ...], list[dict]]:
    from claimdesk.analytics.models import StageStay

    stays = StageStay.objects.filter(kind=f.kind).filter(f.in_period("closed_at"))
    if _has_case_filters(f):
        stays = stays.filter(case__in=f.scope().values("pk"))
    return percentile_sets(
        stays,
        by={"type": "case_type", "stage": "stage"},
        sets=[("type", "stage"), ("stage",)],
        value="seconds",
        skip={"stage": sorted({*AFTER_DONE, *DONE_STATUSES.get(f.kind, ())})},
        bytewise=True,
    )


def _cycle_totals(f: Filters) -> tuple[dict[tuple[str, ...], list[dict]], datetime | None]:
    """Opening to closing of the cases closed in the period, per type and overall (from the
    per-case summary); stored like the stays once the period is over."""
    from claimdesk.analytics.stored import stored

    def compute() -> list:
        totals = percentile_sets(
            _summaries(f).filter(f.in_period("closed_at")),
            by={"type": "case_type"},
            sets=[("type",), ()],
            between=("opened_at", "closed_at"),
            bytewise=True,
        )
        return [[list(k), v] for k, v in totals.items()]

    result, at = stored("cycle_totals", f, compute)
    return {tuple(k): v for k, v in result}, at


@register("cycle_time", _drill_closed)
def metric_cycle_time(f: Filters) -> Metric:
    """How long cases closed in the period took, per stage and per claim type.

    A stage's time is a stay in that status on the timeline: from the event that put the case
    into it to the next status event. The total is opening to the "closed" event. Value: the
    median total in days; rows: median and p90 in hours per type × stage and per stage.
    """
    stays, stays_at = _stays(f)
    by_type, overall = stays[("type", "stage")], stays[("stage",)]
    totals, totals_at = _cycle_totals(f)
    totals_by_type, total = totals[("type",)], totals[()]
    computed_at = min((t for t in (stays_at, totals_at) if t), default=None)
    order = workflow(f.kind).state_codes()
    rows = []
    for row in [*by_type, *({**r, "type": ""} for r in overall)]:
        rows.append(
            {
                "type": row["type"],
                "type_label": _type_label(f.kind, row["type"]) if row["type"] else _("all"),
                "stage": row["stage"],
                "stage_label": _stage_label(f.kind, row["stage"]),
                "cases": row["n"],
                "median_h": _hours(row["p50"]),
                "p90_h": _hours(row["p90"]),
                "drill": _drill("cycle_time", f, type=row["type"], stage=row["stage"]),
            }
        )
    for row in [*totals_by_type, *({**r, "type": ""} for r in total)]:
        rows.append(
            {
                "type": row["type"],
                "type_label": _type_label(f.kind, row["type"]) if row["type"] else _("all"),
                "stage": "total",
                "stage_label": _("opening to closing"),
                "cases": row["n"],
                "median_h": _hours(row["p50"]),
                "p90_h": _hours(row["p90"]),
                "drill": _drill("cycle_time", f, type=row["type"]),
            }
        )
    rank = {s: i for i, s in enumerate(order)}
    rows.sort(key=lambda r: (r["type"] == "", r["type"], rank.get(r["stage"], len(order))))
    return Metric(
        code="cycle_time",
        label=_("Cycle time"),
        definition=_(
            "Cases closed in the period: median time from opening to closing (days). Per "
            "stage: the time from entering a status to leaving it on the timeline, median and "
            "90th percentile in hours, per claim type."
        ),
        value=_days(total[0]["p50"]) if total else None,
        unit="days",
        rows=rows,
        columns=[
            ("type_label", _("Type")),
            ("stage_label", _("Stage")),
            ("cases", _("Cases")),
            ("median_h", _("Median (h)")),
            ("p90_h", _("90th percentile (h)")),
        ],
        drill=_drill("cycle_time", f),
        computed_at=computed_at,
        sample=total[0]["n"] if total else 0,
    )


@register("bottleneck_stage", _drill_closed)
def metric_bottleneck_stage(f: Filters) -> Metric:
    """The stage where cases closed in the period spent the longest (highest median stay).

    Stages that wait on the customer (awaiting materials / waiting for the customer) are listed
    but are not candidates: the bottleneck is where our own work queues up.
    """
    stays, computed_at = _stays(f)
    overall = stays[("stage",)]
    rows = [
        {
            "stage": r["stage"],
            "stage_label": _stage_label(f.kind, r["stage"]),
            "cases": r["n"],
            "median_h": _hours(r["p50"]),
            "p90_h": _hours(r["p90"]),
            "customer_time": r["stage"] in CUSTOMER_STAGES,
            "drill": _drill("bottleneck_stage", f, stage=r["stage"]),
        }
        for r in overall
    ]
    rows.sort(key=lambda r: (-(r["median_h"] or 0), r["stage"]))
    ours = [r for r in rows if not r["customer_time"]]
    top = ours[0] if ours else None
    return Metric(
        code="bottleneck_stage",
        label=_("Bottleneck stage"),
        definition=_(
            "Among cases closed in the period, the stage with the longest median time spent "
            "in it (hours). Stages waiting on the customer are shown but not counted as the "
            "bottleneck."
        ),
        value=top["median_h"] if top else None,
        unit="h",
        rows=rows,
        columns=[
            ("stage_label", _("Stage")),
            ("cases", _("Cases")),
            ("median_h", _("Median (h)")),
            ("p90_h", _("90th percentile (h)")),
        ],
        drill=_drill("bottleneck_stage", f, stage=top["stage"] if top else ""),
        detail=top["stage_label"] if top else "",
        computed_at=computed_at,
    )


def _clocks_of_scope(f: Filters) -> QuerySet[Deadline]:
    """Clocks of the scope's cases: by the case's kind in the join when that is the only
    filter (``case_id IN (all cases of the kind)`` would hash every case id)."""
    if _has_case_filters(f):
        return Deadline.objects.filter(case__in=f.scope().values("pk"))
    return Deadline.objects.filter(case__kind=f.kind)


def _clock_population(f: Filters) -> tuple[QuerySet[Deadline], Q, Q]:
    """Clocks that came due or ended in the period, with the met / breached conditions.

    Ended clocks count as they ended; a live clock already past its due time at the end of
    the period (or now) counts as breached — it can no longer be met.
    """
    lo, hi = f.bounds()
    as_of = _as_of(f)
    ended = Q(state__in=(DeadlineState.MET, DeadlineState.BREACHED)) & f.in_period("stopped_at")
    overdue_live = Q(state__in=LIVE_STATES, due_at__gte=lo, due_at__lt=min(hi, as_of))
    clocks = _clocks_of_scope(f).filter(ended | overdue_live)
    met = Q(state=DeadlineState.MET)
    return clocks, met, ~met


def _drill_sla(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    clocks, met, breached = _clock_population(f)
    if rule := params.get("rule"):
        clocks = clocks.filter(rule__code=rule)
    if "team" in params and params.get("group") == "team":
        clocks = clocks.filter(case__owner__staff_profile__team=params["team"])
    outcome = params.get("outcome")
    if outcome == "met":
        clocks = clocks.filter(met)
    elif outcome == "breached":
        clocks = clocks.filter(breached)
    return Case.objects.filter(pk__in=clocks.values("case_id"))


def _sla_grouped(f: Filters) -> list[dict]:
    """Met / breached clocks of the population per rule × team (keys ``rule__code``,
    ``rule__name``, ``team``).

    Clocks that ended in the period come from the daily counts (``SlaDay``, kept by
    ``analytics.sla``: a few hundred rows a quarter) when the filters are among what they are
    kept by (kind, team, branch); with a product filter, from the clocks themselves. Live
    clocks already overdue in the period are few and always counted from the clocks.
    """
    from django.db.models import Sum

    from claimdesk.analytics.models import SlaDay

    team = "case__owner__staff_profile__team"
    if f.product:
        clocks, met, breached = _clock_population(f)
        counts = {"met": Count("pk", filter=met), "breached": Count("pk", filter=breached)}
        return [
            {**r, "team": r[team]}
            for r in clocks.values("rule__code", "rule__name", team).annotate(**counts).order_by()
        ]
    days = SlaDay.objects.filter(kind=f.kind, day__gte=f.start, day__lte=f.end)
    if f.team:
        days = days.filter(team=f.team)
    if f.branch:
        days = days.filter(branch=f.branch)
    ended = list(
        days.values("rule__code", "rule__name", "team")
        .annotate(met=Sum("met"), breached=Sum("breached"))
        .order_by()
    )
    lo, hi = f.bounds()
    overdue = list(
        _clocks_of_scope(f)
        .filter(state__in=LIVE_STATES, due_at__gte=lo, due_at__lt=min(hi, _as_of(f)))
        .values("rule__code", "rule__name", team)
        .annotate(breached=Count("pk"))
        .order_by()
    )
    return ended + [{**r, "team": r[team], "met": 0} for r in overdue]


@register("sla_compliance", _drill_sla)
def metric_sla_compliance(f: Filters) -> Metric:
    """SLA clocks met ÷ (met + breached), per rule and per team of the case owner."""
    counts = ("met", "breached")
    # Grouped by rule × team; per rule and per team are sums of those few rows.
    per_rule: dict[tuple[str, str], dict] = {}
    per_team: dict[str, dict] = {}
    for r in _sla_grouped(f):
        if not (r["met"] or r["breached"]):  # a day row whose clocks all moved away
            continue
        for acc in (
            per_rule.setdefault((r["rule__code"], r["rule__name"]), {"met": 0, "breached": 0}),
            per_team.setdefault(r["team"] or "", {"met": 0, "breached": 0}),
        ):
            acc["met"] += r["met"]
            acc["breached"] += r["breached"]
    total = _totals(list(per_rule.values()), counts)  # one rule per clock
    rows = []
    for (code, name), r in sorted(per_rule.items()):
        rows.append(
            {
                "group": "rule",
                "group_label": _("SLA rule"),
                "key": code,
                "label": sla_label(code, name),
                "met": r["met"],
                "breached": r["breached"],
                "compliance": rules.percent(r["met"], r["met"] + r["breached"]),
                "drill": _drill("sla_compliance", f, rule=code),
            }
        )
    for key, r in sorted(per_team.items()):
        rows.append(
            {
                "group": "team",
                "group_label": _("team"),
                "key": key,
                "label": key or _("(no team)"),
                "met": r["met"],
                "breached": r["breached"],
                "compliance": rules.percent(r["met"], r["met"] + r["breached"]),
                "drill": _drill("sla_compliance", f, group="team", team=key),
            }
        )
    return Metric(
        code="sla_compliance",
        label=_("SLA compliance"),
        definition=_(
            "Clocks met ÷ (met + breached). Counted: clocks that stopped in the period, plus "
            "clocks still running whose due time passed in the period (breached). Cancelled "
            "clocks do not count. Per SLA rule and per team of the case owner."
        ),
        value=rules.percent(total["met"], total["met"] + total["breached"]),
        unit="%",
        rows=rows,
        columns=[
            ("group_label", _("By")),
            ("label", _("Rule / team")),
            ("met", _("Met")),
            ("breached", _("Breached")),
            ("compliance", _("Compliance (%)")),
        ],
        drill=_drill("sla_compliance", f),
        sample=int(total["met"] + total["breached"]),
    )


def _backlog_parts(f: Filters) -> tuple[list[QuerySet], datetime]:
    """Cases of the scope not done at the end of the period (or now, if earlier): opened
    before then, and their status at that moment is not a done one (closed / followed up /
    withdrawn claims, resolved / closed tickets; a reopened ticket is open again).

    For "now" the case row itself says it (``status``, index ``case_kind_status``). For a
    moment in the past, three disjoint parts that each read a small range:
    1. cases not done now that never left a done status: they were not done then either;
    2. cases done now, never reopened, that became done at or after that moment
       (``CaseSummary.done_at``, index ``analytics_summary_done``);
    3. the few cases that were ever reopened: their last status event before the moment.
    """
    now = timezone.now()
    as_of = min(f.bounds()[1], now)
    done = DONE_STATUSES.get(f.kind, ("closed",))
    qs = f.scope().filter(opened_at__lt=as_of)
    if as_of == now:
        return [qs.exclude(status__in=done)], as_of
    summaries_ = _summaries(f).filter(opened_at__lt=as_of)
    reopened = summaries_.filter(reopened=True).values("case_id")
    # By the statuses that are not done (an index range on (kind, status), not NOT IN).
    not_done = [status for status in workflow(f.kind).state_codes() if status not in done]
    not_done_now = qs.filter(status__in=not_done).exclude(pk__in=reopened)
    done_later = summaries_.filter(done_at__gte=as_of, reopened=False)
    status_then = (
        CaseEvent.objects.filter(case=OuterRef("pk"), kind__in=STATUS_EVENTS, at__lt=as_of)
        .order_by("-at", "-id")
        .values("to_status")[:1]
    )
    reopened_then = (
        qs.filter(pk__in=reopened)
        .annotate(status_then=Subquery(status_then))
        .exclude(status_then__in=done)
    )
    return [not_done_now, done_later, reopened_then], as_of


def _backlog(f: Filters) -> tuple[QuerySet[Case], datetime]:
    """The backlog as one case queryset (the drill-down list)."""
    parts, as_of = _backlog_parts(f)
    if len(parts) == 1:
        return parts[0], as_of
    not_done_now, done_later, reopened_then = parts
    qs = f.scope().filter(
        Q(pk__in=not_done_now.values("pk"))
        | Q(pk__in=done_later.values("case_id"))
        | Q(pk__in=reopened_then.values("pk"))
    )
    return qs, as_of


def _bucket_q(as_of: datetime, bucket: rules.AgeBucket) -> Q:
    q = Q()
    # Age in whole days: opened more than ``low`` and at most ``high`` days back (ends incl.).
    q &= Q(opened_at__lte=as_of - timedelta(days=bucket.low)) if bucket.low else Q()
    if bucket.high is not None:
        q &= Q(opened_at__gt=as_of - timedelta(days=bucket.high + 1))
    return q


def _drill_backlog(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    qs, as_of = _backlog(f)
    if code := params.get("bucket"):
        bucket = next((b for b in rules.AGE_BUCKETS if b.code == code), None)
        if bucket is None:
            raise FilterError(_("Unknown age bucket: %(bucket)s") % {"bucket": code})
        qs = qs.filter(_bucket_q(as_of, bucket))
    return qs


@register("backlog_aging", _drill_backlog)
def metric_backlog_aging(f: Filters) -> Metric:
    """Open cases at the end of the period (or now) by age: 0–3, 4–7, 8–15, 16–30, >30 days."""
    parts, as_of = _backlog_parts(f)
    counts = dict.fromkeys((b.code for b in rules.AGE_BUCKETS), 0)
    for part in parts:  # disjoint populations: the counts add up
        got = part.aggregate(
            # opened_at (never NULL) rather than the id: the summary's index holds it.
            **{b.code: Count("opened_at", filter=_bucket_q(as_of, b)) for b in rules.AGE_BUCKETS}
        )
        for code, n in got.items():
            counts[code] += n
    total = sum(counts.values())
    rows = [
        {
            "bucket": b.code,
            "label": str(b.label),
            "cases": counts[b.code],
            "share": rules.percent(counts[b.code], total),
            "drill": _drill("backlog_aging", f, bucket=b.code),
        }
        for b in rules.AGE_BUCKETS
    ]
    return Metric(
        code="backlog_aging",
        label=_("Backlog"),
        definition=_(
            "Cases open at the end of the period (or now, if earlier), by age in whole "
            "calendar days since opening."
        ),
        value=total,
        unit="",
        rows=rows,
        columns=[("label", _("Age")), ("cases", _("Cases")), ("share", _("Share (%)"))],
        drill=_drill("backlog_aging", f),
    )


def _drill_overdue(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    now = timezone.now()
    clocks = _clocks_of_scope(f).filter(state__in=LIVE_STATES)
    if params.get("outcome") == "near_due":
        clocks = clocks.filter(due_at__gte=now, due_at__lt=now + rules.NEAR_DUE)
    else:
        clocks = clocks.filter(due_at__lt=now)
    if "team" in params:
        clocks = clocks.filter(case__owner__staff_profile__team=params["team"])
    return Case.objects.filter(pk__in=clocks.values("case_id"))


@register("overdue_now", _drill_overdue)
def metric_overdue_now(f: Filters) -> Metric:
    """Live clocks overdue now and due within the next 24 hours, per team (ignores the period:
    it is about the work on the desks now)."""
    now = timezone.now()
    # Only clocks overdue or due within the window count: a range of the live-due index.
    clocks = _clocks_of_scope(f).filter(state__in=LIVE_STATES, due_at__lt=now + rules.NEAR_DUE)
    counts = {
        "overdue": Count("pk", filter=Q(due_at__lt=now)),
        "near_due": Count("pk", filter=Q(due_at__gte=now, due_at__lt=now + rules.NEAR_DUE)),
    }
    team = "case__owner__staff_profile__team"
    per_team = list(clocks.values(team).annotate(**counts).order_by(team))
    total = _totals(per_team, counts)
    rows = [
        {
            "team": r[team] or "",
            "label": r[team] or _("(no team)"),
            "overdue": r["overdue"],
            "near_due": r["near_due"],
            "drill": _drill("overdue_now", f, team=r[team] or ""),
        }
        for r in per_team
        if r["overdue"] or r["near_due"]
    ]
    return Metric(
        code="overdue_now",
        label=_("Overdue now"),
        definition=_(
            "Running or paused SLA clocks past their due time now; near due: due within the "
            "next 24 hours. Per team of the case owner."
        ),
        value=total["overdue"],
        unit="",
        rows=rows,
        columns=[("label", _("Team")), ("overdue", _("Overdue")), ("near_due", _("Due in 24 h"))],
        drill=_drill("overdue_now", f),
        detail=_("%(n)d due within 24 h") % {"n": total["near_due"]},
    )


# --- business value ---------------------------------------------------------------------------


def _claims_f(f: Filters) -> Filters:
    return f.with_kind("claim")


def _decided(f: Filters) -> QuerySet[Case]:
    """Claims of the scope whose decision was approved in the period."""
    return _claims_f(f).scope().filter(f.in_period("claim__decided_at")).exclude(claim__decision="")


def _decided_rows(f: Filters) -> QuerySet:
    """The same claims as ``_decided`` from the per-case summary (decision, decided at,
    investigated, product: kept by ``analytics.summaries``), by the index range of
    ``decided_at``; ``pk`` is the case id."""
    return _summaries(_claims_f(f)).filter(f.in_period("decided_at")).exclude(decision="")


def _payout_groups(f: Filters) -> list[dict]:
    """Claims closed in the period with an amount claimed, grouped by product and disease
    (critical illness: the cause reported; other lines: None): count, claimed, paid.

    One grouped read of the per-case summary (``CaseSummary``: product, disease, estimated
    amount and the sum of the confirmed payments, kept by ``analytics.summaries``) over the
    index range of the closing time.
    """
    rows = (
        _summaries(_claims_f(f))
        .filter(f.in_period("closed_at"), estimated_amount__isnull=False)
        .values("disease", code=F("product__code"), name=F("product__name"))
        .annotate(claims=Count("pk"), claimed=Sum("estimated_amount"), paid=Sum("paid_amount"))
        .order_by()
    )
    return [{**r, "paid": r["paid"] or Decimal(0)} for r in rows]


def _sum_groups(groups: list[dict], key) -> list[dict]:
    """Claims / claimed / paid of the grouped rows added up per ``key(row)``, ordered by it."""
    out: dict = {}
    for g in groups:
        k = key(g)
        acc = out.setdefault(k, {"claims": 0, "claimed": Decimal(0), "paid": Decimal(0)})
        acc["claims"] += g["claims"]
        acc["claimed"] += g["claimed"] or 0
        acc["paid"] += g["paid"] or 0
    return [{"key": k, **v} for k, v in sorted(out.items())]


def _drill_payout(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    qs = closed_in_period(_claims_f(f)).filter(claim__estimated_amount__isnull=False)
    if product := params.get("product_code"):
        qs = qs.filter(claim__policy__product__code=product)
    if disease := params.get("disease"):
        qs = qs.filter(claim__loss_type="critical_illness", claim__loss_cause=disease)
    return qs


@register("payout_ratio", _drill_payout)
def metric_payout_ratio(f: Filters) -> Metric:
    """Paid ÷ claimed for claims closed in the period, per product and per disease (critical
    illness, by the cause reported)."""
    groups = _payout_groups(f)
    per_product = _sum_groups(groups, lambda g: (g["code"], g["name"]))
    total = _totals(per_product, ("claims", "claimed", "paid"))  # one product per claim

    def row(group: str, key: str, label: str, r: dict, drill: dict) -> dict:
        return {
            "group": group,
            "group_label": _("product") if group == "product" else _("disease"),
            "key": key,
            "label": label,
            "claims": r["claims"],
            "claimed": r["claimed"],
            "paid": r["paid"],
            "ratio": rules.ratio_percent(r["paid"], r["claimed"]),
            "drill": drill,
        }

    rows = [
        row("product", code, name, r, _drill("payout_ratio", f, product_code=code))
        for r in per_product
        for code, name in [r["key"]]
    ]
    critical = [g for g in groups if g["disease"] is not None]
    rows += [
        row("disease", r["key"], r["key"], r, _drill("payout_ratio", f, disease=r["key"]))
        for r in _sum_groups(critical, lambda g: g["disease"])
    ]
    return Metric(
        code="payout_ratio",
        label=_("Payout ratio"),
        definition=_(
            "Claims closed in the period: confirmed payments ÷ amounts claimed (the estimated "
            "amount at reporting); rejected claims count with nothing paid. Per product and, "
            "for critical illness, per disease."
        ),
        value=rules.ratio_percent(Decimal(total["paid"]), Decimal(total["claimed"])),
        unit="%",
        rows=rows,
        columns=[
            ("group_label", _("By")),
            ("label", _("Product / disease")),
            ("claims", _("Claims")),
            ("claimed", _("Claimed (¥)")),
            ("paid", _("Paid (¥)")),
            ("ratio", _("Payout ratio (%)")),
        ],
        drill=_drill("payout_ratio", f),
        sample=int(total["claims"]),
    )


def _investigated(f: Filters) -> QuerySet[Case]:
    went = CaseEvent.objects.filter(case=OuterRef("pk"), to_status="investigating")
    return _decided(f).filter(Exists(went))


def _drill_investigation(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    qs = _investigated(f)
    if params.get("outcome") == "approved":
        qs = qs.filter(claim__decision__in=APPROVED)
    elif params.get("outcome") == "rejected":
        qs = qs.exclude(claim__decision__in=APPROVED)
    if product := params.get("product_code"):
        qs = qs.filter(claim__policy__product__code=product)
    return qs


@register("investigation_pass_rate", _drill_investigation)
def metric_investigation_pass_rate(f: Filters) -> Metric:
    """Investigated claims decided in the period that were approved (fully or partly)."""
    counts = {
        "decided": Count("pk"),
        "approved": Count("pk", filter=Q(decision__in=APPROVED)),
    }
    per_product = list(
        _decided_rows(f)
        .filter(investigated=True)
        .values(code=F("product__code"), name=F("product__name"))
        .annotate(**counts)
        .order_by("code")
    )
    total = _totals(per_product, counts)
    rows = [
        {
            "product_code": r["code"],
            "label": r["name"],
            "decided": r["decided"],
            "approved": r["approved"],
            "rate": rules.percent(r["approved"], r["decided"]),
            "drill": _drill("investigation_pass_rate", f, product_code=r["code"]),
        }
        for r in per_product
    ]
    return Metric(
        code="investigation_pass_rate",
        label=_("Investigation pass rate"),
        definition=_(
            "Claims that went through investigation and were decided in the period: share "
            "approved in full or in part."
        ),
        value=rules.percent(total["approved"], total["decided"]),
        unit="%",
        rows=rows,
        columns=[
            ("label", _("Product")),
            ("decided", _("Decided")),
            ("approved", _("Approved")),
            ("rate", _("Pass rate (%)")),
        ],
        drill=_drill("investigation_pass_rate", f),
        sample=int(total["decided"]),
    )


def _drill_rejection(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    qs = _decided(f)
    if params.get("outcome") == "rejected" or params.get("clause"):
        qs = qs.filter(claim__decision="reject")
    if article := params.get("clause"):
        qs = qs.filter(pk__in=cited_clause_claims(qs, article, params.get("product_code", "")))
    return qs


def _cited_sql(claim_ids_sql: str) -> str:
    """Rejections' cited clauses, one row per (decision, clause), from the calculation JSON."""
    if connection.vendor == "postgresql":
        elements = "jsonb_array_elements(d.calculation::jsonb -> 'exclusions') AS e(value)"
        article = "e.value ->> 'clause'"
        join = f"CROSS JOIN LATERAL {elements}"
    else:
        article = "json_extract(e.value, '$.clause')"
        join = "JOIN json_each(d.calculation, '$.exclusions') e"
    return (
        f"SELECT d.id AS decision_id, d.claim_id, p.product_id, {article} AS article "
        f"FROM claims_claimdecision d {join} "
        "JOIN claims_claim c ON c.case_id = d.claim_id "
        "JOIN policies_policy p ON p.id = c.policy_id "
        f"WHERE d.status = 'approved' AND d.decision = 'reject' AND d.claim_id IN ({claim_ids_sql})"
    )


def cited_clause_claims(cases: QuerySet[Case], article: str, product_code: str) -> list[int]:
    """Ids of the claims (= case ids) of ``cases`` whose rejection cites clause ``article``."""
    inner, params = cases.order_by().values("pk").query.sql_with_params()
    sql = f"SELECT DISTINCT c.claim_id FROM ({_cited_sql(inner)}) c WHERE c.article = %s"
    args = [*params, article]
    if product_code:
        sql += " AND c.product_id = (SELECT id FROM policies_product WHERE code = %s)"
        args.append(product_code)
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return [r[0] for r in cursor.fetchall()]


def top_cited_clauses(cases: QuerySet, limit: int = 5) -> list[dict]:
    """The clauses rejections of ``cases`` cite most: product, article, title, rejections.
    ``cases``: any queryset whose ``pk`` is the case id (cases, per-case summaries). Reads
    the decisions' calculations; the rejection figure reads ``_period_clauses`` instead."""
    inner, params = cases.order_by().values("pk").query.sql_with_params()
    sql = (
        f"SELECT c.product_id, c.article, COUNT(DISTINCT c.claim_id) AS n FROM ({_cited_sql(inner)}) c "
        "WHERE c.article IS NOT NULL AND c.article <> '' "
        "GROUP BY c.product_id, c.article ORDER BY n DESC, c.product_id, c.article"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} LIMIT {int(limit)}", params)
        return _clause_rows(cursor.fetchall())


def _period_clauses(f: Filters, limit: int = 5) -> list[dict]:
    """``top_cited_clauses`` of the claims of the scope rejected (decision approved) in the
    period, from ``RejectionClause`` (kept by ``analytics.summaries``): an index range of the
    decision time instead of each rejection's calculation."""
    from claimdesk.analytics.models import RejectionClause

    cf = _claims_f(f)
    rows = RejectionClause.objects.filter(f.in_period("decided_at"))
    if _has_case_filters(cf):
        rows = rows.filter(case__in=cf.scope().values("pk"))
    top = (
        rows.values_list("product_id", "article")
        .annotate(n=Count("case", distinct=True))
        .order_by("-n", "product_id", "article")[:limit]
    )
    return _clause_rows(list(top))


def _clause_rows(top: list[tuple]) -> list[dict]:
    """``(product id, article, rejections)`` → rows with the clause's product code and title."""
    from claimdesk.policies.models import Clause

    keys = Q()
    for product_id, article, _n in top:
        keys |= Q(product_id=product_id, article=article)
    clauses = (
        {
            (c.product_id, c.article): c
            for c in Clause.objects.filter(keys).select_related("product")
        }
        if top
        else {}
    )
    rows = []
    for product_id, article, n in top:
        clause = clauses.get((product_id, article))
        rows.append(
            {
                "product_code": clause.product.code if clause else "",
                "product": clause.product.name if clause else "",
                "article": article,
                "title": clause.title if clause else "",
                "rejections": n,
            }
        )
    return rows


@register("rejection_rate", _drill_rejection)
def metric_rejection_rate(f: Filters) -> Metric:
    """Rejected ÷ decided claims (decision approved in the period), with the clauses the
    rejections cite most (from each rejection's calculation)."""
    qs = _decided_rows(f)
    total = qs.aggregate(decided=Count("pk"), rejected=Count("pk", filter=Q(decision="reject")))
    rows = [
        {
            **r,
            "share": rules.percent(r["rejections"], total["rejected"]),
            "drill": _drill(
                "rejection_rate", f, clause=r["article"], product_code=r["product_code"]
            ),
        }
        for r in _period_clauses(f)
    ]
    return Metric(
        code="rejection_rate",
        label=_("Rejection rate"),
        definition=_(
            "Claims decided in the period: share rejected. The table lists the policy clauses "
            "the rejections cite most (a rejection citing two clauses counts for each)."
        ),
        value=rules.percent(total["rejected"], total["decided"]),
        unit="%",
        rows=rows,
        columns=[
            ("product", _("Product")),
            ("article", _("Clause")),
            ("title", _("Title")),
            ("rejections", _("Rejections citing it")),
            ("share", _("Share of rejections (%)")),
        ],
        drill=_drill("rejection_rate", f, outcome="rejected"),
        sample=total["decided"],
    )


# --- customer experience ----------------------------------------------------------------------


def _answers(f: Filters):
    """Survey answers given in the period about cases of the scope (claims or tickets).

    Without case filters the kind is a scalar subquery per answer (a primary-key probe for
    each of the period's answers) rather than ``case_id IN (every case of the kind)``, which
    the planner may answer by hashing the whole case table."""
    from claimdesk.feedback.models import Survey

    answers = Survey.objects.filter(f.in_period("answered_at"))
    if _has_case_filters(f):
        return answers.filter(case__in=f.scope().values("pk"))
    kind = Subquery(Case.objects.filter(pk=OuterRef("case_id")).order_by().values("kind")[:1])
    return answers.annotate(case_kind=kind).filter(case_kind=f.kind)


def _answer_counts(f: Filters) -> list[dict]:
    """Answers given in the period counted per (csat, nps) pair (None: not answered) — a few
    dozen rows CSAT and NPS both add up, shared inside ``computed_once()``.

    From the daily counts (``SurveyDay``, kept by ``analytics.sla``) when the filters are among
    what they are kept by (kind, team, branch); with a product filter, from the surveys."""
    from django.db.models import Sum

    from claimdesk.analytics.models import SurveyDay

    def compute() -> list[dict]:
        if f.product:
            return list(
                _answers(f)
                .filter(Q(csat__isnull=False) | Q(nps__isnull=False))
                .values("csat", "nps")
                .annotate(n=Count("*"))
                .order_by()
            )
        days = SurveyDay.objects.filter(kind=f.kind, day__gte=f.start, day__lte=f.end)
        if f.team:
            days = days.filter(team=f.team)
        if f.branch:
            days = days.filter(branch=f.branch)
        return [
            {
                "csat": None if r["csat"] < 0 else r["csat"],
                "nps": None if r["nps"] < 0 else r["nps"],
                "n": r["n"],
            }
            for r in days.values("csat", "nps").annotate(n=Sum("answers")).order_by()
            if r["n"]
        ]

    return _once(("answers", f), compute)


def _drill_answers(field: str):
    def drill(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
        answers = _answers(f).filter(**{f"{field}__isnull": False})
        if score := params.get("score"):
            answers = answers.filter(**{field: int(score)})
        if group := params.get("group"):
            answers = answers.filter(_NPS_GROUPS[group])
        return Case.objects.filter(pk__in=answers.values("case_id"))

    return drill


@register("csat", _drill_answers("csat"))
def metric_csat(f: Filters) -> Metric:
    """Average satisfaction (1–5) of the survey answers given in the period, with the
    distribution of the ratings and the share satisfied (4–5)."""
    by_score: dict[int, int] = {}
    for r in _answer_counts(f):
        if r["csat"] is not None:
            by_score[r["csat"]] = by_score.get(r["csat"], 0) + r["n"]
    total = {
        "n": sum(by_score.values()),
        "total": sum(score * n for score, n in by_score.items()),
        "satisfied": sum(n for score, n in by_score.items() if score >= rules.SATISFIED_MIN),
    }
    rows = [
        {
            "score": score,
            "answers": by_score.get(score, 0),
            "share": rules.percent(by_score.get(score, 0), total["n"]),
            "drill": _drill("csat", f, score=score),
        }
        for score in range(5, 0, -1)
    ]
    return Metric(
        code="csat",
        label=_("CSAT"),
        definition=_(
            "Average satisfaction rating (1–5) of the surveys answered in the period about "
            "cases of the filter; %(satisfied)s%% answered 4 or 5."
        )
        % {"satisfied": rules.percent(total["satisfied"], total["n"]) or "—"},
        value=rules.mean(total["total"], total["n"]),
        unit="/5",
        rows=rows,
        columns=[("score", _("Rating")), ("answers", _("Answers")), ("share", _("Share (%)"))],
        drill=_drill("csat", f),
        sample=total["n"],
    )


_NPS_GROUPS = {
    "promoters": Q(nps__gte=rules.PROMOTER_MIN),
    "passives": Q(nps__gt=rules.DETRACTOR_MAX, nps__lt=rules.PROMOTER_MIN),
    "detractors": Q(nps__lte=rules.DETRACTOR_MAX),
}


@register("nps", _drill_answers("nps"))
def metric_nps(f: Filters) -> Metric:
    """Net promoter score of the answers given in the period: % 9–10 minus % 0–6."""
    scored = [r for r in _answer_counts(f) if r["nps"] is not None]
    counts = {
        "n": sum(r["n"] for r in scored),
        "promoters": sum(r["n"] for r in scored if r["nps"] >= rules.PROMOTER_MIN),
        "passives": sum(
            r["n"] for r in scored if rules.DETRACTOR_MAX < r["nps"] < rules.PROMOTER_MIN
        ),
        "detractors": sum(r["n"] for r in scored if r["nps"] <= rules.DETRACTOR_MAX),
    }
    labels = {
        "promoters": _("promoters (9–10)"),
        "passives": _("passives (7–8)"),
        "detractors": _("detractors (0–6)"),
    }
    rows = [
        {
            "group": g,
            "label": labels[g],
            "answers": counts[g],
            "share": rules.percent(counts[g], counts["n"]),
            "drill": _drill("nps", f, group=g),
        }
        for g in _NPS_GROUPS
    ]
    return Metric(
        code="nps",
        label=_("NPS"),
        definition=_(
            "Net promoter score of the surveys answered in the period: share answering 9–10 "
            "minus share answering 0–6, in points (−100 to 100)."
        ),
        value=rules.nps_score(counts["promoters"], counts["detractors"], counts["n"]),
        unit="pts",
        rows=rows,
        columns=[("label", _("Group")), ("answers", _("Answers")), ("share", _("Share (%)"))],
        drill=_drill("nps", f),
        sample=counts["n"],
    )


def _complaints(f: Filters) -> QuerySet[Case]:
    return f.with_kind("ticket").cases().filter(category="complaint")


def _drill_complaints(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    qs = _complaints(f)
    if topic := params.get("topic"):
        qs = qs.filter(ticket__topic=topic)
    return qs


@register("complaint_rate", _drill_complaints)
def metric_complaint_rate(f: Filters) -> Metric:
    """Complaint tickets opened in the period per 10,000 claims reported in the period."""
    from claimdesk.service.models import Topic

    complaints = _complaints(f)
    n_complaints = complaints.count()
    n_claims = _claims_f(f).cases().count()
    topics = dict(Topic.choices)
    rows = [
        {
            "topic": r["ticket__topic"],
            "label": str(topics.get(r["ticket__topic"], r["ticket__topic"])),
            "complaints": r["n"],
            "per_10000": rules.per_10000(r["n"], n_claims),
            "drill": _drill("complaint_rate", f, topic=r["ticket__topic"]),
        }
        for r in complaints.values("ticket__topic")
        .annotate(n=Count("pk"))
        .order_by("-n", "ticket__topic")
    ]
    return Metric(
        code="complaint_rate",
        label=_("Complaint rate"),
        definition=_(
            "Complaint tickets opened in the period per 10,000 claims reported in the period "
            "(%(complaints)d complaints, %(claims)d claims). Branch and team filter the owner "
            "of each case; product the policy of the claim."
        )
        % {"complaints": n_complaints, "claims": n_claims},
        value=rules.per_10000(n_complaints, n_claims),
        unit="‱",
        rows=rows,
        columns=[
            ("label", _("Topic")),
            ("complaints", _("Complaints")),
            ("per_10000", _("Per 10,000 claims")),
        ],
        drill=_drill("complaint_rate", f),
        sample=n_claims,
    )


SELF_SERVICE_CHANNELS = ("portal", "api", "assistant")
ASSISTED_CHANNELS = ("hotline", "email")


def _drill_self_service(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    source = params.get("source", "")
    channels = (
        [params["channel"]]
        if params.get("channel")
        else [*SELF_SERVICE_CHANNELS, *ASSISTED_CHANNELS]
    )
    claims = _claims_f(f).cases().filter(claim__channel__in=channels)
    tickets = f.with_kind("ticket").cases().filter(ticket__channel__in=channels)
    if source == "claim":
        return claims
    if source == "ticket":
        return tickets
    return Case.objects.filter(Q(pk__in=claims.values("pk")) | Q(pk__in=tickets.values("pk")))


@register("self_service_rate", _drill_self_service)
def metric_self_service_rate(f: Filters) -> Metric:
    """Contacts through the portal, the API or the assistant ÷ all contacts (those plus the
    hotline and e-mail): claims reported, tickets opened, and assistant conversations that
    ended without a hand-over to a person."""
    from claimdesk.assistant.models import Conversation, Turn

    contacts: dict[str, QuerySet[Any, Any]] = {}
    for kind, channel in (("claim", "claim__channel"), ("ticket", "ticket__channel")):
        kf = f.with_kind(kind)
        if _summaries_complete(kf):  # the per-case rows carry the channel
            contacts[kind] = _summaries(kf).filter(f.in_period("opened_at")).values("channel")
        else:
            contacts[kind] = kf.cases().values(channel=F(channel))
    rows = []
    for source, qs in contacts.items():
        for r in qs.annotate(n=Count("pk")).order_by("channel"):
            if r["channel"] in SELF_SERVICE_CHANNELS or r["channel"] in ASSISTED_CHANNELS:
                rows.append({"source": source, "channel": r["channel"], "contacts": r["n"]})
    # Conversations belong to no branch/team/product: counted only without those filters.
    if not (f.branch or f.team or f.product):
        handed = Turn.objects.filter(conversation=OuterRef("pk"), handed_over=True)
        answered = (
            Conversation.objects.filter(f.in_period("started_at"))
            .filter(Exists(Turn.objects.filter(conversation=OuterRef("pk"))))
            .exclude(Exists(handed))
            .count()
        )
        if answered:
            rows.append({"source": "assistant", "channel": "assistant", "contacts": answered})
    total = sum(r["contacts"] for r in rows)
    self_served = sum(r["contacts"] for r in rows if r["channel"] in SELF_SERVICE_CHANNELS)
    source_labels = {
        "claim": _("claim reports"),
        "ticket": _("tickets"),
        "assistant": _("assistant answers"),
    }
    from claimdesk.claims.models import Channel as ClaimChannel
    from claimdesk.service.models import Channel as TicketChannel

    channel_labels = {
        **dict(TicketChannel.choices),
        **dict(ClaimChannel.choices),
        "assistant": _("assistant"),
    }
    for r in rows:
        r["source_label"] = str(source_labels[r["source"]])
        r["channel_label"] = str(channel_labels.get(r["channel"], r["channel"]))
        r["self_service"] = r["channel"] in SELF_SERVICE_CHANNELS
        r["share"] = rules.percent(r["contacts"], total)
        r["drill"] = (
            _drill("self_service_rate", f, source=r["source"], channel=r["channel"])
            if r["source"] != "assistant"
            else {}
        )
    return Metric(
        code="self_service_rate",
        label=_("Self-service rate"),
        definition=_(
            "Contacts in the period through the portal, the API or the FAQ assistant ÷ all "
            "contacts (also hotline and e-mail): claims reported (bulk imports left out), "
            "tickets opened, and assistant conversations that ended without a hand-over "
            "(those only without a branch, team or product filter)."
        ),
        value=rules.percent(self_served, total),
        unit="%",
        rows=rows,
        columns=[
            ("source_label", _("Contact")),
            ("channel_label", _("Channel")),
            ("contacts", _("Contacts")),
            ("share", _("Share (%)")),
        ],
        drill=_drill("self_service_rate", f),
        sample=total,
    )


def _resolved(f: Filters) -> QuerySet[Case]:
    """Tickets of the scope resolved (first time) in the period."""
    tf = f.with_kind("ticket")
    return tf.scope().filter(pk__in=_events_in(tf, ["resolved"]).values("case_id"))


def _first_contact() -> Q:
    """Resolved without asking the customer for more and never reopened."""
    asked = CaseEvent.objects.filter(case=OuterRef("pk"), to_status="waiting_customer")
    reopened = CaseEvent.objects.filter(
        case=OuterRef("pk"), from_status="resolved", to_status="in_progress"
    )
    return ~Exists(asked) & ~Exists(reopened)


def _drill_fcr(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    qs = _resolved(f)
    if channel := params.get("channel"):
        qs = qs.filter(ticket__channel=channel)
    if params.get("outcome") == "first_contact":
        qs = qs.filter(_first_contact())
    elif params.get("outcome") == "more_contacts":
        qs = qs.exclude(_first_contact())
    return qs


@register("first_contact_resolution", _drill_fcr)
def metric_first_contact_resolution(f: Filters) -> Metric:
    """Tickets resolved in the period without going back to the customer or being reopened."""
    qs = _resolved(f)
    counts = {"resolved": Count("pk"), "first_contact": Count("pk", filter=_first_contact())}
    per_channel = list(qs.values("ticket__channel").annotate(**counts).order_by("ticket__channel"))
    total = _totals(per_channel, counts)
    rows = [
        {
            "channel": r["ticket__channel"],
            "channel_label": _ticket_channel_label(r["ticket__channel"]),
            "resolved": r["resolved"],
            "first_contact": r["first_contact"],
            "rate": rules.percent(r["first_contact"], r["resolved"]),
            "drill": _drill("first_contact_resolution", f, channel=r["ticket__channel"]),
        }
        for r in per_channel
    ]
    return Metric(
        code="first_contact_resolution",
        label=_("First-contact resolution"),
        definition=_(
            "Tickets resolved in the period that were resolved without asking the customer "
            "for more (never 'waiting for the customer') and were not reopened, ÷ all tickets "
            "resolved in the period."
        ),
        value=rules.percent(total["first_contact"], total["resolved"]),
        unit="%",
        rows=rows,
        columns=[
            ("channel_label", _("Channel")),
            ("resolved", _("Resolved")),
            ("first_contact", _("At first contact")),
            ("rate", _("Rate (%)")),
        ],
        drill=_drill("first_contact_resolution", f, outcome="first_contact"),
        sample=int(total["resolved"]),
    )


def _drill_staff(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    qs = closed_in_period(f)
    if user := params.get("user"):
        if not user.isdigit() or int(user) >= 2**63:  # ids the database can hold
            raise FilterError(_("Unknown person: %(user)s") % {"user": user})
        qs = qs.filter(owner_id=int(user))
    return qs


@register("staff_kpis", _drill_staff)
def metric_staff_kpis(f: Filters) -> Metric:
    """Per member of staff: CSAT, NPS, cases closed, median cycle time, SLA compliance,
    complaint rate and the service-star composite (``feedback.selectors.staff_kpis``)."""
    from django.contrib.auth import get_user_model

    from claimdesk.feedback.selectors import staff_kpis, star_board

    people = staff_kpis(team=f.team or None, start=f.start, end=f.end)
    if f.branch:
        in_branch = set(
            get_user_model()
            .objects.filter(staff_profile__branch=f.branch)
            .values_list("pk", flat=True)
        )
        people = [p for p in people if p.user_id in in_branch]
    rows = [
        {
            "user": p.user_id,
            "name": p.name,
            "team": p.team,
            "rank": p.rank,
            "answers": p.answers,
            "csat": p.csat,
            "nps": p.nps,
            "closed_cases": p.closed_cases,
            "median_cycle_h": p.median_cycle_hours,
            "sla_compliance": p.sla_compliance,
            "complaint_rate": p.complaint_rate,
            "star_score": p.star_score,
            "drill": _drill("staff_kpis", f, user=p.user_id),
        }
        for p in star_board(people)
        if p.answers or p.closed_cases or p.clocks_met or p.clocks_breached or p.complaints
    ]
    return Metric(
        code="staff_kpis",
        label=_("Staff KPIs"),
        definition=_(
            "Per member of staff with activity in the period: CSAT (1–5), NPS, cases closed, "
            "median cycle time (h), SLA compliance (%), complaints per 100 closed cases and "
            "the service-star composite, best first. Value: people listed."
        ),
        value=len(rows),
        unit="",
        rows=rows,
        columns=[
            ("rank", _("Rank")),
            ("name", _("Name")),
            ("team", _("Team")),
            ("csat", _("CSAT")),
            ("nps", _("NPS")),
            ("closed_cases", _("Closed")),
            ("median_cycle_h", _("Median cycle (h)")),
            ("sla_compliance", _("SLA (%)")),
            ("complaint_rate", _("Complaints per 100")),
            ("star_score", _("Star score")),
        ],
        drill=_drill("staff_kpis", f),
    )


# --- process improvement ----------------------------------------------------------------------


def _complaints_done(f: Filters) -> QuerySet[Case]:
    """Complaint tickets of the scope resolved in the period."""
    return _resolved(f).filter(category="complaint")


def _drill_root_causes(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    qs = _complaints_done(f)
    if params.get("outcome") == "traced":
        qs = qs.filter(ticket__rca__isnull=False)
    elif params.get("outcome") == "untraced":
        qs = qs.filter(ticket__rca__isnull=True)
    if category := params.get("category"):
        qs = qs.filter(ticket__rca__category=category)
    return qs


@register("root_causes", _drill_root_causes)
def metric_root_causes(f: Filters) -> Metric:
    """Complaints resolved in the period traced to a root cause (with an RCA report), and the
    causes by category and responsible department."""
    qs = _complaints_done(f)
    total = qs.aggregate(n=Count("pk"), traced=Count("pk", filter=Q(ticket__rca__isnull=False)))
    rows = [
        {
            "category": r["ticket__rca__category"],
            "department": r["ticket__rca__department"],
            "complaints": r["n"],
            "share": rules.percent(r["n"], total["traced"]),
            "drill": _drill("root_causes", f, category=r["ticket__rca__category"]),
        }
        for r in qs.filter(ticket__rca__isnull=False)
        .values("ticket__rca__category", "ticket__rca__department")
        .annotate(n=Count("pk"))
        .order_by("-n", "ticket__rca__category", "ticket__rca__department")
    ]
    return Metric(
        code="root_causes",
        label=_("Complaints traced to a root cause"),
        definition=_(
            "Complaints resolved in the period that have a root-cause analysis, ÷ all "
            "complaints resolved in the period; the table counts the causes by category and "
            "responsible department."
        ),
        value=rules.percent(total["traced"], total["n"]),
        unit="%",
        rows=rows,
        columns=[
            ("category", _("Root-cause category")),
            ("department", _("Department")),
            ("complaints", _("Complaints")),
            ("share", _("Share (%)")),
        ],
        drill=_drill("root_causes", f, outcome="traced"),
        sample=total["n"],
    )


def _actions(f: Filters):
    """Corrective actions due in the period, from RCAs of complaint tickets of the scope."""
    from claimdesk.service.models import CorrectiveAction

    tickets = f.with_kind("ticket").scope().filter(category="complaint")
    return CorrectiveAction.objects.filter(
        report__ticket__case__in=tickets.values("pk"), due_date__gte=f.start, due_date__lte=f.end
    )


def _drill_actions(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    actions = _actions(f)
    if department := params.get("department"):
        actions = actions.filter(report__department=department)
    if params.get("outcome") == "done":
        actions = actions.filter(done_at__isnull=False)
    elif params.get("outcome") == "open":
        actions = actions.filter(done_at__isnull=True)
    return Case.objects.filter(pk__in=actions.values("report__ticket__case_id"))


@register("corrective_actions_done", _drill_actions)
def metric_corrective_actions_done(f: Filters) -> Metric:
    """Corrective actions due in the period that are done, per responsible department."""
    actions = _actions(f)
    end_of_period = f.bounds()[1]
    counts = {
        "due": Count("pk"),
        "done": Count("pk", filter=Q(done_at__isnull=False)),
        "on_time": Count("pk", filter=Q(done_at__isnull=False, done_at__lt=end_of_period)),
    }
    per_department = list(
        actions.values("report__department").annotate(**counts).order_by("report__department")
    )
    total = _totals(per_department, counts)
    rows = [
        {
            "department": r["report__department"],
            "due": r["due"],
            "done": r["done"],
            "done_share": rules.percent(r["done"], r["due"]),
            "drill": _drill("corrective_actions_done", f, department=r["report__department"]),
        }
        for r in per_department
    ]
    return Metric(
        code="corrective_actions_done",
        label=_("Corrective actions done"),
        definition=_(
            "Corrective actions from complaint root-cause analyses that were due in the "
            "period: share done (%(on_time)d done by the end of the period)."
        )
        % {"on_time": total["on_time"]},
        value=rules.percent(total["done"], total["due"]),
        unit="%",
        rows=rows,
        columns=[
            ("department", _("Department")),
            ("due", _("Due")),
            ("done", _("Done")),
            ("done_share", _("Done (%)")),
        ],
        drill=_drill("corrective_actions_done", f, outcome="done"),
        sample=int(total["due"]),
    )


# --- business value from policies ---------------------------------------------------------------


def _ended_policies(f: Filters):
    from claimdesk.policies.models import Policy

    qs = Policy.objects.filter(end__gte=f.start, end__lte=f.end)
    if f.product:
        qs = qs.filter(product__code=f.product)
    return qs


def _renewed() -> Exists:
    from claimdesk.policies.models import Policy

    return Exists(
        Policy.objects.filter(
            holder=OuterRef("holder"),
            product__line=OuterRef("product__line"),
            start__gt=OuterRef("start"),
        ).exclude(pk=OuterRef("pk"))
    )


def _drill_renewal(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    policies = _ended_policies(f)
    if params.get("outcome") == "renewed":
        policies = policies.filter(_renewed())
    elif params.get("outcome") == "lapsed":
        policies = policies.exclude(_renewed())
    return _claims_f(f).scope().filter(claim__policy__in=policies.values("pk"))


@register("renewal_rate", _drill_renewal)
def metric_renewal_rate(f: Filters) -> Metric:
    """Customers whose policy ended in the period and who hold a later policy of the same line."""
    policies = _ended_policies(f)
    customers = policies.aggregate(
        ended=Count("holder", distinct=True),
        renewed=Count("holder", distinct=True, filter=_renewed()),
    )
    rows = [
        {
            "line": r["product__line"],
            "line_label": _type_label("claim", r["product__line"]),
            "customers": r["ended"],
            "renewed": r["renewed"],
            "rate": rules.percent(r["renewed"], r["ended"]),
        }
        for r in policies.values("product__line")
        .annotate(
            ended=Count("holder", distinct=True),
            renewed=Count("holder", distinct=True, filter=_renewed()),
        )
        .order_by("product__line")
    ]
    return Metric(
        code="renewal_rate",
        label=_("Renewal rate"),
        definition=_(
            "Customers whose policy ended in the period who hold a later policy (starting "
            "after it) of the same line ÷ all customers whose policy ended in the period. "
            "From policies; the product filter applies, branch and team do not. The "
            "drill-down lists those customers' claims."
        ),
        value=rules.percent(customers["renewed"], customers["ended"]),
        unit="%",
        rows=rows,
        columns=[
            ("line_label", _("Line")),
            ("customers", _("Customers")),
            ("renewed", _("Renewed")),
            ("rate", _("Renewal rate (%)")),
        ],
        drill=_drill("renewal_rate", f, outcome="renewed"),
        sample=customers["ended"],
    )


def _cross_sold() -> Exists:
    """A policy of another line taken (started) on or after the claim was opened."""
    from claimdesk.policies.models import Policy

    return Exists(
        Policy.objects.filter(
            holder=OuterRef("customer"),
            start__gte=OuterRef("claim_day"),
        ).exclude(product__line=OuterRef("claim__policy__product__line"))
    )


def _claimants(f: Filters) -> QuerySet[WithAnnotations[Case, _Claimant]]:
    """Claims reported in the period, with the local day they were reported."""
    return (
        _claims_f(f)
        .cases()
        .filter(customer__isnull=False)
        .annotate(claim_day=TruncDate("opened_at", tzinfo=SHANGHAI))
        .annotate(converted=_cross_sold())
        .order_by()
    )


def _drill_cross_sell(
    f: Filters, params: Mapping[str, str]
) -> QuerySet[WithAnnotations[Case, _Claimant]]:
    qs = _claimants(f)
    if params.get("outcome") == "converted":
        qs = qs.filter(converted=True)
    return qs


@register("cross_sell_rate", _drill_cross_sell)
def metric_cross_sell_rate(f: Filters) -> Metric:
    """Customers with a claim reported in the period who took a policy of another line after
    reporting it."""
    # One statement: the claims of the period with their line and day (c); per customer and
    # line the latest policy start (m, from all policies: a few per customer); a claim is
    # converted when a policy of another line starts on or after its day — a hash join of
    # the two instead of a policy probe per claim. Counted per line and over all lines (a
    # customer may claim on two lines).
    from claimdesk.policies.models import Policy, Product

    cf = _claims_f(f)
    claims: QuerySet[Any, Any]
    if _summaries_complete(cf):  # the per-case rows carry customer and product
        claims = (
            _summaries(cf)
            .filter(f.in_period("opened_at"), customer__isnull=False)
            .values(g_customer=F("customer_id"), g_line=F("product__line"))
        )
    else:
        claims = (
            cf.cases()
            .filter(customer__isnull=False)
            .values(g_customer=F("customer_id"), g_line=F("claim__policy__product__line"))
        )
    inner, params = (
        claims.annotate(g_day=TruncDate("opened_at", tzinfo=SHANGHAI))
        .order_by()
        .query.sql_with_params()
    )
    policies, products = Policy._meta.db_table, Product._meta.db_table
    latest = (
        f"SELECT p.holder_id, pr.line, MAX(p.start) AS last_start FROM {policies} p "
        f"JOIN {products} pr ON pr.id = p.product_id GROUP BY p.holder_id, pr.line"
    )
    # Per customer and line whether any of their claims converted (hash aggregation), then
    # counted per line and, per customer over all lines, in total.
    sql = (
        f"WITH c AS ({inner}), m AS ({latest}), j AS (SELECT c.g_customer, c.g_line, "
        "MAX(CASE WHEN m.holder_id IS NULL THEN 0 ELSE 1 END) AS won FROM c LEFT JOIN m "
        "ON m.holder_id = c.g_customer AND m.line <> c.g_line AND m.last_start >= c.g_day "
        "GROUP BY c.g_customer, c.g_line) "
        "SELECT 0 AS everyone, j.g_line AS line, COUNT(*) AS n, SUM(j.won) AS won FROM j "
        "GROUP BY j.g_line UNION ALL SELECT 1, NULL, COUNT(*), SUM(w.won) FROM "
        "(SELECT j.g_customer, MAX(j.won) AS won FROM j GROUP BY j.g_customer) w"
    )
    grouped = fetch_rows(sql, list(params))
    all_lines = {r["line"]: r["n"] for r in grouped if not r["everyone"]}
    won = {r["line"]: int(r["won"] or 0) for r in grouped if not r["everyone"]}
    everyone = next(r for r in grouped if r["everyone"])
    customers = {"claimants": everyone["n"], "converted": int(everyone["won"] or 0)}
    rows = [
        {
            "line": key,
            "line_label": _type_label("claim", key),
            "customers": n,
            "converted": won.get(key, 0),
            "rate": rules.percent(won.get(key, 0), n),
        }
        for key, n in sorted(all_lines.items())
    ]
    return Metric(
        code="cross_sell_rate",
        label=_("Cross-sell conversion"),
        definition=_(
            "Customers with a claim reported in the period who hold a policy of another line "
            "starting on or after the day of the claim ÷ all customers with a claim reported "
            "in the period. From policies and claims."
        ),
        value=rules.percent(customers["converted"], customers["claimants"]),
        unit="%",
        rows=rows,
        columns=[
            ("line_label", _("Line of the claim")),
            ("customers", _("Customers")),
            ("converted", _("Took another line")),
            ("rate", _("Conversion (%)")),
        ],
        drill=_drill("cross_sell_rate", f, outcome="converted"),
        sample=customers["claimants"],
    )


# --- the four-dimension scorecard ---------------------------------------------------------------

# Labels read lazily: the module is imported once, pages are read in either language.
DIMENSIONS: tuple[tuple[str, object, tuple[str, ...]], ...] = (
    (
        "customer_experience",
        gettext_lazy("Customer experience"),
        ("csat", "nps", "complaint_rate", "first_contact_resolution", "self_service_rate"),
    ),
    (
        "operating_efficiency",
        gettext_lazy("Operating efficiency"),
        ("cycle_time", "bottleneck_stage", "sla_compliance", "backlog_aging"),
    ),
    (
        "business_value",
        gettext_lazy("Business value"),
        ("renewal_rate", "cross_sell_rate", "payout_ratio", "investigation_pass_rate"),
    ),
    (
        "process_improvement",
        gettext_lazy("Process improvement"),
        ("root_causes", "corrective_actions_done", "rejection_rate"),
    ),
)


def scorecard(f: Filters) -> list[Dimension]:
    """The four-dimension evaluation for the period (and the team/branch/product of ``f``):
    each dimension with its figures, each figure with its definition. Claim figures use the
    claims of the filter, ticket figures (complaints, first contact) the tickets.

    Inside a ``computed_once()`` block (the dashboard page) it reuses the figures already
    computed there."""
    with computed_once():
        return [
            Dimension(code=code, label=str(label), metrics=[METRICS[m](f) for m in codes])
            for code, label, codes in DIMENSIONS
        ]


# The figures of policy servicing and underwriting, of elderly-friendly mode and call-backs
# (转人工), and of direct settlement register themselves in ``METRICS``.
from claimdesk.analytics import (  # noqa: E402, F401
    elderly_figures,
    partner_figures,
    servicing_figures,
)
