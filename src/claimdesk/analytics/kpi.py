"""KPIs against the targets an admin sets: the one place a figure gets its colour.

The targets are ``KpiTarget`` rows (Django admin); a KPI without a row keeps its default of
``rules.DEFAULT_KPI_RULES`` (so a flushed test database or a fresh install still colours), and
an inactive row switches the colour off. ``assess`` applies ``rules.kpi_status`` to a metric:
the dashboard, the white paper and their tests all go through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from claimdesk.analytics import charts
from claimdesk.analytics.metrics import Metric
from claimdesk.analytics.models import KpiTarget
from claimdesk.analytics.rules import (
    DEFAULT_KPI_RULES,
    KPI_STATUS_LABELS,
    Direction,
    KpiRule,
    KpiStatus,
    kpi_status,
)
from claimdesk.cache import ReferenceCache


def _load() -> dict[str, KpiRule | None]:
    rules: dict[str, KpiRule | None] = {r.code: r for r in DEFAULT_KPI_RULES}
    for row in KpiTarget.objects.all():
        rules[row.code] = (
            KpiRule(
                code=row.code,
                target=row.target,
                direction=row.direction,
                min_sample=row.min_sample,
                warning=row.warning,
                basis=row.basis,
            )
            if row.active
            else None
        )
    return rules


_targets = ReferenceCache(_load, KpiTarget)


def kpi_rule(code: str) -> KpiRule | None:
    """The target of KPI ``code`` as the admin left it; None: no target (not coloured)."""
    return _targets.get().get(code)


@dataclass(frozen=True)
class Assessment:
    """A figure judged against its target, as pages print it."""

    code: str
    status: str  # a ``rules.KpiStatus`` code
    sample: int | None
    rule: KpiRule | None
    unit: str = ""

    @property
    def label(self) -> str:
        return str(KPI_STATUS_LABELS[self.status])

    @property
    def judged(self) -> bool:
        """Whether the figure says something (not too few, not empty)."""
        return self.status not in (KpiStatus.TOO_FEW, KpiStatus.NO_DATA)

    @property
    def target_text(self) -> str:
        """``目标 ≥ 95%`` / ``target ≤ 20‱``; empty without a target."""
        if self.rule is None:
            return ""
        sign = "≥" if self.rule.direction == Direction.HIGHER else "≤"
        return _("target %(sign)s %(value)s") % {"sign": sign, "value": self._with_unit()}

    def _with_unit(self) -> str:
        assert self.rule is not None
        number = charts.number_text(_plain(self.rule.target))
        if self.unit in ("%", "‱", "/5"):
            return f"{number}{self.unit}"
        words = {"days": _("days"), "h": _("h"), "pts": _("pts")}
        return f"{number} {words[self.unit]}" if self.unit in words else number

    @property
    def sample_text(self) -> str:
        """``n = 12`` and, when too few, the minimum it needs."""
        if self.sample is None:
            return ""
        if self.status == KpiStatus.TOO_FEW and self.rule is not None:
            return _("n = %(n)d (at least %(min)d needed)") % {
                "n": self.sample,
                "min": self.rule.min_sample,
            }
        return _("n = %(n)d") % {"n": self.sample}


def _plain(value: Decimal) -> Decimal:
    """95.00 → 95, 4.50 → 4.5: targets are printed as people write them."""
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


def assess(metric: Metric) -> Assessment:
    rule = kpi_rule(metric.code)
    return Assessment(
        code=metric.code,
        status=kpi_status(metric.value, metric.sample, rule),
        sample=metric.sample,
        rule=rule,
        unit=metric.unit,
    )
