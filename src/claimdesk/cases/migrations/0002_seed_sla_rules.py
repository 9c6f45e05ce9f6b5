from django.db import migrations


def seed(apps, schema_editor):
    # The rules are declared by each kind's workflow (registered when the apps loaded).
    from claimdesk.cases.apps import seed_sla_rules

    seed_sla_rules(apps.get_model("cases", "SlaRule"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
