"""The "how long does a decision take" answer now says what the statutory 30 days count from
(the claim's receipt, 保险法 §23; waiting for materials not counted; the period-end rule). An
answer an admin rewrote is left as it is."""

from django.db import migrations

OLD_ZH = '材料齐全后，一般案件通常在5个工作日内作出核定；情形复杂的，依照保险法第二十三条在30日内作出核定。需要调查的案件，调查时间会在进度中显示。'
NEW_ZH = '材料齐全后，一般案件通常在5个工作日内作出核定；情形复杂的，依照保险法第二十三条，自收到您的理赔申请之日起30日内作出核定（等待您补充材料的时间不计入；最后一日是节假日或休息日的，顺延至其后第一个工作日）。需要调查的案件，调查时间会在进度中显示。'
OLD_EN = 'Once the documents are complete, ordinary cases are usually decided within 5 working days; complex cases within 30 days as the Insurance Law (art. 23) requires. Where an investigation is needed, you see its progress in the portal.'
NEW_EN = 'Once the documents are complete, ordinary cases are usually decided within 5 working days; complex cases within 30 days of receiving your claim, as the Insurance Law (art. 23) requires (time spent waiting for documents you still send does not count; a period ending on a holiday or rest day runs to the next working day). Where an investigation is needed, you see its progress in the portal.'


def reword(apps, schema_editor):
    faqs = apps.get_model("assistant", "FaqEntry").objects.using(schema_editor.connection.alias)
    faqs.filter(slug="decision_time", answer_zh=OLD_ZH).update(answer_zh=NEW_ZH)
    faqs.filter(slug="decision_time", answer_en=OLD_EN).update(answer_en=NEW_EN)


class Migration(migrations.Migration):
    dependencies = [("assistant", "0002_seed_faq")]

    operations = [migrations.RunPython(reword, migrations.RunPython.noop)]
