"""SLA rules were first seeded with two-language names ("<中文> <English>"), which pages showed
whole in either language. A seeded rule now stores its name in the product's first language
and pages read it in the reader's (``SlaRule.label``): rename the rules still carrying the
old seeded name. A rule an admin renamed keeps its name."""

from django.db import migrations
from django.utils import translation


def plain_clock_names(apps, schema_editor):
    from claimdesk.cases.workflow import sla_defaults, sla_seed_name

    SlaRule = apps.get_model("cases", "SlaRule")
    using = schema_editor.connection.alias
    for rule in sla_defaults():
        with translation.override("en"):
            english = str(rule.name)
        plain = sla_seed_name(rule)
        row = SlaRule.objects.using(using).filter(code=rule.code).first()
        if row is not None and row.name != plain and row.name.endswith(f" {english}"):
            row.name = plain
            row.save(update_fields=["name"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_work_permissions_by_app")]

    operations = [migrations.RunPython(plain_clock_names, migrations.RunPython.noop)]
