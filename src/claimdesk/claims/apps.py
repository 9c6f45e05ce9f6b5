from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "claimdesk.claims"
    verbose_name = _("Claims")

    def ready(self) -> None:
        from claimdesk.cases.timeline import register_event_kinds
        from claimdesk.claims.events import ClaimEventKind

        register_event_kinds(ClaimEventKind)
        from claimdesk.cases.workflow import register
        from claimdesk.claims.workflow import KIND, WORKFLOW

        register(WORKFLOW)
        from claimdesk.claims.work import register as register_work

        register_work()  # what is due on its rows of the work queues
        _chain_money()
        # Case reserves move with the steps, in the step's transaction.
        from claimdesk.cases.events import CaseTransitioned, subscribe
        from claimdesk.claims.events import ClaimDecided, ClaimRegistered
        from claimdesk.claims.services.reserves import (
            reserve_on_decided,
            reserve_on_registered,
            reserve_on_transition,
        )

        subscribe(ClaimRegistered, reserve_on_registered)
        subscribe(ClaimDecided, reserve_on_decided)
        subscribe(CaseTransitioned, reserve_on_transition, kinds=(KIND,))
        # A ``flush`` (every transactional test) empties the checklist table that the data
        # migration seeded; put the defaults back, but only into an empty table so that an
        # admin's edits are never undone.
        post_migrate.connect(_ensure_checklists, sender=self, dispatch_uid="claimdesk-checklists")
        post_migrate.connect(
            _ensure_coverage_bases, sender=self, dispatch_uid="claimdesk-coverage-bases"
        )


def _chain_money() -> None:
    """Decisions, their approvals and the limits reserved chain into the claim's ledger
    with the fields that carry the money (status and escalation move on by design)."""
    from claimdesk.ledger.chained import Chained, chain_model

    chain_model(
        Chained(
            record_type="decision",
            label="decision",
            model_label="claims.ClaimDecision",
            fields=(
                "claim",
                "stage",
                "decision",
                "amount",
                "calculation",
                "approvals_required",
                "proposed_by",
                "proposed_at",
            ),
            case_path="claim_id",
            at_field="proposed_at",
        )
    )
    chain_model(
        Chained(
            record_type="approval",
            label="approval",
            model_label="claims.DecisionApproval",
            fields=("decision", "approver", "limit", "at"),
            case_path="decision__claim_id",
            at_field="at",
        )
    )
    chain_model(
        Chained(
            record_type="reserve",
            label="accumulator movement",
            model_label="claims.AccumulatorMovement",
            fields=(
                "accumulator",
                "claim",
                "decision",
                "payment_reference",
                "kind",
                "deductible",
                "amount",
                "at",
            ),
            case_path="claim_id",
            at_field="at",
        )
    )


def _ensure_checklists(using: str = "default", apps=None, **kwargs) -> None:
    if apps is None:  # ``flush`` sends post_migrate without the migration state
        from django.apps import apps
    try:
        Item = apps.get_model("claims", "ChecklistTemplateItem")
    except LookupError:
        return
    if not Item.objects.using(using).exists():
        seed_default_checklists(Item, using)


def seed_default_checklists(Item, using: str = "default") -> None:
    from claimdesk.claims.rules import DEFAULT_CHECKLISTS

    for spec in DEFAULT_CHECKLISTS:
        for position, item in enumerate(spec.items):
            Item.objects.using(using).get_or_create(
                loss_type=spec.loss_type.value,
                product=None,
                code=item.code,
                defaults={
                    "name": item.name,
                    "core": item.core,
                    "lasting": item.lasting,
                    "position": position,
                },
            )


def _ensure_coverage_bases(using: str = "default", apps=None, **kwargs) -> None:
    """As for the checklists: after a ``flush``, the seeded coverage bases come back into
    an empty table (never over an admin's edits)."""
    if apps is None:
        from django.apps import apps
    try:
        Basis = apps.get_model("claims", "CoverageBasis")
    except LookupError:
        return
    if not Basis.objects.using(using).exists():
        seed_default_coverage_bases(Basis, using)


def seed_default_coverage_bases(Basis, using: str = "default") -> None:
    from claimdesk.claims.rules import DEFAULT_COVERAGE_BASES

    for product, coverage, article in DEFAULT_COVERAGE_BASES:
        Basis.objects.using(using).get_or_create(
            product_code=product,
            coverage_code=coverage,
            defaults={
                "deductible_period": "policy_year",
                "limit_period": "policy_year",
                "deductible_article": article,
                "ratio_article": article,
                "limit_article": article,
            },
        )
