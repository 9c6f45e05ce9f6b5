"""The kinds of timeline line the payments app writes, each with its label (registered with the
kernel's timeline in ``apps.ready``)."""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class PaymentEventKind(TextChoices):
    PAYMENT_INSTRUCTED = "payment_instructed", _("Payment instructed")
    PAYMENT_SENT = "payment_sent", _("Payment sent")
    PAYMENT_CONFIRMED = "payment_confirmed", _("Payment confirmed")
    PAYMENT_FAILED = "payment_failed", _("Payment failed")
    PAYMENT_RETRIED = "payment_retried", _("Payment retried")
    PAYMENT_ESCALATED = "payment_escalated", _("Payment escalated")
    PAYMENT_CANCELLED = "payment_cancelled", _("Payment cancelled (decision revised)")
