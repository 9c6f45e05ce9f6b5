"""The filters every analytics figure takes: a period, and optionally branch, product, team.

One frozen value so the dashboard, the drill-down, the exports and the white paper agree on
what "Q3, branch 上海, product auto-basic" means. Periods are inclusive local dates
(Asia/Shanghai); ``bounds()`` turns them into the aware half-open interval the queries use.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from claimdesk.cases.models import Case
from claimdesk.workdays.clocks import local_midnight

QUARTER = re.compile(r"^(\d{4})[-_ ]?[Qq]([1-4])$")
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
YEAR = re.compile(r"^(\d{4})$")
KINDS = ("claim", "ticket")


class FilterError(ValueError):
    """A period or date the user typed that means nothing; views answer 400 with it."""


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    first_month = 3 * (quarter - 1) + 1
    last_month = first_month + 2
    return date(year, first_month, 1), date(year, last_month, monthrange(year, last_month)[1])


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, monthrange(year, month)[1])


YEARS = (1900, 9998)


def parse_period(text: str) -> tuple[date, date]:
    """``2026Q3`` → 1 Jul–30 Sep 2026; ``2026-09`` → September; ``2026`` → the year."""
    try:
        return _period(text.strip())
    except ValueError as exc:  # e.g. year 0
        if isinstance(exc, FilterError):
            raise
        raise FilterError(_("Unknown period: %(period)s") % {"period": text}) from exc


def _period(text: str) -> tuple[date, date]:
    if m := QUARTER.match(text):
        return quarter_bounds(int(m[1]), int(m[2]))
    if m := MONTH.match(text):
        if not 1 <= int(m[2]) <= 12:
            raise FilterError(_("Unknown period: %(period)s") % {"period": text})
        return month_bounds(int(m[1]), int(m[2]))
    if m := YEAR.match(text):
        return date(int(m[1]), 1, 1), date(int(m[1]), 12, 31)
    raise FilterError(
        _("Unknown period: %(period)s (use 2026Q3, 2026-09 or start/end dates)") % {"period": text}
    )


def _parse_date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise FilterError(
            _("%(name)s is not a date (YYYY-MM-DD): %(value)s") % {"name": name, "value": text}
        ) from exc


@dataclass(frozen=True)
class Filters:
    """Which cases a figure is about.

    ``start``/``end`` are inclusive local dates. ``branch`` and ``team`` are the case owner's
    ``StaffProfile.branch``/``team``; ``product`` is the policy product code (for tickets: the
    product of the claim the ticket is about). ``kind`` is the case kind (claim or ticket);
    metrics that are about one kind by nature (complaints are tickets, payout ratio claims)
    use ``with_kind`` and ignore it.
    """

    start: date
    end: date
    branch: str = ""
    product: str = ""
    team: str = ""
    kind: str = "claim"

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise FilterError(_("The period ends before it starts."))
        # Room for the month before and the day after (trends, bounds) inside date's range.
        if not (YEARS[0] <= self.start.year and self.end.year <= YEARS[1]):
            raise FilterError(
                _("Periods lie between the years %(first)s and %(last)s.")
                % {"first": YEARS[0], "last": YEARS[1]}
            )

    # -- the interval -------------------------------------------------------------------------

    def bounds(self) -> tuple[datetime, datetime]:
        """Aware ``[from, to)``: local midnight of ``start`` to local midnight after ``end``."""
        return local_midnight(self.start), local_midnight(self.end + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self) -> str:
        """``2026Q3``, ``2026-09`` or ``2026-07-01 – 2026-07-20``: the period as people say it."""
        for q in range(1, 5):
            if (self.start, self.end) == quarter_bounds(self.start.year, q):
                return f"{self.start.year}Q{q}"
        if (self.start, self.end) == month_bounds(self.start.year, self.start.month):
            return f"{self.start:%Y-%m}"
        return f"{self.start.isoformat()} – {self.end.isoformat()}"

    # -- populations --------------------------------------------------------------------------

    def with_kind(self, kind: str) -> Filters:
        return self if kind == self.kind else replace(self, kind=kind)

    def previous(self) -> Filters:
        """The period of the same length just before (for trends and comparisons)."""
        length = timedelta(days=self.days)
        return replace(self, start=self.start - length, end=self.start - timedelta(days=1))

    def scope(self) -> QuerySet[Case]:
        """Cases of ``kind`` matching branch/product/team, whatever their dates.

        Metrics that anchor on another moment than opening (closed in the period, decided in
        the period, open now) start from here and add their own date condition.
        """
        qs = Case.objects.filter(kind=self.kind)
        if self.branch:
            qs = qs.filter(owner__staff_profile__branch=self.branch)
        if self.team:
            qs = qs.filter(owner__staff_profile__team=self.team)
        if self.product:
            if self.kind == "ticket":
                qs = qs.filter(ticket__claim__policy__product__code=self.product)
            else:
                qs = qs.filter(claim__policy__product__code=self.product)
        return qs

    def in_period(self, field: str) -> Q:
        """``field`` (a datetime lookup path) falls inside the period."""
        lo, hi = self.bounds()
        return Q(**{f"{field}__gte": lo, f"{field}__lt": hi})

    def cases(self) -> QuerySet[Case]:
        """The population most figures count: cases of ``kind`` *opened* in the period."""
        return self.scope().filter(self.in_period("opened_at"))

    # -- query strings ------------------------------------------------------------------------

    def to_query(self) -> dict[str, str]:
        """The query parameters that rebuild these filters (links, drill-down, exports)."""
        params = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        for name in ("branch", "product", "team"):
            if value := getattr(self, name):
                params[name] = value
        if self.kind != "claim":
            params["kind"] = self.kind
        return params

    @classmethod
    def from_query(cls, params: Mapping[str, str], today: date) -> Filters:
        """``?period=2026Q3`` / ``?period=2026-09`` / ``?start=…&end=…``, plus branch, product,
        team, kind. Without a period: the current quarter up to ``today``.

        Raises ``FilterError`` (a ``ValueError``) with a message for the user on bad input.
        """
        period = (params.get("period") or "").strip()
        start_text = (params.get("start") or "").strip()
        end_text = (params.get("end") or "").strip()
        if period:
            start, end = parse_period(period)
        elif start_text or end_text:
            given = _parse_date(start_text, "start") if start_text else None
            end = _parse_date(end_text, "end") if end_text else today
            start = given or quarter_bounds(end.year, (end.month - 1) // 3 + 1)[0]
        else:
            start = quarter_bounds(today.year, (today.month - 1) // 3 + 1)[0]
            end = today
        kind = (params.get("kind") or "claim").strip()
        if kind not in KINDS:
            raise FilterError(_("Unknown case kind: %(kind)s") % {"kind": kind})
        return cls(
            start=start,
            end=end,
            branch=(params.get("branch") or "").strip(),
            product=(params.get("product") or "").strip(),
            team=(params.get("team") or "").strip(),
            kind=kind,
        )
