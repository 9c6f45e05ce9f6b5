"""The kinds of timeline line the notices app writes, each with its label (registered with the
kernel's timeline in ``apps.ready``)."""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class NoticeEventKind(TextChoices):
    NOTICE_ISSUED = "notice_issued", _("Notice issued")
    NOTICE_RENDERED = "notice_rendered", _("Notice letter stored")
