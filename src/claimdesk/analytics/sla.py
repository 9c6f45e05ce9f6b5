"""Daily counts: SLA clocks that ended (``SlaDay``) and survey answers given (``SurveyDay``)
per local day × kind × the team and branch of the case owner.

SLA compliance counts the clocks that stopped (met or breached) in the period per rule and per
team of the case owner; at a million claims that is half a million clocks a quarter, each
joined to its case and owner. CSAT and NPS count the period's answers of the cases of a kind
(fifty thousand, each looked up for its case's kind). The day tables hold those counts already
added up per local day (Asia/Shanghai, the days the period filter is made of), so the figures
read a few hundred rows.

Kept in step by signal receivers (registered in ``AnalyticsConfig.ready()``), each in the
transaction of the change, as ``INSERT … ON CONFLICT DO UPDATE SET n = n + …`` increments
(concurrent stops add up instead of overwriting each other):

- a clock saved into met / breached (``cases.services._stop``) adds one; a counted clock saved
  out of it, or deleted, takes its one away; the same for a survey saved with its answer;
- a case saved with another owner moves its ended clocks and answers to the new owner's team
  and branch;
- a staff profile saved with another team or branch (or created, or deleted) moves those of
  every case its user owns.

``rebuild()`` recomputes both tables from the clocks and surveys (the backfill migration; a
repair). Team and branch are the owner's *now*, as the live queries read them. A row of a day
is locked by the transaction that bumps it until it commits: stops of the same day, kind,
rule and team wait for each other's commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.utils import timezone

from claimdesk.workdays.clocks import SHANGHAI


@dataclass(frozen=True)
class _Table:
    """One day table: its key columns (after day, kind, team, branch), its count columns and
    the SQL of the rows it counts (``x`` joined to its case ``c``)."""

    name: str
    keys: tuple[str, ...]
    counts: tuple[str, ...]
    source: str  # FROM … WHERE of the counted rows, aliases x (row) and c (case)
    at: str  # the moment column of x
    key_sql: tuple[str, ...]  # SQL of the extra keys
    count_sql: tuple[str, ...]  # SQL of the counts


SLA = _Table(
    name="analytics_sladay",
    keys=("rule_id",),
    counts=("met", "breached"),
    source="cases_deadline x JOIN cases_case c ON c.id = x.case_id "
    "WHERE x.state IN ('met', 'breached') AND x.stopped_at IS NOT NULL",
    at="x.stopped_at",
    key_sql=("x.rule_id",),
    count_sql=(
        "SUM(CASE WHEN x.state = 'met' THEN 1 ELSE 0 END)",
        "SUM(CASE WHEN x.state = 'breached' THEN 1 ELSE 0 END)",
    ),
)
SURVEY = _Table(
    name="analytics_surveyday",
    keys=("csat", "nps"),
    counts=("answers",),
    source="feedback_survey x JOIN cases_case c ON c.id = x.case_id "
    "WHERE x.answered_at IS NOT NULL AND (x.csat IS NOT NULL OR x.nps IS NOT NULL)",
    at="x.answered_at",
    key_sql=("COALESCE(x.csat, -1)", "COALESCE(x.nps, -1)"),
    count_sql=("COUNT(*)",),
)
TABLE = SLA.name  # kept for callers of the SLA table's name
ENDED = ("met", "breached")


def local_day_sql(column: str) -> str:
    """SQL for the Asia/Shanghai calendar day of an aware datetime column."""
    if connection.vendor == "postgresql":
        return f"CAST(({column} AT TIME ZONE '{SHANGHAI.key}') AS date)"
    # SQLite stores UTC text; China has kept UTC+8 without daylight saving since 1991.
    return f"date({column}, '+8 hours')"


def _grouped_sql(table: _Table, where: str) -> str:
    """The counted rows of the cases matching ``where`` (SQL on ``c``), per day × kind × the
    owner's team and branch now × the table's keys."""
    from claimdesk.staff.models import StaffProfile

    profiles = StaffProfile._meta.db_table
    day = local_day_sql(table.at)
    source = table.source.replace(
        " WHERE ", f" LEFT JOIN {profiles} sp ON sp.user_id = c.owner_id WHERE ", 1
    )
    return (
        f"SELECT {day} AS day, c.kind, COALESCE(sp.team, '') AS team, "
        f"COALESCE(sp.branch, '') AS branch, {', '.join(table.key_sql)}, "
        f"{', '.join(table.count_sql)} FROM {source}{f' AND {where}' if where else ''} "
        f"GROUP BY {day}, c.kind, sp.team, sp.branch, {', '.join(table.key_sql)}"
    )


def _columns(table: _Table) -> str:
    return ", ".join(("day", "kind", "team", "branch", *table.keys, *table.counts))


def rebuild() -> None:
    """Both day tables from the clocks and the surveys (backfill / repair)."""
    with connection.cursor() as cursor:
        for table in (SLA, SURVEY):
            cursor.execute(f"DELETE FROM {table.name}")
            cursor.execute(
                f"INSERT INTO {table.name} ({_columns(table)}) {_grouped_sql(table, '')}"
            )


def _bump(table: _Table, rows: Iterable[tuple[tuple, tuple[int, ...]]]) -> None:
    """Add ``(key, counts)`` (negative to take away) to the day rows; a key is
    ``(day, kind, team, branch, *table.keys)``."""
    merged: dict[tuple, list[int]] = {}
    for key, counts in rows:  # one statement may not touch a row twice
        acc = merged.setdefault(tuple(key), [0] * len(table.counts))
        for i, n in enumerate(counts):
            acc[i] += n
    changed = [(k, c) for k, c in merged.items() if any(c)]
    if not changed:
        return
    width = 4 + len(table.keys) + len(table.counts)
    values = ", ".join([f"({', '.join(['%s'] * width)})"] * len(changed))
    params: list = []
    for key_values, totals in changed:
        params += [*key_values, *totals]
    conflict = ", ".join(("day", "kind", "team", "branch", *table.keys))
    update = ", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in table.counts)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table.name} ({_columns(table)}) VALUES {values} "
            f"ON CONFLICT ({conflict}) DO UPDATE SET {update}",
            params,
        )


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _move(where: str, params: list, old: tuple[str, str], new: tuple[str, str]) -> None:
    """Move the counted clocks and answers of the cases matching ``where`` from the ``old``
    (team, branch) to the ``new`` one."""
    if tuple(old) == tuple(new):
        return
    for table in (SLA, SURVEY):
        with connection.cursor() as cursor:
            cursor.execute(_grouped_sql(table, where), params)
            grouped = cursor.fetchall()
        rows = []
        for day, kind, _team, _branch, *rest in grouped:
            keys, counts = rest[: len(table.keys)], rest[len(table.keys) :]
            day = _as_date(day)
            rows.append(((day, kind, *old, *keys), tuple(-n for n in counts)))
            rows.append(((day, kind, *new, *keys), tuple(counts)))
        _bump(table, rows)


def _owner_place(owner_id: int | None) -> tuple[str, str]:
    from claimdesk.staff.models import StaffProfile

    if owner_id is None:
        return "", ""
    got = StaffProfile.objects.filter(user_id=owner_id).values_list("team", "branch").first()
    return (got[0] or "", got[1] or "") if got else ("", "")


def _case_place(case_id: int) -> tuple[str, str, str]:
    """The case's kind and its owner's team and branch (one query)."""
    from claimdesk.cases.models import Case

    kind, team, branch = (
        Case.objects.filter(pk=case_id)
        .values_list("kind", "owner__staff_profile__team", "owner__staff_profile__branch")
        .get()
    )
    return kind, team or "", branch or ""


def _day(moment) -> date:
    return timezone.localtime(moment, SHANGHAI).date()


# --- receivers: clocks ------------------------------------------------------------------------


def _clock_counted(state) -> tuple[tuple, tuple[int, int]] | None:
    """``(key, counts)`` of a remembered clock state, or None when it is not counted."""
    status, stopped_at, rule_id, case_id = state
    if status not in ENDED or stopped_at is None:
        return None
    kind, team, branch = _case_place(case_id)
    key = (_day(stopped_at), kind, team, branch, rule_id)
    return key, (int(status == "met"), int(status == "breached"))


def _clock_state(instance) -> tuple:
    return (instance.state, instance.stopped_at, instance.rule_id, instance.case_id)


def _remember_clock(sender, instance, **kwargs) -> None:
    d = instance.__dict__
    if {"state", "stopped_at", "rule_id", "case_id"} <= d.keys():
        instance._analytics_day = (d["state"], d["stopped_at"], d["rule_id"], d["case_id"])


def _changed(table: _Table, instance, created: bool, state: tuple, counted) -> None:
    before = None if created else getattr(instance, "_analytics_day", state)
    instance._analytics_day = state
    if before == state:
        return
    rows = []
    if before is not None and (old := counted(before)) is not None:
        rows.append((old[0], tuple(-n for n in old[1])))
    if (new := counted(state)) is not None:
        rows.append(new)
    _bump(table, rows)


def _clock_saved(sender, instance, created, **kwargs) -> None:
    _changed(SLA, instance, created, _clock_state(instance), _clock_counted)


def _gone(table: _Table, instance, state: tuple, counted) -> None:
    from claimdesk.cases.models import Case

    if not Case.objects.filter(pk=state[-1]).exists():
        return
    if (old := counted(state)) is not None:
        _bump(table, [(old[0], tuple(-n for n in old[1]))])


def _clock_deleted(sender, instance, **kwargs) -> None:
    _gone(SLA, instance, _clock_state(instance), _clock_counted)


# --- receivers: survey answers ----------------------------------------------------------------


def _survey_state(instance) -> tuple:
    return (instance.answered_at, instance.csat, instance.nps, instance.case_id)


def _survey_counted(state) -> tuple[tuple, tuple[int]] | None:
    answered_at, csat, nps, case_id = state
    if answered_at is None or (csat is None and nps is None):
        return None
    kind, team, branch = _case_place(case_id)
    scores = (-1 if csat is None else csat, -1 if nps is None else nps)
    return (_day(answered_at), kind, team, branch, *scores), (1,)


def _remember_survey(sender, instance, **kwargs) -> None:
    d = instance.__dict__
    if {"answered_at", "csat", "nps", "case_id"} <= d.keys():
        instance._analytics_day = (d["answered_at"], d["csat"], d["nps"], d["case_id"])


def _survey_saved(sender, instance, created, **kwargs) -> None:
    _changed(SURVEY, instance, created, _survey_state(instance), _survey_counted)


def _survey_deleted(sender, instance, **kwargs) -> None:
    _gone(SURVEY, instance, _survey_state(instance), _survey_counted)


# --- receivers: owners and teams ----------------------------------------------------------------


def _remember_owner(sender, instance, **kwargs) -> None:
    if "owner_id" in instance.__dict__:
        instance._analytics_owner = instance.__dict__["owner_id"]


def _case_saved(sender, instance, created, **kwargs) -> None:
    before = getattr(instance, "_analytics_owner", instance.owner_id)
    instance._analytics_owner = instance.owner_id
    if created or before == instance.owner_id:
        return
    _move("c.id = %s", [instance.pk], _owner_place(before), _owner_place(instance.owner_id))
    from claimdesk.analytics.stored import forget_cases

    forget_cases([instance.pk])  # stored figures filtered by team / branch


def _remember_place(sender, instance, **kwargs) -> None:
    d = instance.__dict__
    if {"team", "branch"} <= d.keys():
        instance._analytics_place = (d["team"] or "", d["branch"] or "")


def _profile_saved(sender, instance, created, **kwargs) -> None:
    now = (instance.team or "", instance.branch or "")
    before = ("", "") if created else getattr(instance, "_analytics_place", now)
    instance._analytics_place = now
    if before != now:
        _move("c.owner_id = %s", [instance.user_id], before, now)
        from claimdesk.analytics.stored import forget_filtered

        forget_filtered()


def _profile_deleted(sender, instance, **kwargs) -> None:
    place = getattr(instance, "_analytics_place", (instance.team or "", instance.branch or ""))
    _move("c.owner_id = %s", [instance.user_id], place, ("", ""))
    from claimdesk.analytics.stored import forget_filtered

    forget_filtered()


def register() -> None:
    from django.db.models.signals import post_delete, post_init, post_save

    from claimdesk.cases.models import Case, Deadline
    from claimdesk.feedback.models import Survey
    from claimdesk.staff.models import StaffProfile

    for signal, receiver, sender in (
        (post_init, _remember_clock, Deadline),
        (post_save, _clock_saved, Deadline),
        (post_delete, _clock_deleted, Deadline),
        (post_init, _remember_survey, Survey),
        (post_save, _survey_saved, Survey),
        (post_delete, _survey_deleted, Survey),
        (post_init, _remember_owner, Case),
        (post_save, _case_saved, Case),
        (post_init, _remember_place, StaffProfile),
        (post_save, _profile_saved, StaffProfile),
        (post_delete, _profile_deleted, StaffProfile),
    ):
        signal.connect(receiver, sender=sender, dispatch_uid=f"analytics_day_{receiver.__name__}")
