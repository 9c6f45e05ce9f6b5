"""Reserve and recovery figures: open reserves by line and age, reserve movements per
month, paid against reserved at closure, and the recovery rate. Registered in ``METRICS``
like every figure, so the dashboard shows them with their CSV/XLSX exports and the cases
behind each row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, OuterRef, QuerySet, Subquery, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claimdesk.analytics import rules
from claimdesk.analytics.filters import Filters
from claimdesk.analytics.metrics import Metric, _as_of, _drill, closed_in_period, register
from claimdesk.cases.models import Case
from claimdesk.claims.models import Claim, ReserveMovement, ReserveStep
from claimdesk.policies.models import LOSS_TYPE_LABELS
from claimdesk.recoveries.models import Recovery, RecoveryKind
from claimdesk.workdays.clocks import to_local

ZERO = Decimal("0.00")
FEN = Decimal("0.01")


def _yuan(value: object) -> Decimal:
    """A money figure as yuan and fen, whatever the database's aggregate handed back."""
    return Decimal(str(value or 0)).quantize(FEN)


@dataclass(frozen=True)
class ReserveAge:
    code: str
    low: int
    high: int | None
    label: object


# How long an open claim has carried a reserve (days since registration).
RESERVE_AGES = (
    ReserveAge("0-30", 0, 30, gettext_lazy("up to 30 days")),
    ReserveAge("31-90", 31, 90, gettext_lazy("31–90 days")),
    ReserveAge("91-180", 91, 180, gettext_lazy("91–180 days")),
    ReserveAge("181+", 181, None, gettext_lazy("over 180 days")),
)


def _age(days: int) -> ReserveAge:
    return next(a for a in RESERVE_AGES if a.high is None or days <= a.high)


def _line(code: str) -> str:
    return str(LOSS_TYPE_LABELS.get(code, code))


def _claims(f: Filters) -> QuerySet[Claim]:
    return Claim.objects.filter(case__in=f.with_kind("claim").scope())


def _open_reserves(f: Filters, as_of: datetime) -> list[tuple[Claim, Decimal]]:
    """Each claim of the scope with a reserve above 0 at ``as_of`` and that reserve."""
    latest = (
        ReserveMovement.objects.filter(claim=OuterRef("pk"), at__lte=as_of)
        .order_by("-at", "-id")
        .values("amount")[:1]
    )
    rows = (
        _claims(f)
        .filter(case__opened_at__lte=as_of)
        .annotate(reserve=Subquery(latest))
        .filter(reserve__gt=0)
        .select_related("case")
    )
    return [(c, _yuan(getattr(c, "reserve", None))) for c in rows]


