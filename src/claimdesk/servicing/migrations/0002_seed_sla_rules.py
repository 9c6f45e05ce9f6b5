from django.db import migrations


def seed(apps, schema_editor):
    """service_ack, service_complete and surrender_payment (get_or_create: admins' edits stay)."""
    # The rules are declared by each kind's workflow (registered when the apps loaded).
    from claimdesk.cases.apps import seed_sla_rules

    seed_sla_rules(apps.get_model("cases", "SlaRule"))


class Migration(migrations.Migration):
    dependencies = [("servicing", "0001_initial"), ("cases", "0008_caseevent_dispatched")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
