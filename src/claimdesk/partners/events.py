"""The kinds of timeline line the partners app writes, each with its label."""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class PartnerEventKind(TextChoices):
    DIRECT_BILL = "direct_bill", _("Bill submitted by a partner for direct settlement")
    REPAIR_OVERDUE = "repair_overdue", _("Repair overdue: courtesy car offered")
