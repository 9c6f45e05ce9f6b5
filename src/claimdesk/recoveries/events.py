"""The kinds of timeline line the recoveries app writes (on the recovery's case and on its
claim's), each with its label."""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class RecoveryEventKind(TextChoices):
    RECOVERY_OPENED = "recovery_opened", _("Recovery opened")
    RECOVERY_LETTER = "recovery_letter", _("Recovery letter issued")
    RECOVERY_RECEIVED = "recovery_received", _("Recovery amount received")
