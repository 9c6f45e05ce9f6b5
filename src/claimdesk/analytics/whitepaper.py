"""The quarterly service-quality white paper (服务质量白皮书): HTML and PDF.

Every figure comes from ``analytics.metrics`` (the same functions as the dashboard, so the
paper and the dashboard never disagree) and every chart from ``analytics.charts`` (inline
SVG, which WeasyPrint prints as vectors). This module only chooses what to show, in which
order, and lays it out; it computes nothing itself. The PDF goes through the notices'
``render_pdf`` (Noto Sans CJK SC, or an error instead of boxes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claimdesk.analytics import charts, kpi, metrics
from claimdesk.analytics.filters import QUARTER, FilterError, Filters, month_bounds, quarter_bounds
from claimdesk.analytics.metrics import DIMENSIONS, METRICS, Dimension, Metric
from claimdesk.analytics.rules import KpiStatus, kpi_change
from claimdesk.analytics.servicing_figures import SERVICING_FIGURES

Progress = Callable[[int, int, str], None]

# The steps the progress bar counts, in order (the last two print the files).
STEPS = (
    gettext_lazy("Four-dimension scorecard"),
    gettext_lazy("SLA compliance"),
    gettext_lazy("Cycle time per stage"),
    gettext_lazy("Backlog aging"),
    gettext_lazy("Payout ratio"),
    gettext_lazy("Rejections and clauses cited"),
    gettext_lazy("CSAT and NPS"),
    gettext_lazy("Complaints and root causes"),
    gettext_lazy("Corrective actions"),
    gettext_lazy("Policy servicing and underwriting"),
    gettext_lazy("Writing the HTML"),
    gettext_lazy("Printing the PDF"),
)
UNIT_LABELS = {
    "days": gettext_lazy("days"),
    "h": gettext_lazy("h"),
    "pts": "",
    "¥": "",
}


def quarter_filters(text: str, *, branch: str = "", product: str = "", team: str = "") -> Filters:
    """``2026Q3`` → the filters of that quarter. Anything but a quarter is a ``FilterError``:
    the paper is quarterly."""
    m = QUARTER.match(text.strip())
    if not m:
        raise FilterError(
            _("Not a quarter: %(text)s (write it like 2026Q3)") % {"text": text.strip()}
        )
    start, end = quarter_bounds(int(m[1]), int(m[2]))
    return Filters(start=start, end=end, branch=branch, product=product, team=team)


def figure_text(metric: Metric) -> str:
    """The headline value with its unit, as the paper prints it (``96.5%``, ``3.2 天``)."""
    unit = metric.unit
    if metric.value is None:
        return "–"
    if unit == "¥":
        return f"¥{charts.number_text(metric.value)}"
    if unit.startswith("/") or unit == "‱":  # 4.5/5, 12.5‱: the unit sticks to the number
        return f"{charts.number_text(metric.value)}{unit}"
    return charts.number_text(metric.value, str(UNIT_LABELS.get(unit, unit)))


def cell_text(value: object) -> str:
    if value is None or value == "":
        return "–" if value is None else ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float | Decimal):
        return charts.number_text(value)
    return str(value)


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    """One chapter: its headline figures (with definitions), charts and tables."""

    code: str
    title: str
    figures: list[Metric] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def add_trend(self, drawn: Trend) -> None:
        """The chart with, under it, what it cannot say itself (weekly points, too little
        data for a trend)."""
        if not drawn.note:
            self.charts.append(drawn.svg)
            return
        self.charts.append(
            format_html(
                '{}<p class="chart-note" data-testid="chart-note">{}</p>',
                mark_safe(drawn.svg),  # our own SVG: charts escape every text they draw
                drawn.note,
            )
        )

    @property
    def headline(self) -> list[dict[str, str]]:
        """The figures as the template prints them: label, value with unit, detail,
        definition."""
        out = []
        for m in self.figures:
            standing = kpi.assess(m)
            out.append(
                {
                    "code": m.code,
                    "label": str(m.label),
                    "value": figure_text(m),
                    "detail": str(m.detail or ""),
                    "definition": str(m.definition),
                    "status": standing.status,
                    "standing": standing.label if standing.rule or standing.sample else "",
                    "target": standing.target_text,
                    "sample": standing.sample_text,
                }
            )
        return out


def metric_table(metric: Metric, rows: Iterable[dict] | None = None, title: str = "") -> Table:
    """The table behind a figure, with the metric's own columns."""
    rows = list(metric.rows if rows is None else rows)
    return Table(
        title=title or str(metric.label),
        columns=[str(label) for _key, label in metric.columns],
        rows=[[cell_text(row.get(key)) for key, _label in metric.columns] for row in rows],
    )


