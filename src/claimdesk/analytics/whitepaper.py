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
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claimdesk.analytics import charts, metrics
from claimdesk.analytics.filters import QUARTER, FilterError, Filters, month_bounds, quarter_bounds
from claimdesk.analytics.metrics import DIMENSIONS, METRICS, Dimension, Metric

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

    @property
    def headline(self) -> list[dict[str, str]]:
        """The figures as the template prints them: label, value with unit, detail,
        definition."""
        return [
            {
                "code": m.code,
                "label": str(m.label),
                "value": figure_text(m),
                "detail": str(m.detail or ""),
                "definition": str(m.definition),
            }
            for m in self.figures
        ]


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


def trend(book: Book, f: Filters, codes: Iterable[tuple[str, str]], **kw) -> str:
    """A line per metric code: its value month by month over the period."""
    periods = months(f)
    series = [
        (str(name), [_number(book.get(code, m).value) for m in periods]) for code, name in codes
    ]
    return charts.line_chart([m.label() for m in periods], series, **kw)


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
    section.charts.append(
        trend(
            book,
            f,
            [("sla_compliance", _("SLA compliance"))],
            title=_("SLA compliance by month"),
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
    section.charts.append(
        trend(book, f, [("csat", "CSAT")], title=_("CSAT by month (1–5)"), y_max=5)
    )
    section.charts.append(trend(book, f, [("nps", "NPS")], title=_("NPS by month")))
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


CHAPTERS = (
    section_sla,
    section_cycle,
    section_backlog,
    section_payout,
    section_rejections,
    section_experience,
    section_complaints,
    section_actions,
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
