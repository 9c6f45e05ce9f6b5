"""The notification outbox: written in the business transaction, delivered after commit."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    INAPP = "inapp", _("in-app")
    EMAIL = "email", _("e-mail")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=30)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.INAPP)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(sent_at__isnull=True), name="notification_unsent"
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.subject}"
