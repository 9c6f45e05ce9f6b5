"""Indexes the dashboard's period queries need at a million claims (see bench/analytics.py).

They live on other apps' tables, so they are plain SQL here (``IF NOT EXISTS``: PostgreSQL and
SQLite both accept it) rather than ``Meta.indexes`` of models this app does not own. Each one
turns a sequential scan of a whole table into a range scan of the period:

- ``analytics_event_status_at``: status events by target status and time — "closed in the
  period", "decided in the period", "resolved in the period"; ``case_id`` in the key so the
  case ids come from the index alone;
- ``analytics_event_case_status``: the status events of one case in order (opening and
  transitions only; a third of the timeline is other events) — the stage intervals
  (``LEAD(at) OVER (PARTITION BY case_id ORDER BY at, id)``) and "last status at a moment";
- ``analytics_case_kind_opened``: cases of a kind opened in the period (``Filters.cases()``);
- ``analytics_deadline_stopped`` / ``analytics_deadline_live_due``: clocks that ended in the
  period, and live clocks by due time (SLA compliance, overdue now);
- ``analytics_claim_decided``: claims decided in the period (rejection, investigation);
- ``analytics_survey_answered``: surveys answered in the period (CSAT, NPS).

On a large production database build them with ``CREATE INDEX CONCURRENTLY`` by hand before
migrating (the ``IF NOT EXISTS`` then makes this migration a no-op): a plain build locks
writes on the table while it runs (about a minute for the timeline at 9 million events).
"""

from django.db import migrations

INDEXES = (
    (
        "analytics_event_status_at",
        "cases_caseevent (to_status, at, case_id) WHERE kind = 'transition'",
    ),
    (
        "analytics_event_case_status",
        "cases_caseevent (case_id, at, id, to_status) WHERE kind IN ('opened', 'transition')",
    ),
    ("analytics_case_kind_opened", "cases_case (kind, opened_at)"),
    (
        "analytics_deadline_stopped",
        "cases_deadline (stopped_at, case_id) WHERE state IN ('met', 'breached')",
    ),
    (
        "analytics_deadline_live_due",
        "cases_deadline (due_at, case_id) WHERE state IN ('running', 'paused')",
    ),
    ("analytics_claim_decided", "claims_claim (decided_at)"),
    ("analytics_survey_answered", "feedback_survey (answered_at)"),
)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_complaint_complex"),
        ("claims", "0006_archived_at"),
        ("feedback", "0002_seed"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON {target}",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, target in INDEXES
    ]
