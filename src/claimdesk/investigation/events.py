"""The kinds of timeline line the investigation app writes, each with its label (registered with the
kernel's timeline in ``apps.ready``)."""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class InvestigationEventKind(TextChoices):
    REPAIR_OBJECTION = "repair_objection", _("Repair-shop objection")
    REPAIR_OBJECTION_RESOLVED = "repair_objection_resolved", _("Repair-shop objection re-checked")
    APPRAISAL_SELECTED = "appraisal_selected", _("Appraisal institution selected")
