"""The kinds of timeline line the feedback app writes, each with its label (registered with the
kernel's timeline in ``apps.ready``)."""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class FeedbackEventKind(TextChoices):
    SURVEY_SENT = "survey_sent", _("Satisfaction survey sent")
    SURVEY_REMINDED = "survey_reminded", _("Satisfaction survey reminder sent")
    SURVEY_ANSWERED = "survey_answered", _("Satisfaction survey answered")
    FOLLOWUP_LEFT_TO_STAFF = "followup_left_to_staff", _("Follow-up left to a colleague")
    PROACTIVE_SERVICE = "proactive_service", _("Proactive service")
    CALLBACK_OPENED = "callback_opened", _("Call-back to a dissatisfied customer opened")
    CALLBACK_OUTCOME = "callback_outcome", _("Call-back outcome recorded")
