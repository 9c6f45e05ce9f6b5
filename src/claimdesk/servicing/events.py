"""The kinds of timeline line the servicing app writes (registered in ``apps.ready``)."""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class ServiceEventKind(TextChoices):
    MATERIALS_RECEIVED = "service_materials_received", _("Materials received")
    SERVICE_ESCALATED = "service_escalated", _("Escalated above authority")
    ENDORSEMENT_ISSUED = "endorsement_issued", _("Endorsement issued")
    SURRENDER_PAID = "surrender_paid", _("Surrender value paid")
    LOAN_PAID = "loan_paid", _("Policy loan paid")
    SURVIVAL_PAID = "survival_paid", _("Survival benefit paid")
    REINSTATEMENT_UNDERWRITTEN = (
        "reinstatement_underwritten",
        _("Health declaration accepted by underwriting"),
    )
    SUM_INCREASE_UNDERWRITTEN = "sum_increase_underwritten", _("Underwriting decided the increase")
