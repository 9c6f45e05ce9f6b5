from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "claimdesk.analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        # Summary tables follow every claim / ticket step inside the kernel's transaction.
        # Daily SLA counts follow every clock stop, owner change and team change.
        from claimdesk.analytics import sla, summaries
        from claimdesk.analytics.prediction import expected_payment
        from claimdesk.claims.forecast import register_payment_estimator

        summaries.register()
        sla.register()
        # The claim's progress page and API show when similar claims were paid.
        register_payment_estimator(expected_payment)
