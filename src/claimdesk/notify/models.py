"""The notification outbox: written in the business transaction, delivered after commit.

Every message to every channel is one ``Notification`` row. A row moves
``pending → sending → sent`` or, after the last failed attempt, to ``failed`` (kept, shown in
the admin with its error, and re-queued from there). ``sending`` is a lease: the worker that
claimed the row at ``claimed_at`` owns it until the lease runs out, so a crash between the
send and the bookkeeping does not make another worker send it again at once.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    INAPP = "inapp", _("in-app")
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("SMS")
    WEBHOOK = "webhook", _("webhook")


class Status(models.TextChoices):
    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    # stopped by the compliance check (a forbidden promise); a manager releases it to pending
    HELD = "held", _("held (compliance)")


class WebhookEndpoint(models.Model):
    """A partner application told about customer notifications, signed with its secret."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("secret"), max_length=200, help_text=_("Key of the HMAC-SHA256 body signature.")
    )
    kinds = models.JSONField(
        _("event kinds"),
        default=list,
        blank=True,
        help_text=_('A list such as ["claim_registered", "item_returned"]; empty means all.'),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.kinds, list) or not all(
            isinstance(k, str) and k for k in self.kinds
        ):
            raise ValidationError({"kinds": _("Give a list of event kinds, or [] for all.")})

    def wants(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,  # notification_recipient leads with it
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=30)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.INAPP)
    phone = models.CharField(_("phone"), max_length=32, null=True, blank=True)
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("webhook endpoint"),
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    created_at = models.DateTimeField(_("created"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # what the delivery pass reads: due rows, and leases that ran out
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="notification_due",
            ),
            models.Index(
                fields=["claimed_at"], condition=Q(status="sending"), name="notification_leased"
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.subject}"
