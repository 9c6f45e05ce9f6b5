"""The manager dashboard, the cases behind a figure, exports and the analytics API.

A small hand-made Q3 2026 (the clock is held at Wed 30 Sept 2026 10:00 Shanghai):

| case | product      | owner (team)    | opened       | state now            | "contact" clock                     |
|------|--------------|-----------------|--------------|----------------------|-------------------------------------|
| A1   | auto-comp    | adj_a (理赔一组) | 07-01 09:00  | closed 07-11, fu 07-12 | met (stopped 07-01 10:00)           |
| A2   | auto-comp    | adj_b (理赔二组) | 08-01 09:00  | reviewing            | running, due 09-29 10:00 (overdue)  |
| M1   | medical-plus | adj_a (理赔一组) | 08-10 09:00  | closed 08-20         | breached (stopped 08-12 09:00)      |
| M2   | medical-plus | adj_b (理赔二组) | 09-29 12:00  | reported             | running, due 09-30 15:00 (near due) |

SLA compliance in Q3 counts clocks stopped in Q3 plus live clocks whose due time passed in Q3:
A1 met, M1 breached, A2 breached (due 09-29, still running); M2 is not due yet.
  all products: 1 met / 3 = 33.3 %;  auto-comp: A1 met, A2 breached = 1/2 = 50 %;
  medical-plus: M1 breached = 0/1 = 0 %.
Backlog at 09-30 10:00: A2 (60 days old, >30) and M2 (0 days, 0–3) = 2; auto-comp alone: 1.
Overdue now: A2's clock (1); due within 24 h: M2's clock (1).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook

from claimdesk.analytics.charts import number_text
from claimdesk.analytics.filters import Filters
from claimdesk.analytics.metrics import METRICS
from claimdesk.analytics.views import months_of
from tests.analytics.conftest import at
from tests.api.conftest import check_against_openapi

NOW = at("2026-09-30 10:00")
Q3 = {"period": "2026Q3"}


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def q3(world, frozen):
    a = world.staff("adj_a", team="理赔一组", branch="上海")
    b = world.staff("adj_b", team="理赔二组", branch="北京")
    holder = world.customer("holder1")
    auto = world.policy(holder, "auto")
    medical = world.policy(holder, "medical")

    def closed(opened: str, done: str) -> list:
        """Reported, reviewed, closed at ``done`` and followed up a day later (final)."""
        start, end = at(opened), at(done)
        return [
            ("reported", start),
            ("reviewing", start + (end - start) / 2),
            ("closed", end),
            ("followed_up", end + timedelta(days=1)),
        ]

    a1 = world.claim(owner=a, policy=auto, stages=closed("2026-07-01 09:00", "2026-07-11 09:00"))
    a2 = world.claim(
        owner=b,
        policy=auto,
        stages=[("reported", at("2026-08-01 09:00")), ("reviewing", at("2026-08-02 09:00"))],
    )
    m1 = world.claim(owner=a, policy=medical, stages=closed("2026-08-10 09:00", "2026-08-20 09:00"))
    m2 = world.claim(owner=b, policy=medical, stages=[("reported", at("2026-09-29 12:00"))])
    world.deadline(
        a1.case,
        "contact",
        state="met",
        started_at=at("2026-07-01 09:00"),
        due_at=at("2026-07-01 17:00"),
        stopped_at=at("2026-07-01 10:00"),
    )
    world.deadline(
        m1.case,
        "contact",
        state="breached",
        started_at=at("2026-08-10 09:00"),
        due_at=at("2026-08-11 09:00"),
        stopped_at=at("2026-08-12 09:00"),
    )
    world.deadline(
        a2.case,
        "contact",
        state="running",
        started_at=at("2026-08-01 09:00"),
        due_at=at("2026-09-29 10:00"),
    )
    world.deadline(
        m2.case,
        "contact",
        state="running",
        started_at=at("2026-09-29 12:00"),
        due_at=at("2026-09-30 15:00"),
    )
    return {"A1": a1.case, "A2": a2.case, "M1": m1.case, "M2": m2.case}


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def figure(html: str, code: str, prefix: str = "figure") -> str:
    """The text of the figure link of ``code`` on a page (``prefix``: where on it)."""
    m = re.search(rf'data-testid="{prefix}-{code}"[^>]*>(.*?)</a>', html, re.S)
    assert m, f"no figure {code}"
    return re.sub(r"<[^>]+>", "", m.group(1)).strip()


def listed(html: str) -> set[str]:
    """Case numbers of the drill-down list."""
    body = html.split('data-testid="drill-cases"', 1)[1]
    return set(re.findall(r'<tr data-case="([^"]+)"', body))


def link(html: str, code: str, prefix: str = "figure") -> str:
    m = re.search(rf'href="([^"]+)"[^>]*data-testid="{prefix}-{code}"', html)
    assert m, f"no link for {code}"
    return m.group(1).replace("&amp;", "&")


URLS = [
    "/analytics/",
    "/analytics/cases/?metric=sla_compliance",
    "/analytics/metrics/sla_compliance/",
    "/analytics/export/sla_compliance.csv",
    "/analytics/export/sla_compliance.xlsx",
]


@pytest.mark.parametrize("url", URLS)
def test_only_managers_see_analytics(url, manager1, agent1, customer1, frozen):
    assert Client().get(url).status_code == 302  # to the login page
    assert client_for(customer1).get(url).status_code == 403
    assert client_for(agent1).get(url).status_code == 403
    assert client_for(manager1).get(url).status_code == 200


def test_dashboard_shows_figures_with_definitions_charts_and_the_scorecard(q3, manager1):
    r = client_for(manager1).get("/analytics/", Q3)
    assert r.status_code == 200
    html = r.content.decode()
    assert figure(html, "sla_compliance") == "33.3%"
    assert figure(html, "backlog_aging") == "2"
    assert figure(html, "now", prefix="overdue") == "1"
    assert figure(html, "overdue_now") == "1 · 1 due within 24 h"
    assert figure(html, "sla_compliance", prefix="score") == "33.3%"
    # Each figure has its definition beside it.
    definition = str(
        METRICS["sla_compliance"](Filters.from_query(Q3, date(2026, 9, 30))).definition
    )
    assert definition in html
    # The four dimensions, and the charts as inline SVG.
    assert html.count('class="card dimension"') == 4
    for chart in ("trend-sla_compliance", "trend-cycle_time", "chart-backlog_aging"):
        assert f'data-testid="{chart}"' in html
    assert html.count("<svg") >= 5


def test_the_live_list_shows_overdue_and_near_due_clocks(q3, manager1):
    html = client_for(manager1).get("/analytics/", Q3).content.decode()
    section = html.split('data-testid="due-now-list"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr class="(overdue|soon)" data-case="([^"]+)"', section)
    # A2 a day overdue first, then M2 due in five hours; the met and breached clocks are done.
    assert rows == [("overdue", q3["A2"].number), ("soon", q3["M2"].number)]
    assert "24.0 h overdue" in section and "due in 5.0 h" in section


def test_filters_change_the_figures(q3, manager1):
    client = client_for(manager1)
    auto = client.get("/analytics/", {**Q3, "product": "auto-comp"}).content.decode()
    medical = client.get("/analytics/", {**Q3, "product": "medical-plus"}).content.decode()
    assert figure(auto, "sla_compliance") == "50%"
    assert figure(medical, "sla_compliance") == "0%"
    assert figure(auto, "backlog_aging") == "1"
    # August alone: only M1's clock ended (breached) = 0 %; a custom range of July: A1 met.
    assert (
        figure(client.get("/analytics/", {"period": "2026-08"}).content.decode(), "sla_compliance")
        == "0%"
    )
    july = {"start": "2026-07-01", "end": "2026-07-31"}
    assert figure(client.get("/analytics/", july).content.decode(), "sla_compliance") == "100%"
    # Team: only adj_a's cases (A1 met, M1 breached) = 50 %.
    team = client.get("/analytics/", {**Q3, "team": "理赔一组"}).content.decode()
    assert figure(team, "sla_compliance") == "50%"
    # The product filter also narrows the live list: only A2 is an auto claim.
    section = auto.split('data-testid="due-now-list"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r'data-case="([^"]+)"', section) == [q3["A2"].number]


def test_a_figure_leads_to_exactly_the_cases_behind_it(q3, manager1):
    client = client_for(manager1)
    html = client.get("/analytics/", Q3).content.decode()
    r = client.get(link(html, "sla_compliance"))
    assert r.status_code == 200
    page = r.content.decode()
    assert listed(page) == {q3["A1"].number, q3["A2"].number, q3["M1"].number}
    # Each number links to the claim page, and the list says status, owner, opened, closed.
    assert f'href="/claims/{q3["A1"].number}/"' in page
    assert "2026-07-01 09:00" in page and "2026-07-12 09:00" in page  # followed up: final

    auto = client.get("/analytics/", {**Q3, "product": "auto-comp"}).content.decode()
    assert listed(client.get(link(auto, "sla_compliance")).content.decode()) == {
        q3["A1"].number,
        q3["A2"].number,
    }
    assert listed(client.get(link(auto, "backlog_aging")).content.decode()) == {q3["A2"].number}
    assert listed(client.get(link(html, "now", prefix="overdue")).content.decode()) == {
        q3["A2"].number
    }


def test_a_table_row_leads_to_the_cases_of_that_row(q3, manager1):
    client = client_for(manager1)
    html = client.get("/analytics/", Q3).content.decode()
    table = html.split('data-testid="table-sla_compliance"', 1)[1].split("</table>", 1)[0]
    team_b = re.search(r"<tr><td>team</td><td>理赔二组</td>.*?href=\"([^\"]+)\"", table, re.S)
    assert team_b, table
    page = client.get(team_b.group(1).replace("&amp;", "&")).content.decode()
    assert listed(page) == {q3["A2"].number}  # adj_b's counted clock; M2's is not due yet
    backlog = html.split('data-testid="table-backlog_aging"', 1)[1].split("</table>", 1)[0]
    old = re.search(r"<tr><td>over 30 days</td>.*?href=\"([^\"]+)\"", backlog, re.S)
    assert old, backlog
    assert listed(client.get(old.group(1).replace("&amp;", "&")).content.decode()) == {
        q3["A2"].number
    }


def test_the_chart_bars_link_to_their_cases(q3, manager1):
    html = client_for(manager1).get("/analytics/", Q3).content.decode()
    chart = html.split('data-testid="chart-backlog_aging"', 1)[1].split("</svg>", 1)[0]
    hrefs = re.findall(r'<a href="([^"]+)"', chart)
    assert len(hrefs) == 5 and all("metric=backlog_aging" in h and "bucket=" in h for h in hrefs)


def test_bad_filters_are_a_clear_400(manager1, frozen):
    client = client_for(manager1)
    r = client.get("/analytics/", {"start": "2026-02-30"})
    assert r.status_code == 400
    assert "not a date" in r.content.decode()
    assert (
        client.get("/analytics/", {"start": "2026-09-01", "end": "2026-08-01"}).status_code == 400
    )
    assert client.get("/analytics/cases/", {"metric": "nope"}).status_code == 404
    r = client.get("/analytics/cases/", {"metric": "backlog_aging", "bucket": "nope"})
    assert r.status_code == 400 and "bucket=nope" in r.content.decode()
    assert client.get("/analytics/metrics/nope/").status_code == 404
    assert client.get("/analytics/export/nope.csv").status_code == 404


def test_metric_page_shows_the_table_with_exports(q3, manager1):
    html = client_for(manager1).get("/analytics/metrics/backlog_aging/", Q3).content.decode()
    assert figure(html, "backlog_aging") == "2"
    assert 'data-testid="csv-backlog_aging"' in html and 'data-testid="xlsx-backlog_aging"' in html
    assert 'data-testid="chart-backlog_aging"' in html


def test_exports_carry_the_rows_with_the_same_filters(q3, manager1):
    client = client_for(manager1)
    r = client.get("/analytics/export/sla_compliance.csv", {**Q3, "product": "auto-comp"})
    assert r["Content-Type"].startswith("text/csv")
    assert 'filename="sla_compliance-20260701-20260930.csv"' in r["Content-Disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[1] == ["By", "Rule / team", "Met", "Breached", "Compliance (%)"]
    by_team = {row[1]: row[2:] for row in rows[2:] if row[0] == "team"}
    assert by_team == {"理赔一组": ["1", "0", "100.0"], "理赔二组": ["0", "1", "0.0"]}

    r = client.get("/analytics/export/backlog_aging.xlsx", Q3)
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    values = [row for row in ws.iter_rows(values_only=True)]
    header = values.index(("Age", "Cases", "Share (%)"))
    body = {row[0]: row[1] for row in values[header + 1 :]}
    assert sum(body.values()) == 2 and body["0–3 days"] == 1


def test_the_live_list_exports_too(q3, manager1):
    r = client_for(manager1).get("/analytics/export/due_now.xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    numbers = [row[0] for row in ws.iter_rows(values_only=True)]
    assert numbers.index(q3["A2"].number) < numbers.index(q3["M2"].number)


def test_trend_months_cover_the_period_and_at_least_three_months():
    q3 = Filters(start=date(2026, 7, 1), end=date(2026, 9, 30))
    assert [(m.start, m.end) for m in months_of(q3)] == [
        (date(2026, 7, 1), date(2026, 7, 31)),
        (date(2026, 8, 1), date(2026, 8, 31)),
        (date(2026, 9, 1), date(2026, 9, 30)),
    ]
    part = Filters(start=date(2026, 1, 10), end=date(2026, 1, 20), team="x")
    assert [(m.start, m.end, m.team) for m in months_of(part)] == [
        (date(2025, 11, 1), date(2025, 11, 30), "x"),
        (date(2025, 12, 1), date(2025, 12, 31), "x"),
        (date(2026, 1, 10), date(2026, 1, 20), "x"),
    ]


# --- API ---------------------------------------------------------------------------------------


def api_get(client: Client, path: str, **params):
    r = client.get(f"/api/v1{path}", params)
    check_against_openapi("get", f"/api/v1{path}", r)
    return r


def test_api_lists_metrics_and_gives_one_with_its_rows(q3, manager1):
    client = client_for(manager1)
    listing = api_get(client, "/analytics/metrics").json()
    codes = {m["code"] for m in listing}
    assert {"sla_compliance", "backlog_aging", "cycle_time"} <= codes
    assert all(m["label"] for m in listing)

    body = api_get(
        client,
        "/analytics/metrics/sla_compliance",
        start="2026-07-01",
        end="2026-09-30",
        product="auto-comp",
    ).json()
    assert body["value"] == "50.0" and body["unit"] == "%"
    assert body["definition"]
    assert body["filters"]["label"] == "2026Q3"
    teams = {r["label"]: (r["met"], r["breached"]) for r in body["rows"] if r["group"] == "team"}
    assert teams == {"理赔一组": (1, 0), "理赔二组": (0, 1)}
    assert body["drill"]["metric"] == "sla_compliance"


def test_api_scorecard_has_four_dimensions_with_definitions(q3, manager1):
    body = api_get(client_for(manager1), "/analytics/scorecard", period="2026Q3").json()
    assert len(body["dimensions"]) == 4
    assert all(m["definition"] for d in body["dimensions"] for m in d["metrics"])


def test_api_refusals(manager1, agent1, customer1, frozen):
    for user in (agent1, customer1):
        client = client_for(user)
        assert api_get(client, "/analytics/metrics").status_code == 403
        assert api_get(client, "/analytics/metrics/sla_compliance").status_code == 403
        assert api_get(client, "/analytics/scorecard").status_code == 403
    client = client_for(manager1)
    assert api_get(client, "/analytics/metrics/nope").status_code == 404
    assert api_get(client, "/analytics/metrics/nps", start="2026-13-01").status_code == 422
    assert (
        api_get(client, "/analytics/scorecard", start="2026-09-01", end="2026-08-01").status_code
        == 422
    )
    assert api_get(client, "/analytics/scorecard", period="sometime").status_code == 422
    assert api_get(Client(), "/analytics/metrics").status_code == 401


def test_number_text_matches_the_page(q3, manager1):
    """The page writes figures the way the charts do (one formatter)."""
    f = Filters.from_query(Q3, date(2026, 9, 30))
    m = METRICS["sla_compliance"](f)
    html = client_for(manager1).get("/analytics/", Q3).content.decode()
    assert figure(html, "sla_compliance") == number_text(m.value, m.unit)


def test_drill_down_queries_do_not_grow_with_the_rows(q3, world, manager1):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(manager1)
    url = link(client.get("/analytics/", Q3).content.decode(), "backlog_aging")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    # Q3 is over: the first request computes the stage figures and stores them
    # (analytics.stored); from then on they are read back.
    queries()
    before = queries()
    owner = q3["A2"].owner
    policy = q3["A2"].claim.policy
    for day in ("2026-09-01 09:00", "2026-09-02 09:00", "2026-09-03 09:00"):
        world.claim(owner=owner, policy=policy, stages=[("reported", at(day))])
    page = client.get(url).content.decode()
    assert len(listed(page)) == 5
    assert queries() == before


def test_ticket_figures_and_chinese_labels(q3, manager1):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(manager1)
    r = client.get("/analytics/", {**Q3, "kind": "ticket"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "管理看板" in html and "四维度评价" in html and "当前超时和临期工作" in html
    assert '<option value="ticket" selected>' in html
    # Links keep the kind, so the cases behind a ticket figure are tickets.
    assert "kind=ticket" in link(html, "backlog_aging")


def test_trends_stop_at_today(q3, manager1):
    html = client_for(manager1).get("/analytics/", {"start": "2026-08-01", "end": "2026-11-30"})
    card = html.content.decode().split('data-testid="trend-sla_compliance"', 1)[1]
    card = card.split("</ul>", 1)[0]
    # Held at 30 Sept: October and November have not begun; July fills the trend up to three
    # months. July: A1 met (100 %); August: M1 breached (0 %); September: A2 breached (0 %).
    points = re.findall(r'data-month="([^"]+)">[^<]*: ([^<]+)</a>', card)
    assert points == [("2026-07", "100%"), ("2026-08", "0%"), ("2026-09", "0%")]


def test_api_filters_narrow_like_the_page(q3, manager1):
    client = client_for(manager1)
    team = api_get(
        client, "/analytics/metrics/backlog_aging", period="2026Q3", team="理赔二组"
    ).json()
    assert team["value"] == "2" and team["filters"]["team"] == "理赔二组"  # A2 and M2 are adj_b's
    bad = api_get(client, "/analytics/metrics/backlog_aging", kind="policy").json()
    assert "policy" in bad["detail"][0]["msg"]


def test_drill_down_pages_through_many_cases(q3, manager1, monkeypatch):
    from claimdesk.analytics import views

    monkeypatch.setattr(views, "CASES_PER_PAGE", 2)
    client = client_for(manager1)
    url = link(client.get("/analytics/", Q3).content.decode(), "sla_compliance")
    first = client.get(url).content.decode()
    assert len(listed(first)) == 2 and "3 cases" in first
    nxt = re.search(r'href="(\?[^"]*page=2)"', first)
    assert nxt, "no link to page 2"
    second = client.get("/analytics/cases/" + nxt.group(1).replace("&amp;", "&")).content.decode()
    assert listed(first) | listed(second) == {q3["A1"].number, q3["A2"].number, q3["M1"].number}


def test_dashboard_queries_do_not_grow_with_the_cases(q3, world, manager1):
    """Every figure is an aggregation and the live list one joined query: more cases, more
    clocks due, the same number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(manager1)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/analytics/", Q3).status_code == 200
        return len(ctx.captured_queries)

    # Q3 is over: the first request computes the stage figures and stores them
    # (analytics.stored); from then on they are read back.
    queries()
    before = queries()
    owner, policy = q3["A2"].owner, q3["A2"].claim.policy
    for day in ("2026-09-01 09:00", "2026-09-02 09:00", "2026-09-03 09:00"):
        claim = world.claim(owner=owner, policy=policy, stages=[("reported", at(day))])
        world.deadline(
            claim.case,
            "contact",
            state="running",
            started_at=at(day),
            due_at=at(day) + timedelta(days=1),
        )
    html = client.get("/analytics/", Q3).content.decode()
    assert figure(html, "now", prefix="overdue") == "4"
    assert queries() == before
