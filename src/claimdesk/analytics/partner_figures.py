"""Figures of direct settlement (直赔): the share of claims partners submitted, each
partner's turnaround from submission to the payment instruction, and the amounts settled
per partner. Registered in ``metrics.METRICS`` like every figure (imported at the end of
``metrics``), so it is on the dashboard's list, in the exports and in the API."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal

from django.db.models import Min, QuerySet, Sum
from django.utils.translation import gettext as _

from claimdesk.analytics import rules
from claimdesk.analytics.filters import Filters
from claimdesk.analytics.metrics import Metric, _drill, _hours, register
from claimdesk.cases.models import Case
from claimdesk.partners.models import DirectBill


def _claims(f: Filters) -> QuerySet[Case]:
    return f.with_kind("claim").scope().filter(f.in_period("opened_at"))


def _drill_direct(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    qs = _claims(f).filter(claim__channel="direct")
    if partner := params.get("partner"):
        qs = qs.filter(claim__direct_bill__organisation__name=partner)
    return qs


@register("direct_settlement", _drill_direct)
def metric_direct_settlement(f: Filters) -> Metric:
    """Claims opened in the period that partners submitted, per partner: bills, decided and
    instructed amounts, what was paid, and the median hours to the payment instruction."""
    claims = _claims(f)
    total = claims.count()
    bills = (
        DirectBill.objects.filter(claim__case__in=claims)
        .select_related("organisation")
        .annotate(
            instructed=Sum("claim__payments__amount"),
            instructed_at=Min("claim__payments__instructed_at"),
        )
        .order_by("organisation__name", "submitted_at")
    )
    per: dict[str, dict] = defaultdict(
        lambda: {"bills": 0, "billed": Decimal(0), "settled": Decimal(0), "hours": []}
    )
    for bill in bills:
        row = per[bill.organisation.name]
        row["bills"] += 1
        row["billed"] += bill.total
        row["settled"] += bill.instructed or Decimal(0)
        if bill.instructed_at is not None:
            row["hours"].append((bill.instructed_at - bill.submitted_at).total_seconds())
    rows = []
    for name, row in sorted(per.items()):
        spans = sorted(row["hours"])
        rows.append(
            {
                "partner": name,
                "bills": row["bills"],
                "billed": row["billed"],
                "settled": row["settled"],
                "median_h": _hours(rules.percentile_cont(spans, 0.5)),
            }
        )
    direct = sum(r["bills"] for r in rows)
    return Metric(
        code="direct_settlement",
        label=_("Direct settlement"),
        definition=_(
            "Share of the claims opened in the period that a partner hospital or repair shop "
            "submitted for direct settlement; per partner its bills, the amount billed, the "
            "amount instructed to it, and the median hours from submission to the payment "
            "instruction."
        ),
        value=rules.percent(direct, total),
        unit="%",
        detail=_("%(n)s of %(total)s claims") % {"n": direct, "total": total},
        rows=rows,
        columns=[
            ("partner", _("Partner")),
            ("bills", _("Bills")),
            ("billed", _("Billed")),
            ("settled", _("Instructed to the partner")),
            ("median_h", _("Median hours to payment instruction")),
        ],
        drill=_drill("direct_settlement", f),
    )
