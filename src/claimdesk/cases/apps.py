from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "claimdesk.cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        # The transition tables name rules by code, so every default rule must exist. The
        # data migration seeds them once; this puts back any that a ``flush`` (and so every
        # transactional test) removed. Existing rules, as the admin tuned them, are untouched.
        post_migrate.connect(_ensure_sla_rules, sender=self, dispatch_uid="claimdesk-sla-rules")


def _ensure_sla_rules(using: str = "default", apps=None, **kwargs) -> None:
    from claimdesk.cases.sla_defaults import SLA_DEFAULTS

    if apps is None:  # ``flush`` sends post_migrate without the migration state
        from django.apps import apps
    try:
        SlaRule = apps.get_model("cases", "SlaRule")
    except LookupError:  # migrating backwards past the model
        return
    for code, name, unit, amount, basis in SLA_DEFAULTS:
        SlaRule.objects.using(using).get_or_create(
            code=code, defaults={"name": name, "unit": unit.value, "amount": amount, "basis": basis}
        )
