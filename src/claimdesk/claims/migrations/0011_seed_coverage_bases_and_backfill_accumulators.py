"""The demo medical product's deductible and limit apply per policy year (百万医疗: 年免赔额);
claims approved before the accumulators existed are entered as reservations, so the
limits they used stay used."""

from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import migrations

SHANGHAI = ZoneInfo("Asia/Shanghai")


def seed_bases(apps, schema_editor):
    from claimdesk.claims.apps import seed_default_coverage_bases

    seed_default_coverage_bases(
        apps.get_model("claims", "CoverageBasis"), schema_editor.connection.alias
    )


def backfill(apps, schema_editor):
    from claimdesk.claims.rules import policy_year

    ClaimDecision = apps.get_model("claims", "ClaimDecision")
    Accumulator = apps.get_model("claims", "Accumulator")
    Movement = apps.get_model("claims", "AccumulatorMovement")
    approved = ClaimDecision.objects.filter(status="approved").select_related("claim__policy")
    for decision in approved.order_by("closed_at", "pk"):
        claim, policy = decision.claim, decision.claim.policy
        calculation = decision.calculation or {}
        paid = {c: Decimal(v) for c, v in (calculation.get("by_coverage") or {}).items()}
        borne: dict[str, Decimal] = defaultdict(Decimal)
        for line in calculation.get("lines", []):
            if line.get("kind") == "deductible":
                borne[line.get("coverage", "")] -= Decimal(line["amount"])
        first, last = policy_year(
            policy.start, policy.end, claim.loss_time.astimezone(SHANGHAI).date()
        )
        moves = {
            (claim.insured_name, code, first, last): (borne.get(code, Decimal(0)), amount)
            for code, amount in paid.items()
        }
        moves[("", "", policy.start, policy.end)] = (Decimal(0), sum(paid.values(), Decimal(0)))
        for (insured, code, start, end), (deductible, amount) in moves.items():
            if not deductible and not amount:
                continue
            row, _ = Accumulator.objects.get_or_create(
                policy=policy,
                insured_name=insured,
                coverage=code,
                period_start=start,
                defaults={"period_end": end},
            )
            Movement.objects.create(
                accumulator=row,
                claim=claim,
                decision=decision,
                kind="reserve",
                deductible=deductible,
                amount=amount,
                at=decision.closed_at or decision.proposed_at,
            )
            row.deductible_used += deductible
            row.limit_used += amount
            row.save(update_fields=["deductible_used", "limit_used"])


class Migration(migrations.Migration):
    dependencies = [("claims", "0010_policy_year_accumulators_and_interim_decisions")]
    operations = [
        migrations.RunPython(seed_bases, migrations.RunPython.noop),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
