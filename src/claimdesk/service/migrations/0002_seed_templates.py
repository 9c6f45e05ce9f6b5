"""Seed one Chinese + English reply template per core scenario; admins edit them later."""

from django.db import migrations


def seed(apps, schema_editor):
    from claimdesk.service.apps import seed_default_templates

    seed_default_templates(
        apps.get_model("service", "ReplyTemplate"), schema_editor.connection.alias
    )


class Migration(migrations.Migration):
    dependencies = [("service", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
