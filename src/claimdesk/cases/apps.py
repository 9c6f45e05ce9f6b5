from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "claimdesk.cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from claimdesk.cases.timeline import TimelineKind, register_event_kinds

        register_event_kinds(TimelineKind)
        # The transition tables name rules by code, so every kind's default rule must exist.
        # The data migration seeds them once; this puts back any that a ``flush`` (and so
        # every transactional test) removed, and adds those of a kind registered since.
        # Existing rules, as the admin tuned them, are untouched.
        post_migrate.connect(_ensure_sla_rules, sender=self, dispatch_uid="claimdesk-sla-rules")


def seed_sla_rules(SlaRule, using: str = "default") -> None:
    """Create every registered kind's default SLA rule that does not exist yet."""
    from claimdesk.cases.workflow import sla_defaults, sla_seed_name

    # An early migration's SlaRule has no ``statutory`` yet (0009 sets it on those rows).
    has_statutory = any(f.name == "statutory" for f in SlaRule._meta.get_fields())
    for rule in sla_defaults():
        defaults: dict[str, object] = {
            "name": sla_seed_name(rule),
            "unit": rule.unit.value,
            "amount": rule.amount,
            "basis": rule.basis,
        }
        if has_statutory:
            defaults["statutory"] = rule.statutory
            defaults["escalation_percent"] = rule.escalation_percent
        SlaRule.objects.using(using).get_or_create(code=rule.code, defaults=defaults)


def _ensure_sla_rules(using: str = "default", apps=None, **kwargs) -> None:
    if apps is None:  # ``flush`` sends post_migrate without the migration state
        from django.apps import apps
    try:
        SlaRule = apps.get_model("cases", "SlaRule")
    except LookupError:  # migrating backwards past the model
        return
    seed_sla_rules(SlaRule, using)
