"""Charts as inline SVG strings: no JavaScript, no build step, the same markup in a browser,
in the white paper's HTML and in its WeasyPrint PDF.

Pure functions: data in, an ``<svg>`` string out. Every text is XML-escaped; every data point
is an element carrying ``data-series``, ``data-label`` and ``data-value`` and a ``<title>``
(the tooltip), so a page, a PDF and a test can all read the numbers back. Bars may link to
the cases behind them (``links``). Chinese labels render with ``Noto Sans CJK SC``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

Number = int | float | Decimal
Series = tuple[str, Sequence[Number | None]]

FONT = "'Noto Sans CJK SC', sans-serif"
# Okabe–Ito: distinguishable with the common colour-vision deficiencies, and in grey print.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
INK = "#1f2933"
# Units written right after the number, without a space.
TIGHT_UNITS = ("%", "‰", "‱", "/5")
GRID = "#e4e7eb"


def nice_max(value: float, ticks: int = 5, *, integer: bool = False) -> float:
    """The smallest 1/2/2.5/5 × 10ⁿ step times ``ticks`` that covers ``value`` (axis top).

    ``integer`` (counts): whole steps only, so no axis of cases reads 0.2, 0.4, …
    """
    if value <= 0:
        return float(ticks) if integer else 1.0
    raw = value / ticks
    if integer and raw <= 1:
        return float(ticks)
    power = 10 ** math.floor(math.log10(raw))
    steps = (1, 2, 3, 4, 5, 10) if integer else (1, 2, 2.5, 5, 10)
    for step in steps:
        if raw <= step * power + 1e-12:
            return step * power * ticks
    return 10 * power * ticks  # pragma: no cover - the loop always ends at 10


def number_text(value: Number | None, unit: str = "") -> str:
    """``1,234.5`` with the unit (``%`` directly after, others after a space); ``–`` for none.

    Decimals keep the places they were rounded to; floats get one (≥ 10) or two.
    """
    if value is None:
        return "–"
    if isinstance(value, int) or (isinstance(value, Decimal | float) and value == int(value)):
        text = f"{int(value):,}"
    elif isinstance(value, Decimal):
        text = f"{value:,}"  # as precise as the figure was rounded, no more
    else:
        text = f"{float(value):,.1f}" if abs(float(value)) >= 10 else f"{float(value):,.2f}"
    if not unit:
        return text
    return f"{text}{unit}" if unit in TIGHT_UNITS else f"{text} {unit}"


def _attr(value: object) -> str:
    return quoteattr(str(value))


def _text(x: float, y: float, body: str, *, anchor: str = "middle", size: int = 12, **extra) -> str:
    attrs = "".join(f" {k.rstrip('_').replace('_', '-')}={_attr(v)}" for k, v in extra.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}"'
        f' fill="{INK}"{attrs}>{escape(body)}</text>'
    )


def _open(width: int, height: int, title: str, kind: str) -> list[str]:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" role="img" aria-label={_attr(title or kind)}'
        f' class="chart chart-{kind}" font-family="{FONT}">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
        parts.append(_text(width / 2, 16, title, size=13, font_weight="bold", class_="title"))
    return parts


def _legend(names: Sequence[str], x: float, y: float) -> list[str]:
    parts = ['<g class="legend">']
    for i, name in enumerate(names):
        colour = PALETTE[i % len(PALETTE)]
        lx = x + i * 120
        parts.append(f'<rect x="{lx:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{colour}"/>')
        parts.append(_text(lx + 14, y, name, anchor="start", size=11))
    parts.append("</g>")
    return parts


def _value_axis(
    top: float,
    left: float,
    right: float,
    y0: float,
    y1: float,
    unit: str,
    label: str,
    bottom_value: float = 0.0,
) -> list[str]:
    """Horizontal grid lines with their values, for charts whose values run upwards."""
    parts = ['<g class="axis axis-y">']
    steps = 4 if bottom_value < 0 else 5  # an even count puts a line at zero
    for i in range(steps + 1):
        value = bottom_value + (top - bottom_value) * i / steps
        y = y0 - (y0 - y1) * i / steps
        parts.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        tick = Decimal(str(round(value, 6))).normalize()  # 7.5 not 7.50, 100 not 100.00
        parts.append(_text(left - 6, y + 4, number_text(tick, unit), anchor="end"))
    if label:
        mid = (y0 + y1) / 2
        parts.append(
            _text(14, mid, label, transform=f"rotate(-90 14 {mid:.1f})", class_="axis-label")
        )
    parts.append("</g>")
    return parts


def _category_labels(
    categories: Sequence[str], xs: Sequence[float], y: float, label: str, width: int, height: int
) -> list[str]:
    parts = ['<g class="axis axis-x">']
    parts += [_text(x, y + 16, str(c)) for x, c in zip(xs, categories, strict=True)]
    if label:
        parts.append(_text(width / 2, height - 6, label, class_="axis-label"))
    parts.append("</g>")
    return parts


def _point_attrs(series: str, label: str, value: Number | None) -> str:
    return (
        f" data-series={_attr(series)} data-label={_attr(label)}"
        f" data-value={_attr('' if value is None else value)}"
    )


def _tooltip(series: str, label: str, value: Number | None, unit: str) -> str:
    head = f"{series} · {label}" if series else label
    return f"<title>{escape(head)}: {escape(number_text(value, unit))}</title>"


def _link(inner: str, href: str | None) -> str:
    return f"<a href={_attr(href)}>{inner}</a>" if href else inner


def _top(values: Sequence[Number | None]) -> float:
    present = [float(v) for v in values if v is not None]
    return nice_max(max(present, default=0.0))


def line_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str = "",
    x_label: str = "",
    y_label: str = "",
    unit: str = "",
    y_max: Number | None = None,
    width: int = 640,
    height: int = 280,
) -> str:
    """Several series over the same categories (e.g. months); a ``None`` breaks the line.

    Negative values (NPS runs from −100 to 100) give an axis symmetric around zero.
    """
    legend = len(series) > 1
    left, right, top_pad, bottom = 64, width - 40, 48 if legend else 32, height - 40
    known = [float(v) for _, vs in series for v in vs if v is not None]
    top = float(y_max) if y_max is not None else _top(known)
    low = 0.0
    if known and min(known) < 0:
        top = nice_max(max(max(known), -min(known)))
        low = -top
    n = len(categories)
    step = (right - left) / max(n - 1, 1)
    xs = [left + step * i if n > 1 else (left + right) / 2 for i in range(n)]

    def y_of(v: Number) -> float:
        return bottom - (bottom - top_pad) * ((float(v) - low) / (top - low))

    parts = _open(width, height, title, "line")
    if legend:
        parts += _legend([name for name, _ in series], left, 34 if title else 14)
    parts += _value_axis(top, left, right, bottom, top_pad, unit, y_label, low)
    parts += _category_labels(categories, xs, bottom, x_label, width, height)
    for i, (name, values) in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        if len(values) != n:
            raise ValueError(f"series {name!r} has {len(values)} values for {n} categories")
        parts.append(f'<g class="series" data-series={_attr(name)}>')
        runs: list[list[str]] = [[]]
        for x, v in zip(xs, values, strict=True):
            if v is None:
                runs.append([])
            else:
                runs[-1].append(f"{x:.1f},{y_of(v):.1f}")
        for run in runs:
            if len(run) > 1:
                parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="2"'
                    f' points="{" ".join(run)}"/>'
                )
        for x, c, v in zip(xs, categories, values, strict=True):
            if v is None:
                continue
            parts.append(
                f'<circle class="point" cx="{x:.1f}" cy="{y_of(v):.1f}" r="3.5" fill="{colour}"'
                f"{_point_attrs(name, str(c), v)}>{_tooltip(name, str(c), v, unit)}</circle>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def stacked_bar_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str = "",
    x_label: str = "",
    y_label: str = "",
    unit: str = "",
    links: Sequence[str | None] | None = None,
    width: int = 640,
    height: int = 280,
) -> str:
    """Vertical bars, one per category, each made of the series stacked bottom-up.

    ``links`` (one per category) make each bar a link, e.g. to the cases behind it.
    """
    n = len(categories)
    for name, values in series:
        if len(values) != n:
            raise ValueError(f"series {name!r} has {len(values)} values for {n} categories")
    totals = [sum(float(vs[i] or 0) for _, vs in series) for i in range(n)]
    counts = all(isinstance(v, int) for _, vs in series for v in vs if v is not None)
    top = nice_max(max(totals, default=0.0), integer=counts)
    legend = len(series) > 1
    # Room above the tallest bar for its value (and for the title and legend).
    left, right, top_pad, bottom = 64, width - 20, 60 if legend else 44, height - 40
    slot = (right - left) / max(n, 1)
    bar = min(slot * 0.6, 56)
    xs = [left + slot * (i + 0.5) for i in range(n)]
    parts = _open(width, height, title, "bar" if len(series) == 1 else "stacked")
    if legend:
        parts += _legend([name for name, _ in series], left, 34 if title else 14)
    parts += _value_axis(top, left, right, bottom, top_pad, unit, y_label)
    parts += _category_labels(categories, xs, bottom, x_label, width, height)
    scale = (bottom - top_pad) / top if top else 0.0
    for i, (x, c) in enumerate(zip(xs, categories, strict=True)):
        base: float = bottom
        rects = []
        for j, (name, values) in enumerate(series):
            v = values[i]
            h = float(v or 0) * scale
            base -= h
            rects.append(
                f'<rect class="bar" x="{x - bar / 2:.1f}" y="{base:.1f}" width="{bar:.1f}"'
                f' height="{h:.1f}" fill="{PALETTE[j % len(PALETTE)]}"'
                f"{_point_attrs(name, str(c), v)}>{_tooltip(name, str(c), v, unit)}</rect>"
            )
        if len(series) == 1 and series[0][1][i] is not None:
            rects.append(_text(x, base - 4, number_text(series[0][1][i], unit), class_="value"))
        parts.append(_link("".join(rects), links[i] if links else None))
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    categories: Sequence[str],
    values: Sequence[Number | None],
    *,
    title: str = "",
    x_label: str = "",
    y_label: str = "",
    unit: str = "",
    name: str = "",
    links: Sequence[str | None] | None = None,
    width: int = 640,
    height: int = 280,
) -> str:
    """Vertical bars with their values written on top."""
    return stacked_bar_chart(
        categories,
        [(name, values)],
        title=title,
        x_label=x_label,
        y_label=y_label,
        unit=unit,
        links=links,
        width=width,
        height=height,
    )


def hbar_chart(
    labels: Sequence[str],
    values: Sequence[Number | None],
    *,
    title: str = "",
    x_label: str = "",
    unit: str = "",
    name: str = "",
    links: Sequence[str | None] | None = None,
    width: int = 640,
    bar_height: int = 22,
) -> str:
    """Horizontal bars for long labels (clauses, root causes, teams), largest first as given."""
    n = len(labels)
    if len(values) != n:
        raise ValueError(f"{len(values)} values for {n} labels")
    longest = max((len(str(lb)) for lb in labels), default=4)
    left = min(max(60, 12 * longest + 12), width // 2)
    right = width - 70
    top_pad = 28 if title else 8
    height = top_pad + n * (bar_height + 8) + (36 if x_label else 16)
    top = _top(values)
    parts = _open(width, height, title, "hbar")
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        y = top_pad + i * (bar_height + 8)
        w = (right - left) * (float(v or 0) / top if top else 0)
        inner = (
            f'<rect class="bar" x="{left}" y="{y:.1f}" width="{w:.1f}" height="{bar_height}"'
            f' fill="{PALETTE[0]}"{_point_attrs(name, str(label), v)}>'
            f"{_tooltip(name, str(label), v, unit)}</rect>"
            + _text(left + w + 4, y + bar_height * 0.7, number_text(v, unit), anchor="start")
        )
        parts.append(_text(left - 6, y + bar_height * 0.7, str(label), anchor="end"))
        parts.append(_link(inner, links[i] if links else None))
    if x_label:
        parts.append(_text((left + right) / 2, height - 8, x_label, class_="axis-label"))
    parts.append("</svg>")
    return "".join(parts)
