"""Who a member of staff is in the organisation: team, branch, and whom they escalate to."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from claimdesk.money import money_field


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
    approval_limit = money_field(
        _("approval limit"),
        null=True,
        blank=True,
        help_text=_("The largest claim amount this person may approve alone; empty: none."),
    )
    reserve_limit = money_field(
        _("reserve authority"),
        null=True,
        blank=True,
        help_text=_(
            "The largest case reserve this person may set on a claim alone (未决赔款准备金权限); "
            "empty: none, every manual change goes up a level."
        ),
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.team or '-'})"


class TokenRevoked(models.TextChoices):
    """Why an API token stopped working before it expired."""

    BY_HOLDER = "holder", _("revoked by its holder")
    LOGOUT = "logout", _("holder logged out everywhere")
    PASSWORD = "password", _("password changed")
    DEACTIVATED = "deactivated", _("account deactivated")
    ADMIN = "admin", _("revoked by an administrator")


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once.

    ``prefix`` (its first characters) lets a person tell their tokens apart without the
    secret; a revoked token keeps its row (who, when) and is refused like an expired one.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=pgettext_lazy("api token", "user"),
    )
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("token starts with"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("created at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(
        _("why revoked"), max_length=20, choices=TokenRevoked.choices, blank=True
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.prefix or self.digest[:8]}…"


class Certification(models.Model):
    """A certificate a person holds (e.g. ``nev`` for new-energy vehicles); work that needs
    it is assigned only while it is valid (see ``services.certificate_valid``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="certifications",
        verbose_name=_("person"),
    )
    code = models.SlugField(_("code"), max_length=40, help_text=_("e.g. nev, survey, disability"))
    name = models.CharField(_("name"), max_length=100)
    grade = models.PositiveSmallIntegerField(
        _("grade"),
        default=0,
        help_text=_("For a graded certificate (adjuster 1–3): the grade held; else 0."),
    )
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))

    class Meta:
        ordering = ["user", "code", "-expires_on"]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        indexes = [models.Index(fields=["user", "code"], name="certification_user_code")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__gte=models.F("issued_on")),
                name="certification_expires_after_issue",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.code} → {self.expires_on}"

    def clean(self) -> None:
        if self.issued_on and self.expires_on and self.expires_on < self.issued_on:
            raise ValidationError(
                {"expires_on": _("A certificate cannot expire before it is issued.")}
            )


class TrainingRecord(models.Model):
    """A course a member of staff completed, with its hours (服务人员培训记录)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="training_records",
        verbose_name=_("person"),
    )
    course = models.CharField(_("course"), max_length=120)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    completed_on = models.DateField(_("completed on"))

    class Meta:
        ordering = ["user", "-completed_on"]
        verbose_name = _("training record")
        verbose_name_plural = _("training records")

    def __str__(self) -> str:
        return f"{self.user} {self.course} ({self.completed_on})"


class RoleGrant(models.Model):
    """A role given to or taken from a person, by whom and when (append-only audit).

    Written for every change of a person's roles, whatever made it (the admin's user form,
    ``user_create``, a script): see ``staff.services``. ``business`` marks a role that does
    business work (decides, approves, pays, releases…), which an administrator holds only
    when given it here. The names are kept as they were, so a row still says who it was
    about after an account is renamed or removed.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="role_grants",
        verbose_name=_("person"),
    )
    username = models.CharField(_("username"), max_length=150)
    role = models.CharField(_("role"), max_length=150)
    granted = models.BooleanField(
        pgettext_lazy("role grant", "granted"), help_text=_("Unticked: the role was taken away.")
    )
    business = models.BooleanField(
        _("business role"), help_text=_("The role decides, approves, pays or releases.")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="role_grants_made",
        verbose_name=pgettext_lazy("role grant", "by"),
    )
    by_username = models.CharField(_("by (username)"), max_length=150, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        indexes = [models.Index(fields=["user", "at"], name="rolegrant_user_at")]

    def __str__(self) -> str:
        sign = "+" if self.granted else "-"
        return f"{self.username} {sign}{self.role} ({self.by_username or '-'})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("A role grant is a record: it is never changed.")
        super().save(*args, **kwargs)
