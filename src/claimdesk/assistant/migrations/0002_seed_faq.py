"""Seed the knowledge base and the assistant settings (see claimdesk.assistant.seed)."""

from django.db import migrations


def seed(apps, schema_editor):
    from claimdesk.assistant.services import seed_faq

    seed_faq(
        apps.get_model("assistant", "FaqEntry"),
        apps.get_model("assistant", "AssistantSettings"),
        schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [("assistant", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
