"""Fill the summary columns and day tables of 0003.

The same statements the kernel hook and the signal receivers rely on: every per-case row
re-derived (``summaries.rebuild_summaries``), the clauses rejections cite
(``summaries.rebuild_clauses``), the day counts from the clocks that ended and
the surveys answered (``sla.rebuild``). About a minute at a million claims on PostgreSQL.
"""

from django.db import migrations


def backfill(apps, schema_editor):
    from claimdesk.analytics import sla, summaries

    summaries.rebuild_summaries(None)
    summaries.rebuild_clauses(None)
    sla.rebuild()


class Migration(migrations.Migration):
    dependencies = [("analytics", "0003_summary_columns_daily_counts")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
