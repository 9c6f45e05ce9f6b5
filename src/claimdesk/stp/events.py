"""The kinds of timeline line the straight-through app writes, each with its label."""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class StpEventKind(TextChoices):
    ITEMS_WAIVED = "items_waived", _("Materials not needed for a small claim")
    STP_ROUTED = "stp_routed", _("Not decided automatically: a person decides")
    STP_SAMPLED = "stp_sampled", _("Automatic decision sampled for review")
    STP_CONFIRMED = "stp_confirmed", _("Automatic decision confirmed on review")
    STP_REOPENED = "stp_reopened", _("Automatic decision reopened on review")
