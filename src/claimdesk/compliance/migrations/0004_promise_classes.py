"""Absolute promises as classes (rule kind "class"); the default classes are seeded next to
the terms, switched on."""

from django.db import migrations, models


def seed_classes(apps, schema_editor):
    from claimdesk.compliance.apps import seed_default_rules

    seed_default_rules(
        apps.get_model("compliance", "ComplianceRule"),
        schema_editor.connection.alias,
        terms=False,  # a default term an admin deleted stays deleted
    )


def drop_classes(apps, schema_editor):
    Rule = apps.get_model("compliance", "ComplianceRule")
    Rule.objects.using(schema_editor.connection.alias).filter(kind="class").delete()


class Migration(migrations.Migration):
    dependencies = [("compliance", "0003_work_permissions_by_app")]

    operations = [
        migrations.AlterField(
            model_name="compliancerule",
            name="kind",
            field=models.CharField(
                choices=[
                    ("literal", "term"),
                    ("regex", "regular expression"),
                    ("class", "class of promises"),
                ],
                default="literal",
                max_length=10,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="compliancerule",
            name="pattern",
            field=models.CharField(
                help_text=(
                    "A term is matched however it is spaced, full-width or written in "
                    "traditional characters. A regular expression is matched in the normalised "
                    "text: lower case, no spaces or separators, full-width folded, 百分之百 "
                    "written as 100%. A class of promises names one of the built-in classes "
                    "by its code."
                ),
                max_length=200,
                verbose_name="term or pattern",
            ),
        ),
        migrations.RunPython(seed_classes, drop_classes),
    ]
