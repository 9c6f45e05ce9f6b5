from django.db import migrations


def seed(apps, schema_editor):
    from claimdesk.claims.apps import seed_default_checklists

    seed_default_checklists(
        apps.get_model("claims", "ChecklistTemplateItem"), schema_editor.connection.alias
    )


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
