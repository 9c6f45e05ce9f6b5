from django.db import migrations


def seed(apps, schema_editor):
    """The ``uw_decision`` rule the workflow declares (get_or_create: admins' edits stay)."""
    from claimdesk.cases.apps import seed_sla_rules

    seed_sla_rules(apps.get_model("cases", "SlaRule"))


class Migration(migrations.Migration):
    dependencies = [("underwriting", "0001_applications"), ("cases", "0008_caseevent_dispatched")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
