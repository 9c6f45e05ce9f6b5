from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "claimdesk.analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        # Summary tables and daily SLA counts follow the committed timeline, in a worker
        # after each action's commit; a team change moves counts in its own transaction.
        from claimdesk.analytics import reserves, sla, summaries  # noqa: F401 (figures)
        from claimdesk.analytics.prediction import expected_payment
        from claimdesk.claims.forecast import register_payment_estimator

        summaries.register()
        sla.register()
        # The claim's progress page and API show when similar claims were paid.
        register_payment_estimator(expected_payment)
