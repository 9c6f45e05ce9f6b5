from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "claimdesk.feedback"
    verbose_name = _("Surveys, KPIs and proactive service")

    def ready(self) -> None:
        from claimdesk.cases.timeline import register_event_kinds
        from claimdesk.feedback.events import FeedbackEventKind

        register_event_kinds(FeedbackEventKind)
        connection_created.connect(_sqlite_median, dispatch_uid="claimdesk-feedback-median")
        # A ``flush`` (every transactional test) empties the tables the data migration
        # seeded; put the defaults back, only into empty tables so admin edits stay.
        post_migrate.connect(_ensure_seeds, sender=self, dispatch_uid="claimdesk-feedback-seeds")


def _sqlite_median(sender, connection, **kwargs) -> None:
    """SQLite has no median; give it one so the KPI aggregation runs in the database."""
    if connection.vendor == "sqlite":
        from claimdesk.feedback.selectors import SQLITE_MEDIAN, SqliteMedian

        connection.connection.create_aggregate(SQLITE_MEDIAN, 1, SqliteMedian)


def _ensure_seeds(using: str = "default", apps=None, **kwargs) -> None:
    if apps is None:  # ``flush`` sends post_migrate without the migration state
        from django.apps import apps
    from claimdesk.feedback.seeds import seed_rules, seed_shops

    try:
        Rule = apps.get_model("feedback", "ProactiveRule")
        Shop = apps.get_model("feedback", "PartnerShop")
    except LookupError:
        return
    if not Rule.objects.using(using).exists():
        seed_rules(Rule, using)
    if not Shop.objects.using(using).exists():
        seed_shops(Shop, using)
    _ensure_callback_rule(apps, using)


def _ensure_callback_rule(apps, using: str) -> None:
    """The call-back clock's SLA rule (``rules.CALLBACK_SLA``), created once; admin edits stay.
    Feedback is no kind of case, so its rule is seeded here rather than by the kernel."""
    from claimdesk.feedback.rules import CALLBACK_SLA

    try:
        SlaRule = apps.get_model("cases", "SlaRule")
    except LookupError:
        return
    SlaRule.objects.using(using).get_or_create(
        code=CALLBACK_SLA.code,
        defaults={
            "name": CALLBACK_SLA.name,
            "unit": CALLBACK_SLA.unit.value,
            "amount": CALLBACK_SLA.amount,
            "basis": CALLBACK_SLA.basis,
        },
    )
