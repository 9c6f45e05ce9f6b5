"""Default reference data: text-check terms, the common critical illnesses, the repair
re-check SLA rule. Seeded by data migrations and again after a ``flush`` into empty tables."""

from decimal import Decimal

from claimdesk.investigation.diseases import default_diseases
from claimdesk.investigation.rules import DEFAULT_CRITICAL_ILLNESSES
from claimdesk.seeddata import seed_data

# (term, kind, loss type or "" for all) in data/exclusion_terms.json. The clause is found on
# each product at review time (its exclusion clause mentioning the term, else its first), so
# the defaults need no product rows; an admin may pin a product and clause per term.
DEFAULT_TERMS: tuple[tuple[str, str, str], ...] = tuple(
    (t["term"], t["kind"], t["loss_type"])
    for t in seed_data("claimdesk.investigation", "exclusion_terms.json")
)

# The exclusion terms that name diseases, as the codes the taxonomy maps diagnoses to.
TERM_CODES: dict[str, str] = {"艾滋病": "B20-B24, Z21", "先天性": "Q00-Q99"}

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
    seed_codes(apps, using)
    code, name, unit, amount, basis = RECHECK_RULE
    SlaRule.objects.using(using).get_or_create(
        code=code, defaults={"name": name, "unit": unit, "amount": amount, "basis": basis}
    )


def _has_field(model, name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


def seed_codes(apps, using: str = "default") -> None:
    """The disease taxonomy into an empty table, and the codes of the listed illnesses and
    disease terms where none is set yet (rows of a database older than the taxonomy)."""
    try:
        DiseaseRow = apps.get_model("investigation", "Disease")
    except LookupError:  # the migration state before the taxonomy
        return
    if not DiseaseRow.objects.using(using).exists():
        DiseaseRow.objects.using(using).bulk_create(
            DiseaseRow(code=d.code, name=d.name, synonyms=list(d.synonyms))
            for d in default_diseases()
        )
    by_name = {d.name: d.code for d in default_diseases()}
    Illness = apps.get_model("investigation", "CriticalIllness")
    if _has_field(Illness, "code"):
        for row in Illness.objects.using(using).filter(code=""):
            if row.name in by_name:
                row.code = by_name[row.name]
                row.save(update_fields=["code"])
    Term = apps.get_model("investigation", "ExclusionTerm")
    if _has_field(Term, "codes"):
        for term, codes in TERM_CODES.items():
            Term.objects.using(using).filter(term=term, codes="", product=None).update(codes=codes)