def _drill_open(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    as_of = _as_of(f)
    pairs = _open_reserves(f, as_of)
    line, age = params.get("line"), params.get("age")
    ids = [
        c.pk
        for c, _r in pairs
        if (not line or c.loss_type == line)
        and (not age or _age((as_of - c.case.opened_at).days).code == age)
    ]
    return Case.objects.filter(pk__in=ids)


@register("open_reserves", _drill_open)
def metric_open_reserves(f: Filters) -> Metric:
    """Open case reserves at the end of the period, by line and by how long they have run."""
    as_of = _as_of(f)
    groups: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for claim, reserve in _open_reserves(f, as_of):
        groups[(claim.loss_type, _age((as_of - claim.case.opened_at).days).code)].append(reserve)
    order = {a.code: i for i, a in enumerate(RESERVE_AGES)}
    labels = {a.code: str(a.label) for a in RESERVE_AGES}
    rows: list[dict[str, Any]] = [
        {
            "line": _line(line),
            "age": labels[age],
            "claims": len(amounts),
            "reserve": sum(amounts, ZERO),
            "drill": {"line": line, "age": age},
        }
        for (line, age), amounts in sorted(groups.items(), key=lambda g: (g[0][0], order[g[0][1]]))
    ]
    return Metric(
        code="open_reserves",
        label=_("Open case reserves"),
        definition=_(
            "Claims with a case reserve above 0 at the end of the period (or now): the reserve "
            "in force then, by line and by days since registration."
        ),
        value=sum((r["reserve"] for r in rows), ZERO),
        unit="¥",
        rows=rows,
        columns=[
            ("line", _("Line of business")),
            ("age", _("Open for")),
            ("claims", _("Claims")),
            ("reserve", _("Reserve (¥)")),
        ],
        drill=_drill("open_reserves", f),
        sample=sum(r["claims"] for r in rows),
    )


def _movements(f: Filters) -> QuerySet[ReserveMovement]:
    return ReserveMovement.objects.filter(claim__case__in=f.with_kind("claim").scope()).filter(
        f.in_period("at")
    )


def _drill_movements(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    month = params.get("month", "")
    ids = {
        m.claim_id
        for m in _movements(f).only("claim_id", "at")
        if not month or to_local(m.at).strftime("%Y-%m") == month
    }
    return Case.objects.filter(pk__in=ids)


@register("reserve_movements", _drill_movements)
def metric_reserve_movements(f: Filters) -> Metric:
    """Reserve movements per month: how many, raised, lowered, paid out and recovered."""
    months: dict[str, dict[str, Any]] = {}
    for m in _movements(f).only("at", "change", "paid", "recovered"):
        key = to_local(m.at).strftime("%Y-%m")
        row = months.setdefault(
            key,
            {"movements": 0, "raised": ZERO, "lowered": ZERO, "paid": ZERO, "recovered": ZERO},
        )
        row["movements"] += 1
        row["raised" if m.change > 0 else "lowered"] += abs(m.change)
        row["paid"] += m.paid
        row["recovered"] += m.recovered
    rows: list[dict[str, Any]] = [
        {"month": k, **v, "net": v["raised"] - v["lowered"], "drill": {"month": k}}
        for k, v in sorted(months.items())
    ]
    return Metric(
        code="reserve_movements",
        label=_("Reserve movements per month"),
        definition=_(
            "Every change of a case reserve in the period (registration, survey, calculation, "
            "decision, payment, recovery, manual, closure), per month: raised, lowered, and the "
            "payments and recoveries that moved it."
        ),
        value=sum((r["net"] for r in rows), ZERO),
        unit="¥",
        rows=rows,
        columns=[
            ("month", _("Month")),
            ("movements", _("Movements")),
            ("raised", _("Raised (¥)")),
            ("lowered", _("Lowered (¥)")),
            ("net", _("Net change (¥)")),
            ("paid", _("Paid (¥)")),
            ("recovered", _("Recovered (¥)")),
        ],
        drill=_drill("reserve_movements", f),
        sample=sum(int(r["movements"]) for r in rows),
    )


def _closed_claims(f: Filters) -> QuerySet[Claim]:
    return Claim.objects.filter(
        case__in=closed_in_period(f.with_kind("claim")),
        pk__in=ReserveMovement.objects.values("claim_id"),
    )


def _drill_closure(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    qs = _closed_claims(f)
    if line := params.get("line"):
        qs = qs.filter(loss_type=line)
    return Case.objects.filter(pk__in=qs.values("pk"))


@register("reserve_at_closure", _drill_closure)
def metric_reserve_at_closure(f: Filters) -> Metric:
    """Claims closed in the period: the first and the highest reserve against what was paid
    (net of recoveries), by line."""
    first = (
        ReserveMovement.objects.filter(claim=OuterRef("pk"), step=ReserveStep.REGISTERED)
        .order_by("at", "id")
        .values("amount")[:1]
    )
    per_claim = (
        _closed_claims(f)
        .annotate(
            first=Subquery(first),
            highest=Max("reserve_movements__amount"),
            paid=Sum("reserve_movements__paid"),
            recovered=Sum("reserve_movements__recovered"),
        )
        .values("loss_type", "first", "highest", "paid", "recovered")
    )
    lines: dict[str, dict[str, Any]] = {}
    for c in per_claim:
        row = lines.setdefault(
            c["loss_type"],
            {"claims": 0, "first": ZERO, "highest": ZERO, "paid": ZERO, "recovered": ZERO},
        )
        row["claims"] += 1
        row["first"] += _yuan(c["first"])
        row["highest"] += _yuan(c["highest"])
        row["paid"] += _yuan(c["paid"])
        row["recovered"] += _yuan(c["recovered"])
    rows: list[dict[str, Any]] = [
        {
            "line": _line(line),
            **v,
            "net": Decimal(v["paid"]) - Decimal(v["recovered"]),
            "ratio": rules.ratio_percent(Decimal(v["paid"]), Decimal(v["first"])),
            "drill": {"line": line},
        }
        for line, v in sorted(lines.items())
    ]
    paid = sum((Decimal(r["paid"]) for r in rows), ZERO)
    reserved = sum((Decimal(r["first"]) for r in rows), ZERO)
    return Metric(
        code="reserve_at_closure",
        label=_("Paid against reserved at closure"),
        definition=_(
            "Claims closed in the period: the reserve set at registration and the highest "
            "reserve, against what was paid and recovered; paid ÷ first reserve per line."
        ),
        value=rules.ratio_percent(paid, reserved),
        unit="%",
        rows=rows,
        columns=[
            ("line", _("Line of business")),
            ("claims", _("Claims")),
            ("first", _("First reserve (¥)")),
            ("highest", _("Highest reserve (¥)")),
            ("paid", _("Paid (¥)")),
            ("recovered", _("Recovered (¥)")),
            ("net", _("Net cost (¥)")),
            ("ratio", _("Paid ÷ first reserve (%)")),
        ],
        drill=_drill("reserve_at_closure", f),
        sample=sum(int(r["claims"]) for r in rows),
    )


def _recoveries(f: Filters) -> QuerySet[Recovery]:
    return Recovery.objects.filter(claim__case__in=f.with_kind("claim").scope()).filter(
        f.in_period("opened_at")
    )


def _drill_recovery(f: Filters, params: Mapping[str, str]) -> QuerySet[Case]:
    qs = _recoveries(f)
    if kind := params.get("recovery_kind"):
        qs = qs.filter(kind=kind)
    return Case.objects.filter(pk__in=qs.values("claim_id"))


@register("recovery_rate", _drill_recovery)
def metric_recovery_rate(f: Filters) -> Metric:
    """Recoveries opened in the period: expected against received, by kind and line."""
    rows_q = (
        _recoveries(f)
        .values("kind", "claim__loss_type")
        .annotate(expected=Sum("expected_amount"), n=Count("pk"))
        .order_by("kind", "claim__loss_type")
    )
    received = {
        (r["kind"], r["claim__loss_type"]): _yuan(r["got"])
        for r in _recoveries(f)
        .values("kind", "claim__loss_type")
        .annotate(got=Sum("receipts__amount"))
        .order_by()
    }
    rows: list[dict[str, Any]] = []
    for r in rows_q:
        key = (r["kind"], r["claim__loss_type"])
        got = received.get(key, ZERO)
        rows.append(
            {
                "kind": str(RecoveryKind(r["kind"]).label),
                "line": _line(r["claim__loss_type"]),
                "recoveries": r["n"],
                "expected": _yuan(r["expected"]),
                "received": got,
                "rate": rules.ratio_percent(got, _yuan(r["expected"])),
                "drill": {"recovery_kind": r["kind"]},
            }
        )
    expected = sum((r["expected"] for r in rows), ZERO)
    got_all = sum((r["received"] for r in rows), ZERO)
    return Metric(
        code="recovery_rate",
        label=_("Recovery rate"),
        definition=_(
            "Recoveries (subrogation, salvage) opened in the period: amounts received ÷ "
            "amounts expected, by kind and line."
        ),
        value=rules.ratio_percent(got_all, expected),
        unit="%",
        rows=rows,
        columns=[
            ("kind", _("Kind")),
            ("line", _("Line of business")),
            ("recoveries", _("Recoveries")),
            ("expected", _("Expected (¥)")),
            ("received", _("Received so far")),
            ("rate", _("Recovery rate (%)")),
        ],
        drill=_drill("recovery_rate", f),
        sample=sum(int(r["recoveries"]) for r in rows),
    )
