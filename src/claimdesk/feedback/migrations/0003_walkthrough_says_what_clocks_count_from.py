"""The timeliness walkthrough said a claim is "decided within 30 days of complete materials",
while the statutory clock counts from the claim's receipt (保险法 §23): the seeded message now
says what each clock counts from. A message an admin rewrote is left as it is."""

from django.db import migrations

OLD_ZH = '{name}您好，您的保单{policy_no}将于{anniversary}迎来周年日。我们为您整理了理赔流程：报案后 1 个工作日内联系您，材料齐全后 30 日内作出核定，达成协议后按约定时限支付；每个环节都可在客户门户查看进度。如需一对一讲解，请回复本消息。'
NEW_ZH = '{name}您好，您的保单{policy_no}将于{anniversary}迎来周年日。我们为您整理了理赔流程：报案后 1 个工作日内联系您；材料齐全后，一般案件 5 个工作日内作出核定，情形复杂的自收到理赔申请之日起 30 日内作出核定（等待补充材料的时间不计入，最后一日遇节假日顺延至其后第一个工作日）；达成赔付协议后 10 日内支付；每个环节都可在客户门户查看进度。如需一对一讲解，请回复本消息。'
OLD_EN = 'Dear {name}, policy {policy_no} reaches its anniversary on {anniversary}. Here is how a claim runs: we contact you within 1 working day of the report, decide within 30 days of complete materials and pay within the agreed time; you can follow every step in the portal. Reply to this message for a personal walkthrough.'
NEW_EN = 'Dear {name}, policy {policy_no} reaches its anniversary on {anniversary}. Here is how a claim runs: we contact you within 1 working day of the report; ordinary cases are decided within 5 working days of complete materials, complex ones within 30 days of receiving the claim (time spent waiting for further materials does not count, and a period ending on a holiday runs to the next working day); once the amount is agreed we pay within 10 days. You can follow every step in the portal. Reply to this message for a personal walkthrough.'


def reword(apps, schema_editor):
    rules = apps.get_model("feedback", "ProactiveRule").objects.using(schema_editor.connection.alias)
    rules.filter(code="timeliness_walkthrough", body_zh=OLD_ZH).update(body_zh=NEW_ZH)
    rules.filter(code="timeliness_walkthrough", body_en=OLD_EN).update(body_en=NEW_EN)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0002_seed")]

    operations = [migrations.RunPython(reword, migrations.RunPython.noop)]
