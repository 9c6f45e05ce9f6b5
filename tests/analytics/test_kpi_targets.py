"""KPIs are coloured against the targets an admin sets, with their sample size, and are "too
few to judge" below a minimum sample."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from claimdesk.analytics import kpi
from claimdesk.analytics.metrics import Metric
from claimdesk.analytics.models import KpiTarget
from claimdesk.analytics.rules import Direction, KpiRule, KpiStatus, kpi_change, kpi_status
from tests.analytics.conftest import at
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

SLA = KpiRule("sla_compliance", Decimal("95"), Direction.HIGHER, 20, Decimal("90"))
COMPLAINTS = KpiRule("complaint_rate", Decimal("20"), Direction.LOWER, 100, Decimal("50"))


@pytest.mark.parametrize(
    ("value", "sample", "status"),
    [
        (Decimal("96.0"), 40, KpiStatus.GOOD),
        (Decimal("95.0"), 40, KpiStatus.GOOD),  # on the target is on target
        (Decimal("92.5"), 40, KpiStatus.WARN),
        (Decimal("0"), 40, KpiStatus.BAD),  # RCA completion 0 %, say
        (Decimal("100"), 19, KpiStatus.TOO_FEW),  # one short of the minimum sample
        (None, 0, KpiStatus.NO_DATA),
    ],
)
def test_a_higher_is_better_kpi(value, sample, status):
    assert kpi_status(value, sample, SLA) == status


def test_a_lower_is_better_kpi_like_the_complaint_rate():
    assert kpi_status(Decimal("819.7"), 1200, COMPLAINTS) == KpiStatus.BAD
    assert kpi_status(Decimal("35"), 1200, COMPLAINTS) == KpiStatus.WARN
    assert kpi_status(Decimal("12.5"), 1200, COMPLAINTS) == KpiStatus.GOOD
    assert kpi_status(Decimal("12.5"), 99, COMPLAINTS) == KpiStatus.TOO_FEW


def test_no_target_means_no_colour():
    assert kpi_status(Decimal("50"), 1000, None) == KpiStatus.NO_TARGET


def test_better_or_worse_follows_the_direction():
    assert kpi_change(Decimal("80"), Decimal("90"), Direction.HIGHER) == 1
    assert kpi_change(Decimal("80"), Decimal("90"), Direction.LOWER) == -1
    assert kpi_change(Decimal("80"), Decimal("80"), Direction.HIGHER) == 0
    assert kpi_change(None, Decimal("80"), Direction.HIGHER) == 0


def _nps(value: str | None, sample: int) -> Metric:
    return Metric(
        code="nps",
        label="NPS",
        definition="",
        value=None if value is None else Decimal(value),
        unit="pts",
        sample=sample,
    )


def test_the_seeded_targets_apply_and_an_admin_edit_takes_effect_at_once():
    # The migration seeds the defaults: NPS ≥ 30 good, ≥ 0 amber, at least 30 answers.
    row = KpiTarget.objects.get(code="nps")
    assert (row.target, row.warning, row.min_sample) == (Decimal("30"), Decimal("0"), 30)
    assert kpi.assess(_nps("-5.7", 120)).status == KpiStatus.BAD
    assert kpi.assess(_nps("-100", 1)).status == KpiStatus.TOO_FEW  # December's one reply
    assert kpi.assess(_nps("-100", 1)).sample_text == "样本 1 件（至少需要 30 件）"
    row.warning = Decimal("-10")
    row.min_sample = 100
    row.save()
    assert kpi.assess(_nps("-5.7", 120)).status == KpiStatus.WARN  # now above the warning line
    assert kpi.assess(_nps("-5.7", 99)).status == KpiStatus.TOO_FEW
    row.target = Decimal("-10")
    row.warning = None
    row.save()
    assert kpi.assess(_nps("-5.7", 120)).status == KpiStatus.GOOD
    row.active = False
    row.save()
    assert kpi.assess(_nps("-5.7", 120)).status == KpiStatus.NO_TARGET


def test_a_warning_line_on_the_better_side_is_refused_by_the_admin_form():
    from django.core.exceptions import ValidationError

    row = KpiTarget(code="csat", target=Decimal("4"), warning=Decimal("4.5"), direction="higher")
    row.min_sample = 10
    with pytest.raises(ValidationError) as error:
        row.full_clean()
    assert "warning" in error.value.message_dict


@pytest.fixture
def one_reply(world):
    """One CSAT 5/5, NPS 10 answer in 2026 Q3: far too few to say anything."""
    adjuster = world.staff("adj_k", team="理赔一组")
    holder = world.customer("holder_k")
    claim = world.claim(
        owner=adjuster,
        policy=world.policy(holder, "auto"),
        stages=[("reported", at("2026-07-01 09:00")), ("reviewing", at("2026-07-01 10:00"))],
    )
    world.survey(claim.case, csat=5, nps=10, answered_at=at("2026-08-03 10:00"))


def _dashboard(manager1) -> str:
    client = Client()
    client.login(username=manager1.username, password=PASSWORD)
    with time_machine.travel(at("2026-10-15 10:00"), tick=False):
        page = client.get("/analytics/?period=2026Q3")
    assert page.status_code == 200
    return page.content.decode()


def _card(html: str, code: str) -> str:
    return html.split(f'data-testid="kpi-{code}"')[1].split("</a>")[0]


def test_the_dashboard_shows_a_single_reply_as_too_few_to_judge_with_its_sample(
    one_reply, manager1
):
    html = _dashboard(manager1)
    csat = _card(html, "csat")
    assert 'data-status="too_few"' in csat
    assert "样本太少，无法判断" in csat and "样本 1 件（至少需要 30 件）" in csat
    assert "目标 ≥ 4.5/5" in csat
    # The section index leads to every section by its anchor.
    for anchor in ("kpis", "due-now", "trends", "backlog", "scorecard", "tables", "figures"):
        assert f'href="#{anchor}"' in html and f'id="{anchor}"' in html


def test_with_a_minimum_sample_of_one_the_same_reply_is_judged(one_reply, manager1):
    KpiTarget.objects.filter(code="csat").update(min_sample=1)
    KpiTarget.objects.get(code="csat").save()  # an admin save: the cached targets drop
    csat = _card(_dashboard(manager1), "csat")
    assert 'data-status="good"' in csat and "达标" in csat
