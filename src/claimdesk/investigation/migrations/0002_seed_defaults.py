"""Seed the text-check terms, the common critical illnesses and the repair re-check rule."""

from django.db import migrations


def forwards(apps, schema_editor):
    from claimdesk.investigation.defaults import seed

    seed(apps, schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("investigation", "0001_initial"),
        ("cases", "0002_seed_sla_rules"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
