from django.db import migrations


def seed(apps, schema_editor):
    """The SPEC rules added since 0002 (get_or_create: admins' edits stay)."""
    from claimdesk.cases.sla_defaults import SLA_DEFAULTS

    SlaRule = apps.get_model("cases", "SlaRule")
    for code, name, unit, amount, basis in SLA_DEFAULTS:
        SlaRule.objects.get_or_create(
            code=code, defaults={"name": name, "unit": unit.value, "amount": amount, "basis": basis}
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_decisions_and_permissions")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
