"""The kinds of timeline line the service app writes, each with its label (registered with the
kernel's timeline in ``apps.ready``)."""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class TicketEventKind(TextChoices):
    NOTE_ADDED = "note_added", _("Internal note")
    REPLIED = "replied", _("Reply to the customer")
    CUSTOMER_MESSAGE = "customer_message", _("Message from the customer")
    RCA_SAVED = "rca_saved", _("Root-cause analysis saved")
