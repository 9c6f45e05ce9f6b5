"""Chain the timeline events (and documents) written before the ledger existed."""

from django.db import migrations


def backfill(apps, schema_editor):
    from claimdesk.ledger.services import ledger_backfill

    try:
        Document = apps.get_model("documents", "Document")
    except LookupError:  # documents not migrated yet: its rows are chained as they come
        Document = None
    ledger_backfill(
        Event=apps.get_model("cases", "CaseEvent"),
        Document=Document,
        Entry=apps.get_model("ledger", "LedgerEntry"),
        Head=apps.get_model("ledger", "LedgerHead"),
    )


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
