"""Analytics endpoints: the list of figures, one figure with its table, the scorecard.

Managers only (``analytics.view_analytics``: 403 for anyone else). The filters are the
dashboard's: ``period`` (2026Q3, 2026-09) or ``start``/``end`` dates, plus ``branch``,
``product``, ``team`` and ``kind``; a date that is not one, or a period that means nothing,
is a 422 in the same shape as django-ninja's own validation answers.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError

from claimdesk.analytics import metrics
from claimdesk.analytics.filters import FilterError, Filters
from claimdesk.analytics.metrics import METRICS, Metric
from claimdesk.bounds import Day
from claimdesk.types import AuthedRequest

router = Router(tags=["analytics"])


class AnalyticsProblem(Schema):
    detail: str


class FiltersIn(Schema):
    period: str = Field("", max_length=20, description="2026Q3, 2026-09 or 2026; wins over dates")
    start: Day | None = Field(None, description="first day, inclusive (Asia/Shanghai)")
    end: Day | None = Field(None, description="last day, inclusive (Asia/Shanghai)")
    branch: str = Field("", max_length=60)
    product: str = Field("", max_length=40, description="product code")
    team: str = Field("", max_length=60)
    kind: str = Field("claim", max_length=20, description="claim or ticket")


class AnalyticsFilters(Schema):
    start: date
    end: date
    label: str
    branch: str
    product: str
    team: str
    kind: str


class MetricRef(Schema):
    code: str
    label: str
    definition: str


class MetricColumn(Schema):
    key: str
    label: str


class MetricSummary(Schema):
    code: str
    label: str
    definition: str
    value: Decimal | None = Field(description="exact decimal; none when there is no data")
    unit: str
    detail: str = ""
    drill: dict[str, str]


class MetricOut(MetricSummary):
    filters: AnalyticsFilters
    columns: list[MetricColumn]
    rows: list[dict[str, Any]]


class DimensionOut(Schema):
    code: str
    label: str
    metrics: list[MetricSummary]


class ScorecardOut(Schema):
    filters: AnalyticsFilters
    dimensions: list[DimensionOut]


def _refused(request: HttpRequest):
    if not request.user.has_perm("analytics.view_analytics"):
        return Status(403, {"detail": "only managers may read analytics"})
    return None


def _filters(q: FiltersIn) -> Filters:
    params = {k: v for k, v in q.dict().items() if v not in (None, "")}
    for key in ("start", "end"):
        if key in params:
            params[key] = params[key].isoformat()
    if params.get("period"):
        params.pop("start", None)
        params.pop("end", None)
    try:
        return Filters.from_query(params, today=timezone.localdate())
    except FilterError as exc:
        raise ValidationError([{"type": "value_error", "loc": ["query"], "msg": str(exc)}]) from exc


def _filters_out(f: Filters) -> dict[str, Any]:
    return {
        "start": f.start,
        "end": f.end,
        "label": f.label(),
        "branch": f.branch,
        "product": f.product,
        "team": f.team,
        "kind": f.kind,
    }


def _value(value) -> Decimal | None:
    """Exact in JSON: floats go through their shortest repr, never binary noise."""
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def _summary(m: Metric) -> dict[str, Any]:
    return {
        "code": m.code,
        "label": str(m.label),
        "definition": str(m.definition),
        "value": _value(m.value),
        "unit": m.unit,
        "detail": str(m.detail or ""),
        "drill": {k: str(v) for k, v in m.drill.items()},
    }


@router.get(
    "/analytics/metrics",
    response={200: list[MetricRef], 403: AnalyticsProblem},
    summary="The figures there are",
)
def metric_list(request: AuthedRequest):
    """Every metric code with its label and definition.

    Labels live with each metric's computation, so each is computed over today alone (one
    day: small ranges on indexed columns) to read them.
    """
    if refused := _refused(request):
        return refused
    today = timezone.localdate()
    day = Filters(start=today, end=today)
    out = []
    for code, fn in METRICS.items():
        m = fn(day)
        out.append({"code": code, "label": str(m.label), "definition": str(m.definition)})
    return out


@router.get(
    "/analytics/metrics/{code}",
    response={200: MetricOut, 403: AnalyticsProblem, 404: AnalyticsProblem},
    summary="One figure with its table",
)
def metric_get(request: AuthedRequest, code: str, q: Query[FiltersIn]):
    """The figure for the filters: value, unit, definition, the table behind it and the
    drill-down parameters of ``/analytics/cases/``."""
    if refused := _refused(request):
        return refused
    if code not in METRICS:
        return Status(404, {"detail": f"no metric {code!r}"})
    f = _filters(q)
    m = METRICS[code](f)
    return {
        **_summary(m),
        "filters": _filters_out(f),
        "columns": [{"key": k, "label": str(label)} for k, label in m.columns],
        "rows": m.rows,
    }


@router.get(
    "/analytics/scorecard",
    response={200: ScorecardOut, 403: AnalyticsProblem},
    summary="The four-dimension evaluation",
)
def scorecard_get(request: AuthedRequest, q: Query[FiltersIn]):
    """Customer experience, operating efficiency, business value and process improvement,
    each with its figures and the definition of each."""
    if refused := _refused(request):
        return refused
    f = _filters(q)
    return {
        "filters": _filters_out(f),
        "dimensions": [
            {"code": d.code, "label": str(d.label), "metrics": [_summary(m) for m in d.metrics]}
            for d in metrics.scorecard(f)
        ],
    }
