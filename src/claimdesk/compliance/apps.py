from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "claimdesk.compliance"
    verbose_name = _("Compliance")

    def ready(self) -> None:
        from claimdesk.compliance.services import ComplianceScreen
        from claimdesk.notify.services import install_message_screen

        # Every outgoing message passes the compliance screen (held on a forbidden promise).
        install_message_screen(ComplianceScreen())
        # A ``flush`` (every transactional test) empties the rule table that the data
        # migration seeded; put the defaults back, but only into an empty table so that an
        # admin's edits (and deliberate deactivations) are never undone.
        post_migrate.connect(_ensure_rules, sender=self, dispatch_uid="claimdesk-compliance-rules")


def _ensure_rules(using: str = "default", apps=None, **kwargs) -> None:
    if apps is None:  # ``flush`` sends post_migrate without the migration state
        from django.apps import apps
    try:
        Rule = apps.get_model("compliance", "ComplianceRule")
    except LookupError:
        return
    if not Rule.objects.using(using).exists():
        seed_default_rules(Rule, using)


def seed_default_rules(
    Rule, using: str = "default", *, terms: bool = True, classes: bool = True
) -> None:
    """Create the default terms and promise classes that are missing (each part can be left
    out); existing rows, edited or switched off by an admin, stay as they are."""
    from claimdesk.compliance.rules import DEFAULT_CLASS_RULES, DEFAULT_RULES

    for rule in (DEFAULT_RULES if terms else ()) + (DEFAULT_CLASS_RULES if classes else ()):
        Rule.objects.using(using).get_or_create(
            code=rule.code,
            defaults={
                "pattern": rule.pattern,
                "kind": rule.kind,
                "category": rule.category,
                "reason": rule.reason,
                "severity": rule.severity,
                "exceptions": "\n".join(rule.exceptions),
                "active": True,
            },
        )
