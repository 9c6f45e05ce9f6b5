"""The manager dashboard, the cases behind a number, and table exports.

The figures come from ``analytics.metrics`` (one named function per metric); this module only
picks periods, draws them with ``analytics.charts`` and links each figure and row to the
cases behind it. The one read of its own is the live "overdue and near-due now" list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import wraps
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claimdesk import exports
from claimdesk.analytics import charts, kpi, metrics
from claimdesk.analytics.elderly_figures import ELDERLY_FIGURES
from claimdesk.analytics.filters import Filters
from claimdesk.analytics.metrics import METRICS, Metric
from claimdesk.analytics.rules import NEAR_DUE
from claimdesk.analytics.servicing_figures import SERVICING_FIGURES
from claimdesk.analytics.whitepaper import quarter_filters, white_paper_html
from claimdesk.cases.models import LIVE_STATES, Deadline
from claimdesk.cases.selectors import cases_visible_to
from claimdesk.policies.models import Product
from claimdesk.staff.models import StaffProfile
from claimdesk.stp import selectors as stp_selectors
from claimdesk.types import AuthedRequest
from claimdesk.workdays.clocks import SHANGHAI

if TYPE_CHECKING:
    from typing import TypedDict

    from django_stubs_ext import WithAnnotations

    class _DueNow(TypedDict):  # what due_now() annotates on each clock
        has_claim: bool


# The live list: at most this many rows in an export, this many on the dashboard itself.
DUE_NOW_LIMIT = 1000
DASHBOARD_DUE_ROWS = 15
# Trend charts show the months of the period, at least this many (earlier months added).
TREND_MIN_MONTHS = 3
TREND_MAX_MONTHS = 24
FILTER_KEYS = ("start", "end", "branch", "product", "team", "kind")
# Query parameters of the drill-down that are not keys of a row.
RESERVED = {"metric", "period", "page", *FILTER_KEYS}
CASES_PER_PAGE = 50


def analytics_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log in first; then only holders of ``analytics.view_analytics`` (managers): 403 for others."""

    @login_required
    @wraps(view)
    def wrapper(request: AuthedRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.has_perm("analytics.view_analytics"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# --- filters ---------------------------------------------------------------------------------


class BadFilters(ValueError):
    """The filter parameters cannot be read (e.g. an impossible date)."""


def filters_from(params: Mapping[str, str], today: date) -> Filters:
    """``Filters.from_query`` with one rule made explicit: a chosen period wins over dates."""
    query = {k: params.get(k, "") for k in ("period", *FILTER_KEYS) if params.get(k)}
    if query.get("period"):
        query.pop("start", None)
        query.pop("end", None)
    try:
        return Filters.from_query(query, today=today)
    except (ValueError, TypeError, ValidationError) as exc:
        raise BadFilters(str(exc)) from exc


def filter_params(f: Filters) -> dict[str, str]:
    """The query parameters that give ``f`` back (explicit dates, so links do not drift)."""
    return f.to_query()


def drill_url(code: str, f: Filters, keys: Mapping[str, Any] | None = None) -> str:
    """``/analytics/cases/?metric=…&<filters>&<keys>``: the cases behind one number.

    ``keys`` is a metric's (or a row's) ``drill`` dict; where it names a filter too (a row of
    the per-team table carries ``team``) it narrows the filters to that row.
    """
    params = {"metric": code, **filter_params(f)}
    params.update({k: str(v) for k, v in (keys or {}).items() if k not in ("period", "page")})
    return f"{reverse('analytics:cases')}?{urlencode(params)}"


def export_url(code: str, f: Filters, fmt: str) -> str:
    name = "analytics:export_csv" if fmt == "csv" else "analytics:export_xlsx"
    return f"{reverse(name, args=[code])}?{urlencode(filter_params(f))}"


def months_of(f: Filters, today: date | None = None) -> list[Filters]:
    """One ``Filters`` per calendar month of the period (clipped to it) that has begun by
    ``today``; at least ``TREND_MIN_MONTHS`` (earlier whole months added), at most
    ``TREND_MAX_MONTHS``."""
    last_day = min(f.end, today) if today else f.end
    firsts: list[date] = []
    cursor = f.start.replace(day=1)
    while cursor <= last_day and len(firsts) < TREND_MAX_MONTHS:
        firsts.append(cursor)
        cursor = _next_month(cursor)
    if not firsts:  # the whole period lies ahead: its first month
        firsts.append(f.start.replace(day=1))
    while len(firsts) < TREND_MIN_MONTHS:
        firsts.insert(0, _previous_month(firsts[0]))
    out = []
    for first in firsts:
        last = _next_month(first) - timedelta(days=1)
        start = first if first < f.start.replace(day=1) else max(first, f.start)
        out.append(replace(f, start=start, end=min(last, f.end)))
    return out


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _previous_month(day: date) -> date:
    return date(day.year - (day.month == 1), (day.month - 2) % 12 + 1, 1)


def period_choices(today: date) -> list[tuple[str, str]]:
    """The last four quarters and the last twelve months, newest first."""
    choices = []
    quarter = (today.month - 1) // 3 + 1
    year = today.year
    for _i in range(4):
        choices.append((f"{year}Q{quarter}", f"{year} Q{quarter}"))
        quarter, year = (quarter - 1, year) if quarter > 1 else (4, year - 1)
    month = today.replace(day=1)
    for _i in range(12):
        choices.append((f"{month:%Y-%m}", f"{month:%Y-%m}"))
        month = _previous_month(month)
    return choices


def _filter_options() -> dict[str, Any]:
    profiles = StaffProfile.objects.all()
    return {
        "branches": sorted(set(profiles.exclude(branch="").values_list("branch", flat=True))),
        "teams": sorted(set(profiles.exclude(team="").values_list("team", flat=True))),
        "products": list(Product.objects.values_list("code", "name").order_by("code")),
    }


# --- metrics, memoised per request ----------------------------------------------------------


class MetricBook:
    """Each (code, filters) computed once per page, however many places show it."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, Filters], Metric] = {}

    def get(self, code: str, f: Filters) -> Metric:
        key = (code, f)
        if key not in self._seen:
            self._seen[key] = METRICS[code](f)
        return self._seen[key]


def row_keys(metric: Metric, row: Mapping[str, Any]) -> dict[str, Any]:
    """The drill keys of one table row: those of the metric's ``drill`` dict plus the row's
    own ``drill`` keys (a row of a breakdown narrows the figure to its group)."""
    keys = dict(metric.drill)
    keys.update(row.get("drill") or {})
    return keys


def cell_text(value: Any) -> str:
    """A table cell as shown: local times, ``–`` for nothing, numbers as they are."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def table(metric: Metric, f: Filters) -> dict[str, Any]:
    """A metric's rows as the template shows them: cells in column order and a drill link."""
    return {
        "metric": metric,
        "columns": metric.columns,
        "rows": [
            {
                "cells": [cell_text(row.get(key)) for key, _label in metric.columns],
                "url": drill_url(metric.code, f, row_keys(metric, row)),
            }
            for row in metric.rows
        ],
        "csv": export_url(metric.code, f, "csv"),
        "xlsx": export_url(metric.code, f, "xlsx"),
        "drill": drill_url(metric.code, f, metric.drill),
    }


# Metric units as people read them; "%", "‱" and "/5" are written as they are.
UNIT_TEXT = {
    "h": gettext_lazy("h"),
    "days": gettext_lazy("days"),
    "pts": gettext_lazy("pts"),
    "¥": gettext_lazy("yuan"),
}


def unit_text(unit: str) -> str:
    return str(UNIT_TEXT.get(unit, unit))


def figure_text(metric: Metric) -> str:
    """``92.5%``; a figure that names something (the bottleneck stage) shows the name too."""
    if metric.value is None and metric.detail:
        return str(metric.detail)
    text = charts.number_text(metric.value, unit_text(metric.unit))
    return f"{text} · {metric.detail}" if metric.detail else text


def figure(metric: Metric, f: Filters) -> dict[str, Any]:
    """A figure as the page shows it: value, definition, its standing against its target
    (``kpi.assess``: colour, sample size, too few to judge) and where its number leads."""
    query = urlencode(filter_params(f))
    return {
        "metric": metric,
        "text": figure_text(metric),
        "kpi": kpi.assess(metric),
        "url": drill_url(metric.code, f, metric.drill),
        "detail": f"{reverse('analytics:metric', args=[metric.code])}?{query}",
        "csv": export_url(metric.code, f, "csv"),
        "xlsx": export_url(metric.code, f, "xlsx"),
    }


def _trend(book: MetricBook, code: str, f: Filters, today: date) -> dict[str, Any]:
    """The metric over the months of the period (none after today), each month linked to
    its cases."""
    months = months_of(f, today)
    labels = [f"{m.start:%Y-%m}" for m in months]
    points = [book.get(code, m) for m in months]
    unit = points[0].unit
    tight = unit in charts.TIGHT_UNITS
    svg = charts.line_chart(
        labels,
        [(str(points[0].label), [p.value for p in points])],
        title=str(points[0].label),
        unit="%" if unit == "%" else "",
        y_label="" if tight else unit_text(unit),
        y_max=5 if unit == "/5" else (100 if unit == "%" else None),
        width=560,
        height=260,
    )
    return {
        "code": code,
        "svg": svg,
        "points": [
            {
                "month": label,
                "value": charts.number_text(p.value, unit_text(p.unit)),
                "url": drill_url(code, m, p.drill),
                "kpi": kpi.assess(p),
            }
            for label, m, p in zip(labels, months, points, strict=True)
        ],
    }


# --- the live list ---------------------------------------------------------------------------


def due_now(f: Filters, now: datetime) -> QuerySet[WithAnnotations[Deadline, _DueNow]]:
    """The clocks behind the ``overdue_now`` figure, one by one: live (running or paused)
    clocks on cases of the filters' scope that are overdue or due within ``NEAR_DUE``, most
    overdue first. Whatever the period: this is the work on the desks now."""
    return (
        Deadline.objects.filter(
            state__in=LIVE_STATES,
            due_at__lt=now + NEAR_DUE,
            case__in=f.scope().values("pk"),
        )
        .select_related("case", "case__owner", "rule", "assignee")
        # A left join on the claim's primary key, not EXISTS: for the first rows of the
        # list the planner would hash every claim id to answer the EXISTS.
        .annotate(has_claim=Q(case__claim__isnull=False))
        .order_by("due_at", "pk")
    )


def due_now_rows(f: Filters, now: datetime, limit: int = DUE_NOW_LIMIT) -> list[dict[str, Any]]:
    rows = []
    for d in due_now(f, now)[:limit]:
        late = now - d.due_at
        rows.append(
            {
                "deadline": d,
                "case": d.case,
                "url": case_url(d.case, d.has_claim),
                "overdue": late > timedelta(0),
                "hours": round(abs(late.total_seconds()) / 3600, 1),
            }
        )
    return rows


DUE_NOW_COLUMNS = [
    ("number", gettext_lazy("Case")),
    ("title", gettext_lazy("Title")),
    ("rule", gettext_lazy("Clock")),
    ("assignee", gettext_lazy("Assignee")),
    ("due_at", gettext_lazy("Due")),
    ("state", gettext_lazy("State")),
]


def due_now_table(f: Filters, now: datetime) -> tuple[list[tuple[str, str]], list[dict]]:
    """The live list as export columns and rows."""
    columns = [(k, str(label)) for k, label in DUE_NOW_COLUMNS]
    rows = [
        {
            "number": r["case"].number,
            "title": r["case"].title,
            "rule": r["deadline"].rule.label,
            "assignee": r["deadline"].assignee.username,
            "due_at": r["deadline"].due_at,
            "state": _("overdue") if r["overdue"] else _("due soon"),
        }
        for r in due_now_rows(f, now)
    ]
    return columns, rows


def case_url(case, has_claim: bool) -> str:
    if case.kind == "claim" and has_claim:
        return reverse("web:claim_detail", args=[case.number])
    return reverse("web:case_detail", args=[case.number])


# --- pages -----------------------------------------------------------------------------------


def _base_context(request: HttpRequest) -> tuple[dict[str, Any], Filters | None]:
    today = timezone.localdate()
    context: dict[str, Any] = {
        "sections": DASHBOARD_SECTIONS,
        "periods": period_choices(today),
        "query": {k: request.GET.get(k, "") for k in ("period", *FILTER_KEYS)},
        **_filter_options(),
    }
    try:
        f = filters_from(request.GET, today)
    except BadFilters as exc:
        context["filter_error"] = str(exc)
        return context, None
    context["filters"] = f
    context["filter_query"] = urlencode(filter_params(f))
    context["product_name"] = dict(context["products"]).get(f.product, f.product)
    return context, f


# The dashboard's sections, in page order: the index at the top links each by its anchor, so
# ``/analytics/?period=2026Q3#trends`` opens the trends of that quarter.
DASHBOARD_SECTIONS = (
    ("kpis", gettext_lazy("KPIs against targets")),
    ("due-now", gettext_lazy("Overdue and near-due now")),
    ("trends", gettext_lazy("Trends")),
    ("backlog", gettext_lazy("Backlog and root causes")),
    ("scorecard", gettext_lazy("Four-dimension scorecard")),
    ("servicing", gettext_lazy("Policy servicing and underwriting")),
    ("elderly", gettext_lazy("Elderly-friendly mode and call-backs")),
    ("tables", gettext_lazy("Tables")),
    ("figures", gettext_lazy("All figures")),
)
DASHBOARD_TABLES = (
    "sla_compliance",
    "cycle_time",
    "backlog_aging",
    "root_causes",
    # Case reserves and recoveries (issue 15).
    "open_reserves",
    "reserve_movements",
    "reserve_at_closure",
    "recovery_rate",
)
TRENDS = ("sla_compliance", "cycle_time", "nps", "csat")
NUMBERS = (int, float, Decimal)


def chart_columns(metric: Metric) -> tuple[str, str] | None:
    """Which column names the bars and which holds their numbers: the first column, and the
    first other column whose every value is a number (a count, a rate)."""
    if not metric.columns:
        return None
    label = metric.columns[0][0]
    for key, _label in metric.columns[1:]:
        values = [row.get(key) for row in metric.rows]
        if values and all(
            v is None or (isinstance(v, NUMBERS) and not isinstance(v, bool)) for v in values
        ):
            return label, key
    return None


def metric_chart(metric: Metric, f: Filters, *, horizontal: bool = False) -> str:
    """The metric's table as bars, each bar linked to the cases of its row. The bars are a
    column of the table (mostly counts), so the figure's own unit is not written on them."""
    pick = chart_columns(metric)
    if pick is None:
        return ""
    label, key = pick
    draw = charts.hbar_chart if horizontal else charts.bar_chart
    return draw(
        [cell_text(row.get(label)) for row in metric.rows],
        [row.get(key) for row in metric.rows],
        title=str(metric.label),
        links=[drill_url(metric.code, f, row_keys(metric, row)) for row in metric.rows],
    )


def dashboard_data(f: Filters, now: datetime) -> dict[str, Any]:
    """Everything the dashboard shows for ``f`` at ``now``, computed (no request, no HTML):
    the page renders it, and the benchmark times it as "the whole dashboard"."""
    with metrics.computed_once():  # the cards, trends and scorecard share their figures
        return _dashboard_data(f, now)


def _dashboard_data(f: Filters, now: datetime) -> dict[str, Any]:
    book = MetricBook()
    data: dict[str, Any] = {
        "due_now": due_now_rows(f, now, limit=DASHBOARD_DUE_ROWS),
        "due_now_total": due_now(f, now).count(),
        "due_now_csv": export_url("due_now", f, "csv"),
        "due_now_xlsx": export_url("due_now", f, "xlsx"),
        "trends": [
            _trend(book, code, f, timezone.localdate(now)) for code in TRENDS if code in METRICS
        ],
        "tables": [table(book.get(c, f), f) for c in DASHBOARD_TABLES if c in METRICS],
        # The dimensions of ``metrics.scorecard``, from the figures computed once here.
        "scorecard": [
            {"code": code, "label": label, "figures": [figure(book.get(c, f), f) for c in codes]}
            for code, label, codes in metrics.DIMENSIONS
        ],
        "figures": [figure(book.get(code, f), f) for code in METRICS],
        # Policy servicing and underwriting: their figures and the tables behind them.
        "servicing_figures": [figure(book.get(c, f), f) for c in SERVICING_FIGURES],
        "servicing_tables": [table(book.get(c, f), f) for c in SERVICING_FIGURES],
        # Elderly-friendly mode (适老化) and call-backs (转人工).
        "elderly_figures": [figure(book.get(c, f), f) for c in ELDERLY_FIGURES],
        "elderly_tables": [table(book.get(c, f), f) for c in ELDERLY_FIGURES],
        # The KPIs with a target, in the order of the four dimensions: the overview cards.
        "kpis": [
            figure(book.get(c, f), f)
            for _code, _label, codes in metrics.DIMENSIONS
            for c in codes
            if kpi.kpi_rule(c) is not None
        ],
    }
    since, until = (
        datetime.combine(f.start, time.min, SHANGHAI),
        datetime.combine(f.end + timedelta(days=1), time.min, SHANGHAI),
    )
    data["stp"] = stp_selectors.figures(since=since, until=until)
    if "overdue_now" in METRICS:
        overdue = book.get("overdue_now", f)
        data["overdue"] = figure(overdue, f)
        data["near_due_url"] = drill_url("overdue_now", f, {**overdue.drill, "outcome": "near_due"})
        data["overdue_table"] = table(overdue, f)
    if "backlog_aging" in METRICS:
        data["aging_svg"] = metric_chart(book.get("backlog_aging", f), f)
    if "root_causes" in METRICS:
        data["causes_svg"] = metric_chart(book.get("root_causes", f), f, horizontal=True)
    return data


@analytics_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    """Overdue and near-due work now, trends, backlog aging, root causes, the scorecard and
    every figure with its definition, each linked to the cases behind it."""
    context, f = _base_context(request)
    if f is None:
        return render(request, "analytics/dashboard.html", context, status=400)
    context.update(dashboard_data(f, timezone.now()))
    scope = {k: getattr(f, k) for k in ("branch", "product", "team") if getattr(f, k)}
    context["whitepaper_url"] = reverse("analytics:whitepaper", args=[whitepaper_quarter(f)]) + (
        f"?{urlencode(scope)}" if scope else ""
    )
    return render(request, "analytics/dashboard.html", context)


def whitepaper_quarter(f: Filters) -> str:
    """The quarter the white-paper link of a dashboard opens: the one its period starts in."""
    return f"{f.start.year}Q{(f.start.month - 1) // 3 + 1}"


@analytics_required
def white_paper(request: AuthedRequest, quarter: str) -> HttpResponse:
    """The quarterly white paper as a page, in the language of the request (the CLI writes
    the same HTML and its PDF)."""
    try:
        f = quarter_filters(
            quarter,
            branch=request.GET.get("branch", ""),
            product=request.GET.get("product", ""),
            team=request.GET.get("team", ""),
        )
    except (ValueError, ValidationError) as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    language = translation.get_language() or "zh-hans"
    response = HttpResponse(white_paper_html(f, now=timezone.now(), language=language))
    # A self-contained document (its CSS inline, its charts inline SVG) and no script: its own
    # policy allows the inline style and nothing else.
    response["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return response


@analytics_required
def metric_detail(request: AuthedRequest, code: str) -> HttpResponse:
    """One figure with its definition and its whole table, each row linked to its cases."""
    if code not in METRICS:
        raise Http404
    context, f = _base_context(request)
    if f is None:
        return render(request, "analytics/metric.html", context, status=400)
    metric = METRICS[code](f)
    context.update(
        {"figure": figure(metric, f), "table": table(metric, f), "chart": metric_chart(metric, f)}
    )
    return render(request, "analytics/metric.html", context)


@analytics_required
def cases_behind(request: AuthedRequest) -> HttpResponse:
    """The cases behind one number: the metric's own query for the filters and row keys."""
    code = request.GET.get("metric", "")
    if code not in METRICS:
        raise Http404
    context, f = _base_context(request)
    if f is None:
        return render(request, "analytics/cases.html", context, status=400)
    keys = {k: request.GET[k] for k in request.GET if k not in RESERVED}  # (the last value)
    try:
        cases = metrics.cases_behind({"metric": code, **keys}, f)
    except (ValueError, TypeError, LookupError, StopIteration) as exc:
        # A key value the metric does not know (e.g. an age bucket that does not exist).
        context["filter_error"] = _("These cases cannot be listed: %(keys)s") % {
            "keys": ", ".join(f"{k}={v}" for k, v in keys.items()) or str(exc)
        }
        return render(request, "analytics/cases.html", context, status=400)
    cases = (
        cases.filter(pk__in=cases_visible_to(request.user).values("pk"))
        .select_related("owner")
        .annotate(has_claim=Q(claim__isnull=False))  # a left join (see due_now)
        .order_by("-opened_at", "-pk")
    )
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    metric = METRICS[code](f)
    context.update(
        {
            "metric": metric,
            "keys": keys,
            "page": page,
            "rows": [(c, case_url(c, c.has_claim)) for c in page.object_list],
            "back": reverse("analytics:dashboard") + "?" + urlencode(filter_params(f)),
            "page_query": urlencode({k: v for k, v in request.GET.items() if k != "page"}),
        }
    )
    return render(request, "analytics/cases.html", context)


def _export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    today = timezone.localdate()
    try:
        f = filters_from(request.GET, today)
    except BadFilters as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    period = f"{f.start:%Y%m%d}-{f.end:%Y%m%d}"
    if code == "due_now":
        columns, rows = due_now_table(f, timezone.now())
        title, notes = _("Overdue and near-due work now"), []
    elif code in METRICS:
        metric = METRICS[code](f)
        columns, rows = metric.columns, metric.rows
        title = f"{metric.label} ({f.start:%Y-%m-%d} – {f.end:%Y-%m-%d})"
        notes = [str(metric.definition), _filter_note(f)]
    else:
        raise Http404
    name = f"{code}-{period}.{fmt}"
    if fmt == "csv":
        body = exports.table_csv(columns, rows, title=str(title))
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    else:
        body = exports.table_xlsx(columns, rows, title=str(title), sheet=code, notes=notes)
        response = HttpResponse(
            body,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _filter_note(f: Filters) -> str:
    parts = [f"{_('Period')}: {f.start:%Y-%m-%d} – {f.end:%Y-%m-%d}"]
    for key, label in (("branch", _("Branch")), ("product", _("Product")), ("team", _("Team"))):
        if getattr(f, key):
            parts.append(f"{label}: {getattr(f, key)}")
    return "; ".join(parts)


@analytics_required
def export_csv(request: AuthedRequest, code: str) -> HttpResponse:
    return _export(request, code, "csv")


@analytics_required
def export_xlsx(request: AuthedRequest, code: str) -> HttpResponse:
    return _export(request, code, "xlsx")
