"""Admin-editable corrections to the working-day calendar."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HolidayOverride(models.Model):
    """One day declared a holiday or a working day (调休), winning over every other source."""

    day = models.DateField(_("date"), unique=True)
    working = models.BooleanField(
        _("working day"),
        help_text=_("Ticked: a working day (e.g. a 调休 Saturday). Empty: a day off."),
    )
    name = models.CharField(_("name"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("holiday override")
        verbose_name_plural = _("holiday overrides")

    def __str__(self) -> str:
        kind = _("working day") if self.working else _("day off")
        return f"{self.day:%Y-%m-%d} {kind} {self.name}".strip()


class OfficialScheduleYear(models.Model):
    """A year whose complete official schedule has been loaded as overrides.

    For such a year the provisional statutory fallback is switched off: days without an
    override follow the plain Monday–Friday rule.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    loaded_at = models.DateTimeField(_("loaded"), auto_now_add=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("official schedule year")
        verbose_name_plural = _("official schedule years")

    def __str__(self) -> str:
        return str(self.year)
