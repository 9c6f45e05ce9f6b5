"""Seed the default forbidden-promise rules (admins edit them afterwards)."""

from django.db import migrations


def seed(apps, schema_editor):
    from claimdesk.compliance.apps import seed_default_rules

    seed_default_rules(
        apps.get_model("compliance", "ComplianceRule"),
        schema_editor.connection.alias,
        classes=False,  # the promise classes came later (0004)
    )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
