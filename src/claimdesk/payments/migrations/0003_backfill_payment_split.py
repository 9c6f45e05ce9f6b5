"""Payments made before a claim could be paid in parts were its full approved amount: their
split over the coverages is the approved decision's."""

from django.db import migrations


def backfill(apps, schema_editor):
    Payment = apps.get_model("payments", "Payment")
    ClaimDecision = apps.get_model("claims", "ClaimDecision")
    for payment in Payment.objects.filter(by_coverage={}):
        decision = ClaimDecision.objects.filter(
            claim_id=payment.claim_id, status="approved"
        ).first()
        if decision is not None:
            payment.by_coverage = (decision.calculation or {}).get("by_coverage") or {}
            payment.save(update_fields=["by_coverage"])


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0002_several_payments_per_claim"),
        ("claims", "0011_seed_coverage_bases_and_backfill_accumulators"),
    ]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
