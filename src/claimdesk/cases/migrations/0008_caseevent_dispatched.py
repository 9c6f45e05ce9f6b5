"""Timeline lines become the outbox of the after-commit readers: a ``dispatched`` mark.

Lines written before are already reflected by their readers (they ran inside the
transaction then), so they are added as dispatched; new lines start undispatched."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_plain_clock_names")]

    operations = [
        migrations.AddField(
            model_name="caseevent",
            name="dispatched",
            field=models.BooleanField(default=True, editable=False),
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="dispatched",
            field=models.BooleanField(default=False, db_default=False, editable=False),
        ),
        migrations.AddIndex(
            model_name="caseevent",
            index=models.Index(
                condition=models.Q(dispatched=False), fields=["id"], name="event_undispatched"
            ),
        ),
    ]
