from django.db import migrations


def seed(apps, schema_editor):
    from claimdesk.feedback.seeds import seed_rules, seed_shops

    using = schema_editor.connection.alias
    seed_rules(apps.get_model("feedback", "ProactiveRule"), using)
    seed_shops(apps.get_model("feedback", "PartnerShop"), using)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
