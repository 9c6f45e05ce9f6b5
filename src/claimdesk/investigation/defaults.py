"""Default reference data: text-check terms, the common critical illnesses, the repair
re-check SLA rule. Seeded by data migrations and again after a ``flush`` into empty tables."""

from decimal import Decimal

from claimdesk.investigation.rules import DEFAULT_CRITICAL_ILLNESSES
from claimdesk.seeddata import seed_data

# (term, kind, loss type or "" for all) in data/exclusion_terms.json. The clause is found on
# each product at review time (its exclusion clause mentioning the term, else its first), so
# the defaults need no product rows; an admin may pin a product and clause per term.
DEFAULT_TERMS: tuple[tuple[str, str, str], ...] = tuple(
    (t["term"], t["kind"], t["loss_type"])
    for t in seed_data("claimdesk.investigation", "exclusion_terms.json")
)

RECHECK_RULE = (
    "repair_recheck",
    "修理厂异议复核 Repair-shop objection re-check",
    "hours",
    Decimal(24),
    "修理厂对定损有异议的，24小时内复核",
)


def seed(apps, using: str = "default") -> None:
    """Put the defaults into empty tables (an admin's edits are never undone)."""
    Term = apps.get_model("investigation", "ExclusionTerm")
    Illness = apps.get_model("investigation", "CriticalIllness")
    SlaRule = apps.get_model("cases", "SlaRule")
    if not Term.objects.using(using).exists():
        for term, kind, loss_type in DEFAULT_TERMS:
            Term.objects.using(using).get_or_create(
                product=None, loss_type=loss_type, term=term, kind=kind
            )
    if not Illness.objects.using(using).exists():
        for name in DEFAULT_CRITICAL_ILLNESSES:
            Illness.objects.using(using).get_or_create(name=name)
    code, name, unit, amount, basis = RECHECK_RULE
    SlaRule.objects.using(using).get_or_create(
        code=code, defaults={"name": name, "unit": unit, "amount": amount, "basis": basis}
    )
