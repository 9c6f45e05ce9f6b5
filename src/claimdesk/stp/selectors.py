"""Reads for straight-through processing: a claim's check as its page shows it, the review
list, the customer's wording of the app's timeline lines, the dashboard's figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from claimdesk.cases.models import CaseEvent
from claimdesk.claims.models import Claim, ClaimDecision, DecisionStage, DecisionStatus
from claimdesk.stp.models import Outcome, ReviewStatus, StpCheck, StpReview, StpSettings
from claimdesk.stp.rules import RULE_LABELS
from claimdesk.types import Viewer


def stp_customer_text(event: CaseEvent) -> str | None:
    if event.kind == "items_waived":
        items = "、".join((event.data or {}).get("items") or [])
        return _("Not needed for this small claim: %(items)s.") % {"items": items}
    return None


def claim_check(claim: Claim) -> StpCheck | None:
    return StpCheck.objects.filter(claim=claim).first()


def check_rows(check: StpCheck) -> list[dict]:
    """Each rule of the check in the reader's language, with its result and reason."""
    return [
        {
            "code": r.get("code", ""),
            "label": str(RULE_LABELS.get(r.get("code", ""), r.get("label", ""))),
            "passed": bool(r.get("passed")),
            "detail": r.get("detail", ""),
        }
        for r in check.results
    ]


def may_review(user: Viewer) -> bool:
    return user.is_authenticated and user.has_perm("compliance.score_quality")


def reviews(*, status: str | None = None) -> QuerySet[StpReview]:
    rows = StpReview.objects.select_related(
        "claim__case", "claim__policy__product", "decision", "reviewer"
    )
    return rows.filter(status=status) if status else rows


@dataclass(frozen=True)
class Figures:
    decided: int  # final decisions in the period
    automatic: int
    reviewed: int
    reopened: int
    minutes_saved: int

    @property
    def automatic_share(self) -> Decimal | None:
        if not self.decided:
            return None
        return (Decimal(self.automatic) * 100 / self.decided).quantize(Decimal("0.1"))

    @property
    def overturn_rate(self) -> Decimal | None:
        if not self.reviewed:
            return None
        return (Decimal(self.reopened) * 100 / self.reviewed).quantize(Decimal("0.1"))

    @property
    def hours_saved(self) -> Decimal:
        return (Decimal(self.minutes_saved) / 60).quantize(Decimal("0.1"))


def figures(*, since: datetime | None = None, until: datetime | None = None) -> Figures:
    """Automatic share of the final decisions, overturn rate of the reviewed ones, and the
    time a person would have spent on the automatic ones (the admin's minutes per claim)."""
    # A final decision revised on review was decided all the same (automatically or not).
    decisions = ClaimDecision.objects.filter(
        stage=DecisionStage.FINAL, status__in=[DecisionStatus.APPROVED, DecisionStatus.REVISED]
    )
    done = StpReview.objects.exclude(status=ReviewStatus.QUEUED)
    if since is not None:
        decisions = decisions.filter(closed_at__gte=since)
        done = done.filter(reviewed_at__gte=since)
    if until is not None:
        decisions = decisions.filter(closed_at__lt=until)
        done = done.filter(reviewed_at__lt=until)
    decided = decisions.count()
    automatic = decisions.filter(automatic=True).count()
    reviewed = done.count()
    reopened = done.filter(status=ReviewStatus.REOPENED).count()
    return Figures(
        decided=decided,
        automatic=automatic,
        reviewed=reviewed,
        reopened=reopened,
        minutes_saved=automatic * StpSettings.current().minutes_saved,
    )


def routed_count() -> int:
    return StpCheck.objects.filter(outcome=Outcome.PERSON).count()
