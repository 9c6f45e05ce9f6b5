from django.db import migrations


def seed(apps, schema_editor):
    from claimdesk.cases.sla_defaults import SLA_DEFAULTS

    SlaRule = apps.get_model("cases", "SlaRule")
    for code, name, unit, amount, basis in SLA_DEFAULTS:
        SlaRule.objects.get_or_create(
            code=code, defaults={"name": name, "unit": unit.value, "amount": amount, "basis": basis}
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
