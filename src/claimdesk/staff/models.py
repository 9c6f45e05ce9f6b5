"""Who a member of staff is in the organisation: team, branch, and whom they escalate to."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("manager"),
        help_text=_("Receives escalations of this person's overdue work."),
    )
    team = models.CharField(_("team"), max_length=60, blank=True)
    branch = models.CharField(_("branch"), max_length=60, blank=True)
    region = models.CharField(_("region"), max_length=60, blank=True)
    approval_limit = models.DecimalField(
        _("approval limit"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The largest claim amount this person may approve alone; empty: none."),
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.team or '-'})"


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} {self.digest[:8]}…"
