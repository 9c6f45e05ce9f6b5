"""Analytics: summary tables where the dashboard needs them.

``CaseSummary`` is one row per case that has a timeline (its type, opening, first closing,
when it entered the done status it is in now, whether it ever left a done status): "closed in
the period" and "not done at the end of the period" become index ranges instead of a probe
of the timeline per case.

``StageStay`` is one finished stay of a case in a status (from the event that put it there to
the next status event), with its seconds and the case's closing time denormalised, so the
stage figures read a few narrow rows per closed case by ``(kind, closed_at)`` instead of
running ``LEAD()`` over the whole timeline on every request. ``analytics.summaries`` keeps it
in step with the timeline (in the kernel's transaction) and the backfill migration builds it
for cases that existed before.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StageStay(models.Model):
    """A finished stay of a case in one status; stays still running have no row."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="+", verbose_name=_("case")
    )
    kind = models.CharField(_("kind"), max_length=20)
    # Claim type as the metrics group it: the claim's loss type; a ticket's category.
    case_type = models.CharField(_("type"), max_length=40, null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=40)
    entered_at = models.DateTimeField(_("entered"))
    left_at = models.DateTimeField(_("left"))
    seconds = models.FloatField(_("seconds"))
    # When the case first reached "closed" (NULL while it has not): "closed in the period".
    closed_at = models.DateTimeField(_("case closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("stage stay")
        verbose_name_plural = _("stage stays")
        indexes = [
            models.Index(
                fields=["kind", "closed_at"],
                include=["stage", "case_type", "seconds", "case"],
                name="analytics_stay_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.stage} {self.seconds:.0f}s"


class CaseSummary(models.Model):
    """Per case: the moments the dashboard's populations are defined by, from its timeline."""

    case = models.OneToOneField(
        "cases.Case",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("case"),
    )
    kind = models.CharField(_("kind"), max_length=20)
    case_type = models.CharField(_("type"), max_length=40, null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"))
    # First transition into "closed" (NULL while none).
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # When the case entered the run of done statuses it is in now (closed / followed up /
    # withdrawn claims, resolved / closed tickets); NULL while it is not done.
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    # It left a done status at least once (a reopened ticket): "done at a moment" then needs
    # its timeline, not ``done_at``.
    reopened = models.BooleanField(_("reopened"), default=False)

    class Meta:
        verbose_name = _("case summary")
        verbose_name_plural = _("case summaries")
        indexes = [
            models.Index(
                fields=["kind", "closed_at"],
                include=["case_type", "opened_at"],
                name="analytics_summary_closed",
            ),
            models.Index(
                fields=["kind", "done_at"],
                include=["opened_at", "reopened"],
                name="analytics_summary_done",
            ),
            models.Index(
                fields=["kind"],
                condition=models.Q(reopened=True),
                name="analytics_summary_reopened",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"
