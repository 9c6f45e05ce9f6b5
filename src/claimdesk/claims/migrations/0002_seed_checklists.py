from django.db import migrations


def seed(apps, schema_editor):
    from claimdesk.claims.rules import DEFAULT_CHECKLISTS

    Item = apps.get_model("claims", "ChecklistTemplateItem")
    for spec in DEFAULT_CHECKLISTS:
        for position, item in enumerate(spec.items):
            Item.objects.get_or_create(
                loss_type=spec.loss_type.value, product=None, code=item.code,
                defaults={"name": item.name, "core": item.core, "lasting": item.lasting,
                          "position": position},
            )


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
