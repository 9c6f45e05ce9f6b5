"""Staff KPIs and the service-star board: reads, computed by database aggregation.

One grouped query per figure (surveys, closures, clocks, complaints), each returning one row
per person; Python only joins those rows by person and applies the formulas in ``rules``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    F,
    Q,
    QuerySet,
)

from claimdesk.cases.models import CaseEvent, Deadline, DeadlineState
from claimdesk.feedback import rules
from claimdesk.feedback.models import Survey
from claimdesk.staff.roles import STAFF_ROLES
from claimdesk.types import Actor
from claimdesk.workdays.clocks import local_midnight

User = get_user_model()
STAFF_ROLE_NAMES = tuple(r.value for r in STAFF_ROLES)
SQLITE_MEDIAN = "CLAIMDESK_MEDIAN"


class Median(Aggregate):
    """The median: PostgreSQL's ``percentile_cont(0.5)``; on SQLite a registered aggregate
    (see ``apps.FeedbackConfig``), so tests on SQLite compute it in the database too."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function=SQLITE_MEDIAN,
            template="%(function)s(%(expressions)s)",
            **extra_context,
        )


class SqliteMedian:
    """The SQLite side of ``Median`` (sqlite3 aggregate protocol)."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self):
        values = sorted(self.values)
        if not values:
            return None
        mid = len(values) // 2
        return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


@dataclass
class KpiRow:
    user_id: int
    username: str
    name: str
    team: str
    answers: int = 0
    csat: Decimal | None = None
    promoters: int = 0
    detractors: int = 0
    nps: Decimal | None = None
    closed_cases: int = 0
    median_cycle: timedelta | None = None
    clocks_met: int = 0
    clocks_breached: int = 0
    sla_compliance: Decimal | None = None
    complaints: int = 0
    complaint_rate: Decimal | None = None
    star_score: Decimal | None = None
    rank: int | None = None

    @property
    def median_cycle_hours(self) -> Decimal | None:
        if self.median_cycle is None:
            return None
        return (Decimal(self.median_cycle.total_seconds()) / 3600).quantize(rules.ONE_DECIMAL)


def staff_people(*, user: Actor | None = None, team: str | None = None) -> QuerySet:
    qs = User.objects.filter(is_active=True, groups__name__in=STAFF_ROLE_NAMES)
    if user is not None:
        qs = qs.filter(pk=user.pk)
    if team:
        qs = qs.filter(staff_profile__team=team)
    return qs.distinct().select_related("staff_profile").order_by("username")


def _complaints_by_owner(people, since, until) -> dict[int, int]:
    """Complaint tickets opened in the period about a claim each person owns.

    The service desk (``service.Ticket``) is a separate app: without it, no complaints.
    """
    try:
        Ticket = apps.get_model("service", "Ticket")
        Ticket._meta.get_field("claim")
    except (LookupError, FieldDoesNotExist):
        return {}
    rows = (
        Ticket.objects.filter(
            case__category="complaint",
            case__opened_at__gte=since,
            case__opened_at__lt=until,
            claim__case__owner__in=people,
        )
        .values("claim__case__owner")
        .annotate(n=Count("pk"))
    )
    return {r["claim__case__owner"]: r["n"] for r in rows}


def staff_kpis(
    *, user: Actor | None = None, team: str | None = None, start: date, end: date
) -> list[KpiRow]:
    """KPIs per member of staff for the days ``start`` … ``end`` (inclusive, Shanghai).

    - CSAT: average of the 1–5 ratings answered in the period about the person's cases.
    - NPS: % promoters (9–10) − % detractors (0–6) among those answers.
    - Cycle time: median from opening to closing of the cases they own closed in the period.
    - SLA compliance: clocks met / (met + breached) on their cases, stopped in the period.
    - Complaint rate: complaint tickets about their claims per 100 cases they closed.
    """
    since, until = local_midnight(start), local_midnight(end + timedelta(days=1))
    people = list(staff_people(user=user, team=team))
    ids = [p.pk for p in people]
    surveys = {
        r["staff"]: r
        for r in Survey.objects.filter(staff__in=ids, answered_at__gte=since, answered_at__lt=until)
        .values("staff")
        .annotate(
            answers=Count("pk"),
            csat=Avg("csat"),
            promoters=Count("pk", filter=Q(nps__gte=rules.PROMOTER_MIN)),
            detractors=Count("pk", filter=Q(nps__lte=rules.DETRACTOR_MAX)),
        )
    }
    closures = {
        r["case__owner"]: r
        for r in CaseEvent.objects.filter(
            kind="transition",
            to_status="closed",
            at__gte=since,
            at__lt=until,
            case__owner__in=ids,
        )
        .values("case__owner")
        .annotate(
            closed=Count("case", distinct=True),
            median=Median(F("at") - F("case__opened_at"), output_field=DurationField()),
        )
    }
    clocks = {
        r["case__owner"]: r
        for r in Deadline.objects.filter(
            case__owner__in=ids,
            state__in=(DeadlineState.MET, DeadlineState.BREACHED),
            stopped_at__gte=since,
            stopped_at__lt=until,
        )
        .values("case__owner")
        .annotate(
            met=Count("pk", filter=Q(state=DeadlineState.MET)),
            breached=Count("pk", filter=Q(state=DeadlineState.BREACHED)),
        )
    }
    complaints = _complaints_by_owner(ids, since, until)
    result = []
    for person in people:
        profile = getattr(person, "staff_profile", None)
        row = KpiRow(
            user_id=person.pk,
            username=person.username,
            name=person.get_full_name() or person.username,
            team=profile.team if profile else "",
        )
        if s := surveys.get(person.pk):
            row.answers, row.promoters, row.detractors = (
                s["answers"],
                s["promoters"],
                s["detractors"],
            )
            row.csat = Decimal(str(s["csat"])).quantize(Decimal("0.01"))
            row.nps = rules.nps_score(row.promoters, row.detractors, row.answers)
        if c := closures.get(person.pk):
            row.closed_cases, row.median_cycle = c["closed"], c["median"]
        if k := clocks.get(person.pk):
            row.clocks_met, row.clocks_breached = k["met"], k["breached"]
            row.sla_compliance = rules.percent(k["met"], k["met"] + k["breached"])
        row.complaints = complaints.get(person.pk, 0)
        row.complaint_rate = rules.percent(row.complaints, row.closed_cases)
        row.star_score = rules.star_score(row.csat, row.nps, row.sla_compliance, row.complaint_rate)
        result.append(row)
    return result


def star_board(rows: list[KpiRow]) -> list[KpiRow]:
    """Ranked by the composite (best first); people without any figure come last, unranked.

    Ties share a rank (1, 1, 3).
    """
    ranked = sorted(
        (r for r in rows if r.star_score is not None),
        key=lambda r: (-(r.star_score or 0), -(r.answers), r.username),
    )
    previous, rank = None, 0
    for position, row in enumerate(ranked, start=1):
        if row.star_score != previous:
            rank, previous = position, row.star_score
        row.rank = rank
    return ranked + sorted((r for r in rows if r.star_score is None), key=lambda r: r.username)


def kpis_visible_to(viewer: Actor, *, team: str | None, start: date, end: date) -> list[KpiRow]:
    """Managers (``cases.view_all_cases``) see everyone; other staff only themselves."""
    if viewer.has_perm("cases.view_all_cases"):
        return staff_kpis(team=team, start=start, end=end)
    return staff_kpis(user=viewer, start=start, end=end)
