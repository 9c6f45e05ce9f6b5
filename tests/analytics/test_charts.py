"""The SVG charts parse as XML and carry their data points, labels and links."""

from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest

from claimdesk.analytics.charts import (
    bar_chart,
    hbar_chart,
    line_chart,
    nice_max,
    number_text,
    stacked_bar_chart,
)

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "Noto Sans CJK SC" in root.get("font-family")
    return root


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


def points(root: ET.Element) -> list[tuple[str, str, str]]:
    return [
        (e.get("data-series"), e.get("data-label"), e.get("data-value"))
        for e in root.iter()
        if e.get("data-value") is not None
    ]


def test_line_chart_carries_every_point_of_every_series_and_breaks_at_none():
    svg = line_chart(
        ["2026-07", "2026-08", "2026-09"],
        [("理赔", [Decimal("92.5"), 95, None]), ("工单 <客服>", [80, 85.25, 90])],
        title="SLA 达成率",
        x_label="月份",
        y_label="达成率",
        unit="%",
    )
    root = parse(svg)
    assert points(root) == [
        ("理赔", "2026-07", "92.5"),
        ("理赔", "2026-08", "95"),
        ("工单 <客服>", "2026-07", "80"),
        ("工单 <客服>", "2026-08", "85.25"),
        ("工单 <客服>", "2026-09", "90"),
    ]
    words = texts(root)
    for label in ("SLA 达成率", "月份", "达成率", "2026-07", "2026-09", "理赔", "工单 <客服>"):
        assert label in words
    # The escaped series name is in the raw markup, never a bare tag.
    assert "&lt;客服&gt;" in svg and "<客服>" not in svg
    # The None splits the first series: a line of two points, and no line to the gap.
    first = root.find("svg:g[@data-series='理赔']", NS)
    lines = first.findall("svg:polyline", NS)
    assert len(lines) == 1 and len(lines[0].get("points").split()) == 2
    # Axis top is a round number above the largest value (95 → 100).
    assert "100%" in words


def test_bar_chart_links_each_bar_and_writes_its_value():
    svg = bar_chart(
        ["0–3", "4–7", ">30"],
        [5, 0, 12],
        title="积压账龄",
        unit="件",
        links=["/analytics/cases/?metric=backlog_aging&bucket=0-3", None, "/x?a=1&b=2"],
    )
    root = parse(svg)
    assert [(lbl, v) for _, lbl, v in points(root)] == [("0–3", "5"), ("4–7", "0"), (">30", "12")]
    anchors = root.findall("svg:a", NS)
    assert [a.get("href") for a in anchors] == [
        "/analytics/cases/?metric=backlog_aging&bucket=0-3",
        "/x?a=1&b=2",
    ]
    assert "12 件" in texts(root)
    # Counts get whole ticks: 0, 3, 6, 9, 12, 15 for a top of 12.
    assert {"0 件", "3 件", "15 件"} <= set(texts(root))


def test_stacked_bar_stacks_series_and_scales_to_the_total():
    root = parse(
        stacked_bar_chart(["一组", "二组"], [("按时", [3, 1]), ("超时", [1, 3])], y_label="件")
    )
    bars = [e for e in root.iter() if e.get("class") == "bar"]
    assert len(bars) == 4
    heights = {(b.get("data-series"), b.get("data-label")): float(b.get("height")) for b in bars}
    # Each bar totals 4; 3 on-time is three times as tall as 1 late.
    assert heights[("按时", "一组")] == pytest.approx(3 * heights[("超时", "一组")], rel=0.01)
    assert heights[("按时", "一组")] + heights[("超时", "一组")] == pytest.approx(
        heights[("按时", "二组")] + heights[("超时", "二组")]
    )
    assert {"按时", "超时", "件"} <= set(texts(root))


def test_hbar_chart_has_a_row_per_label():
    root = parse(hbar_chart(["第十二条 免责", "材料不全"], [7, Decimal("3.5")], unit="%"))
    assert [(lbl, v) for _, lbl, v in points(root)] == [("第十二条 免责", "7"), ("材料不全", "3.5")]
    assert {"第十二条 免责", "材料不全", "7%", "3.5%"} <= set(texts(root))


def test_empty_data_still_draws_a_valid_chart():
    for svg in (line_chart([], []), bar_chart([], []), hbar_chart([], [])):
        assert points(parse(svg)) == []


def test_mismatched_series_are_refused():
    with pytest.raises(ValueError):
        line_chart(["a", "b"], [("x", [1])])
    with pytest.raises(ValueError):
        hbar_chart(["a"], [1, 2])


@pytest.mark.parametrize(
    ("value", "top"), [(0, 1.0), (0.7, 1.0), (4, 5.0), (95, 100.0), (101, 125.0), (1234, 1250.0)]
)
def test_nice_max(value, top):
    assert nice_max(value) == top


@pytest.mark.parametrize(
    ("value", "top"), [(0, 5.0), (1, 5.0), (5, 5.0), (6, 10.0), (11, 15.0), (41, 50.0)]
)
def test_nice_max_for_counts_has_whole_steps(value, top):
    assert nice_max(value, integer=True) == top


def test_number_text():
    assert number_text(None) == "–"
    assert number_text(Decimal("12.0"), "%") == "12%"
    assert number_text(1234567, "¥") == "1,234,567 ¥"
    assert number_text(3.14159, "h") == "3.14 h"
    assert number_text(Decimal("7.6"), "天") == "7.6 天"
    assert number_text(Decimal("1234.50")) == "1,234.50"


def test_negative_values_get_an_axis_around_zero():
    root = parse(line_chart(["7月", "8月"], [("NPS", [-40, 20])]))
    assert {"-50", "0", "50"} <= set(texts(root))
    low, high = (float(c.get("cy")) for c in root.iter("{http://www.w3.org/2000/svg}circle"))
    assert low > high  # −40 is drawn below 20