def _number(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return float(value)
    return None


def hbar(rows: list[dict], label: str | Callable[[dict], str], value: str, **kw) -> str:
    """Horizontal bars of ``value`` per row; nothing when there are no rows."""
    if not rows:
        return ""
    labels = [label(r) if callable(label) else str(r.get(label) or "–") for r in rows]
    return charts.hbar_chart(labels, [_number(r.get(value)) for r in rows], **kw)


def months(f: Filters) -> list[Filters]:
    """The months of the period, as filters of their own (for trend lines)."""
    out, cursor = [], date(f.start.year, f.start.month, 1)
    while cursor <= f.end:
        start, end = month_bounds(cursor.year, cursor.month)
        out.append(replace(f, start=max(start, f.start), end=min(end, f.end)))
        cursor = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
    return out


def weeks(f: Filters) -> list[Filters]:
    """The weeks (Monday to Sunday) of the period, clipped to it."""
    out, cursor = [], f.start - timedelta(days=f.start.weekday())
    while cursor <= f.end:
        out.append(
            replace(f, start=max(cursor, f.start), end=min(cursor + timedelta(days=6), f.end))
        )
        cursor += timedelta(days=7)
    return out


class Book:
    """Each figure computed once per (metric, filters) while one paper is built: the
    scorecard and the chapters show the same numbers, and on a big book each costs seconds."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, Filters], Metric] = {}

    def get(self, code: str, f: Filters) -> Metric:
        key = (code, f)
        if key not in self._seen:
            self._seen[key] = METRICS[code](f)
        return self._seen[key]


# A trend needs at least this many points with data; with fewer the paper says so.
TREND_MIN_POINTS = 2


@dataclass
class Trend:
    """A trend chart and the sentence that says how its points were chosen."""

    svg: str
    note: str


def _has_data(book: Book, code: str, f: Filters) -> bool:
    m = book.get(code, f)
    return m.value is not None and (m.sample is None or m.sample > 0)


def trend_points(book: Book, f: Filters, codes: list[str]) -> tuple[list[Filters], str]:
    """The periods a trend is drawn over, and their grain: the months of the period when at
    least two of them have data; else its weeks, from the first to the last with data (a
    quarter whose data sit in one month still shows a line)."""
    by_month = months(f)
    with_data = [m for m in by_month if any(_has_data(book, c, m) for c in codes)]
    if len(with_data) >= TREND_MIN_POINTS:
        return by_month, "month"
    by_week = weeks(f)
    used = [i for i, w in enumerate(by_week) if any(_has_data(book, c, w) for c in codes)]
    if used:
        by_week = by_week[used[0] : used[-1] + 1]
    return by_week, "week"


def trend(book: Book, f: Filters, codes: Iterable[tuple[str, str]], **kw) -> Trend:
    """A line per metric code over the period (``trend_points``), and a note saying which
    points it shows, or that the period has too little data for a trend."""
    codes = list(codes)
    periods, grain = trend_points(book, f, [code for code, _name in codes])
    series = [
        (str(name), [_number(book.get(code, p).value) for p in periods]) for code, name in codes
    ]
    points = sum(1 for p in periods if any(_has_data(book, c, p) for c, _n in codes))
    samples = sum(book.get(codes[0][0], p).sample or 0 for p in periods)
    if grain == "month":
        labels, note = [p.label() for p in periods], ""
    else:
        labels = [f"{p.start:%m-%d}" for p in periods]
        note = _(
            "Weekly points (the week's first day): the period has data in fewer than two months."
        )
    if points < TREND_MIN_POINTS:
        note = _(
            "Too little data for a trend in %(period)s: %(points)d period(s) with data, "
            "%(n)d behind the figure in all."
        ) % {"period": f.label(), "points": points, "n": samples}
        if points == 0:
            return Trend("", note)
    return Trend(charts.line_chart(labels, series, **kw), note)


# --- the written summary ---------------------------------------------------------------------

TOP_CAUSES = 3


def previous_quarter(f: Filters) -> Filters:
    """The quarter before ``f``'s (same branch / product / team)."""
    quarter = (f.start.month - 1) // 3 + 1
    year, quarter = (f.start.year, quarter - 1) if quarter > 1 else (f.start.year - 1, 4)
    start, end = quarter_bounds(year, quarter)
    return replace(f, start=start, end=end)


def _listed(items: list[str]) -> str:
    return _("; ").join(items)


def _change_text(before: Metric, after: Metric) -> str:
    return _("%(label)s from %(before)s to %(after)s") % {
        "label": after.label,
        "before": figure_text(before),
        "after": figure_text(after),
    }


def summary_sentences(
    current: list[Metric],
    previous: dict[str, Metric],
    causes: Metric,
    *,
    period: str,
    previous_period: str,
) -> list[str]:
    """The paper's opening in sentences, from the figures alone: how the KPIs stand against
    their targets, what improved and what got worse on the previous quarter (only KPIs that
    are judged in both: enough cases behind them), the top root causes of complaints, and
    where the samples are too small to say anything."""
    judged = {m.code: kpi.assess(m) for m in current}
    with_target = [m for m in current if judged[m.code].rule is not None]
    counts = {status: 0 for status in (KpiStatus.GOOD, KpiStatus.WARN, KpiStatus.BAD)}
    for m in with_target:
        if judged[m.code].status in counts:
            counts[judged[m.code].status] += 1
    sentences = [
        _(
            "In %(period)s, of %(n)d KPIs with a target, %(good)d are on target, %(warn)d near "
            "it and %(bad)d off target."
        )
        % {
            "period": period,
            "n": len(with_target),
            "good": counts[KpiStatus.GOOD],
            "warn": counts[KpiStatus.WARN],
            "bad": counts[KpiStatus.BAD],
        }
    ]
    off = [
        _("%(label)s %(value)s (%(target)s)")
        % {"label": m.label, "value": figure_text(m), "target": judged[m.code].target_text}
        for m in with_target
        if judged[m.code].status == KpiStatus.BAD
    ]
    if off:
        sentences.append(_("Off target: %(items)s.") % {"items": _listed(off)})
    improved, worse = [], []
    comparable = False
    for m in with_target:
        before = previous.get(m.code)
        if before is None or not judged[m.code].judged or not kpi.assess(before).judged:
            continue
        comparable = True
        rule = judged[m.code].rule
        assert rule is not None
        change = kpi_change(before.value, m.value, rule.direction)
        if change > 0:
            improved.append(_change_text(before, m))
        elif change < 0:
            worse.append(_change_text(before, m))
    if not comparable:
        sentences.append(
            _(
                "No KPI can be compared with %(previous)s: one of the two quarters has too few cases."
            )
            % {"previous": previous_period}
        )
    else:
        sentences.append(
            _("Improved on %(previous)s: %(items)s.")
            % {"previous": previous_period, "items": _listed(improved)}
            if improved
            else _("No KPI improved on %(previous)s.") % {"previous": previous_period}
        )
        sentences.append(
            _("Worse than in %(previous)s: %(items)s.")
            % {"previous": previous_period, "items": _listed(worse)}
            if worse
            else _("No KPI got worse than in %(previous)s.") % {"previous": previous_period}
        )
    top = [
        _("%(category)s (%(department)s, %(n)d complaints)")
        % {"category": r["category"], "department": r["department"], "n": r["complaints"]}
        for r in causes.rows[:TOP_CAUSES]
    ]
    sentences.append(
        _("Top root causes of complaints: %(items)s.") % {"items": _listed(top)}
        if top
        else _("No complaint resolved in %(period)s has a root-cause analysis.")
        % {"period": period}
    )
    too_few = [
        _("%(label)s (%(sample)s)") % {"label": m.label, "sample": judged[m.code].sample_text}
        for m in with_target
        if judged[m.code].status == KpiStatus.TOO_FEW
    ]
    if too_few:
        sentences.append(
            _("Too few cases to judge, so not rated: %(items)s.") % {"items": _listed(too_few)}
        )
    return sentences


def section_summary(book: Book, f: Filters) -> list[str]:
    """The summary of ``f`` against the quarter before it, from the book's figures."""
    before = previous_quarter(f)
    codes = [c for _code, _label, cs in DIMENSIONS for c in cs if kpi.kpi_rule(c) is not None]
    return summary_sentences(
        [book.get(c, f) for c in codes],
        {c: book.get(c, before) for c in codes},
        book.get("root_causes", f),
        period=f.label(),
        previous_period=before.label(),
    )


# --- the chapters -----------------------------------------------------------------------------


def section_scorecard(book: Book, f: Filters) -> tuple[Section, list[Dimension]]:
    """The four dimensions of ``metrics.DIMENSIONS`` (what ``metrics.scorecard`` returns),
    from the book so the chapters reuse the figures."""
    dimensions = [
        Dimension(code=code, label=str(label), metrics=[book.get(c, f) for c in codes])
        for code, label, codes in DIMENSIONS
    ]
    section = Section("scorecard", _("Four-dimension scorecard"))
    for dim in dimensions:
        section.tables.append(
            Table(
                title=str(dim.label),
                columns=[_("Figure"), _("Value"), _("Definition")],
                rows=[
                    [
                        str(m.label),
                        figure_text(m) + (f"（{m.detail}）" if m.detail else ""),
                        str(m.definition),
                    ]
                    for m in dim.metrics
                ],
            )
        )
    return section, dimensions


def section_sla(book: Book, f: Filters) -> Section:
    m = book.get("sla_compliance", f)
    by_rule = [r for r in m.rows if r.get("group") == "rule"]
    by_team = [r for r in m.rows if r.get("group") == "team"]
    section = Section("sla", _("SLA compliance"), figures=[m])
    section.add_trend(
        trend(
            book,
            f,
            [("sla_compliance", _("SLA compliance"))],
            title=_("SLA compliance over the period"),
            unit="%",
            y_max=100,
        )
    )
    section.charts.append(
        hbar(by_rule, "label", "compliance", title=_("Compliance per SLA rule"), unit="%")
    )
    section.charts.append(
        hbar(by_team, "label", "compliance", title=_("Compliance per team"), unit="%")
    )
    section.tables.append(metric_table(m, by_rule, _("Per SLA rule")))
    section.tables.append(metric_table(m, by_team, _("Per team")))
    return section


def section_cycle(book: Book, f: Filters) -> Section:
    m = book.get("cycle_time", f)
    bottleneck = book.get("bottleneck_stage", f)
    overall = [r for r in m.rows if not r.get("type") and r.get("stage") != "total"]
    section = Section("cycle_time", _("Cycle time per stage"), figures=[m, bottleneck])
    section.charts.append(
        hbar(overall, "stage_label", "median_h", title=_("Median hours per stage"), unit="h")
    )
    section.charts.append(
        hbar(overall, "stage_label", "p90_h", title=_("90th percentile hours per stage"), unit="h")
    )
    section.tables.append(metric_table(m, title=_("Median and 90th percentile per stage")))
    return section


def section_backlog(book: Book, f: Filters) -> Section:
    m = book.get("backlog_aging", f)
    section = Section("backlog", _("Backlog aging"), figures=[m])
    if m.rows:
        section.charts.append(
            charts.bar_chart(
                [str(r.get("label")) for r in m.rows],
                [_number(r.get("cases")) for r in m.rows],
                title=_("Open cases by age (days)"),
            )
        )
    section.tables.append(metric_table(m))
    return section


def section_payout(book: Book, f: Filters) -> Section:
    m = book.get("payout_ratio", f)
    section = Section("payout", _("Payout ratio"), figures=[m])
    groups: dict[str, list[dict]] = {}
    for row in m.rows:
        groups.setdefault(str(row.get("group", "")), []).append(row)
    titles = {"product": _("Payout ratio per product"), "disease": _("Payout ratio per disease")}
    for group, rows in groups.items():
        title = titles.get(group, str(m.label))
        section.charts.append(hbar(rows, "label", "ratio", title=title, unit="%"))
        section.tables.append(metric_table(m, rows, title))
    return section


def section_rejections(book: Book, f: Filters) -> Section:
    m = book.get("rejection_rate", f)
    investigation = book.get("investigation_pass_rate", f)
    section = Section("rejections", _("Rejections and clauses cited"), figures=[m, investigation])
    top = m.rows[:10]
    section.charts.append(
        hbar(
            top,
            lambda r: " ".join(str(r.get(k) or "") for k in ("article", "title")).strip() or "–",
            "rejections",
            title=_("Clauses most cited in rejections"),
        )
    )
    section.tables.append(metric_table(m, top, _("Top clauses cited")))
    section.tables.append(metric_table(investigation))
    return section


def section_experience(book: Book, f: Filters) -> Section:
    csat, nps = book.get("csat", f), book.get("nps", f)
    section = Section("experience", _("CSAT and NPS"), figures=[csat, nps])
    section.add_trend(
        trend(book, f, [("csat", "CSAT")], title=_("CSAT over the period (1–5)"), y_max=5)
    )
    section.add_trend(trend(book, f, [("nps", "NPS")], title=_("NPS over the period")))
    section.tables.append(metric_table(csat))
    section.tables.append(metric_table(nps))
    return section


def section_complaints(book: Book, f: Filters) -> Section:
    rate, causes = book.get("complaint_rate", f), book.get("root_causes", f)
    section = Section("complaints", _("Complaints and root causes"), figures=[rate, causes])
    section.charts.append(hbar(rate.rows, "label", "complaints", title=_("Complaints by topic")))
    label_key = next(
        (k for k in ("label", "category_label", "category") if causes.rows and k in causes.rows[0]),
        "category",
    )
    section.charts.append(
        hbar(causes.rows, label_key, "complaints", title=_("Complaints by root cause"))
    )
    section.tables.append(metric_table(rate))
    section.tables.append(metric_table(causes))
    return section


def section_actions(book: Book, f: Filters) -> Section:
    m = book.get("corrective_actions_done", f)
    section = Section("actions", _("Corrective actions"), figures=[m])
    section.charts.append(
        hbar(m.rows, "department", "done_share", title=_("Actions done per department"), unit="%")
    )
    section.tables.append(metric_table(m))
    return section


def section_servicing(book: Book, f: Filters) -> Section:
    """Policy servicing and underwriting: volumes, cycle time, SLA compliance, the mix of
    underwriting decisions, lapse and reinstatement rates."""
    figures = [book.get(code, f) for code in SERVICING_FIGURES]
    section = Section("servicing", _("Policy servicing and underwriting"), figures=figures)
    by_code = {m.code: m for m in figures}
    volume = by_code["servicing_volume"]
    section.charts.append(
        hbar(volume.rows, "item_label", "opened", title=_("Policy-service requests per item"))
    )
    mix = by_code["acceptance_mix"]
    section.charts.append(
        hbar(mix.rows, "outcome_label", "share", title=_("Underwriting decisions"), unit="%")
    )
    for m in figures:
        section.tables.append(metric_table(m))
    return section


CHAPTERS = (
    section_sla,
    section_cycle,
    section_backlog,
    section_payout,
    section_rejections,
    section_experience,
    section_complaints,
    section_actions,
    section_servicing,
)


# --- the document -----------------------------------------------------------------------------


def white_paper_html(
    f: Filters, *, now: datetime, progress: Progress | None = None, language: str = "zh-hans"
) -> str:
    """The whole paper as one self-contained HTML document (CSS and SVG inline)."""
    total = len(STEPS)

    def step(k: int) -> None:
        if progress:
            progress(k, total, str(STEPS[k - 1]))

    # computed_once: figures the chapters share (e.g. the stage stays) are read once.
    with translation.override(language), metrics.computed_once():
        book = Book()
        step(1)
        overview, dimensions = section_scorecard(book, f)
        summary = section_summary(book, f)
        sections = []
        for k, chapter in enumerate(CHAPTERS, start=2):
            step(k)
            sections.append(chapter(book, f))
        step(len(CHAPTERS) + 2)
        return render_to_string(
            "analytics/whitepaper/white_paper.html",
            {
                "filters": f,
                "period": f.label(),
                "scope": [v for v in (f.branch, f.product, f.team) if v],
                "generated_at": timezone.localtime(now),
                "overview": overview,
                "summary": summary,
                "dimensions": dimensions,
                "sections": sections,
                "language": language,
            },
        )


def file_stem(f: Filters) -> str:
    return f"white-paper-{f.label()}"


def write_white_paper(
    f: Filters,
    out_dir: Path,
    *,
    now: datetime,
    progress: Progress | None = None,
    language: str = "zh-hans",
) -> tuple[Path, Path]:
    """Write ``white-paper-<period>.html`` and ``.pdf`` into ``out_dir`` (created if missing)."""
    from claimdesk.notices.services import render_pdf

    out_dir.mkdir(parents=True, exist_ok=True)
    html = white_paper_html(f, now=now, progress=progress, language=language)
    html_path = out_dir / f"{file_stem(f)}.html"
    html_path.write_text(html, encoding="utf-8")
    if progress:
        with translation.override(language):
            progress(len(STEPS), len(STEPS), str(STEPS[-1]))
    pdf_path = out_dir / f"{file_stem(f)}.pdf"
    pdf_path.write_bytes(render_pdf(html))
    return html_path, pdf_path
