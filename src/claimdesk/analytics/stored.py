"""Stage percentiles of periods that are over, stored (``StoredFigure``) and forgotten on change.

The stage figures (cycle time per stage and type, the bottleneck, opening-to-closing totals)
are exact percentiles: the database has to sort every stay of the cases closed in the period,
about a million rows a quarter at a million claims. Once a period is over, the cases closed
in it do not gain stays (the kernel writes events at *now*), so the result is stored the first
time it is computed after the end and read back afterwards. The figure then says when it was
computed (``Metric.computed_at``, shown on the page), and ``live()`` (the bench; a manager who
wants to check) computes it from the rows again without reading or writing the store.

Forgotten (deleted, so the next request computes it afresh) when something could change it:

- the summaries of a case are re-derived (every step, the backfill, a claim's product or type
  changing: ``summaries``): the periods containing the case's closing day, before and after;
- a case changes owner: the same periods (the team / branch filters follow the owner);
- a member of staff changes team or branch: every stored result with a team or branch filter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from claimdesk.workdays.clocks import SHANGHAI

T = TypeVar("T")  # what compute() gives: JSON, read back from the store as it was written

_LIVE: ContextVar[bool] = ContextVar("analytics_live", default=False)


@contextmanager
def live() -> Iterator[None]:
    """Inside the block, figures are computed from the rows: the store is neither read nor
    written."""
    token = _LIVE.set(True)
    try:
        yield
    finally:
        _LIVE.reset(token)


def _identity(code: str, f) -> dict:
    return {
        "code": code,
        "kind": f.kind,
        "start": f.start,
        "end": f.end,
        "branch": f.branch,
        "product": f.product,
        "team": f.team,
    }


def stored(code: str, f, compute: Callable[[], T]) -> tuple[T, datetime | None]:
    """``compute()`` for filters ``f``, read from / written to the store when the period is
    over: ``(result, computed_at)``; ``computed_at`` is None when computed now from the rows
    of a period still running (or inside ``live()``). ``result`` must be JSON."""
    from claimdesk.analytics.models import StoredFigure

    now = timezone.now()
    if _LIVE.get() or f.bounds()[1] > now:
        return compute(), None
    identity = _identity(code, f)
    got = StoredFigure.objects.filter(**identity).values_list("result", "computed_at").first()
    if got is not None:
        return got[0], got[1]
    result = compute()
    try:
        with transaction.atomic():
            StoredFigure.objects.create(**identity, computed_at=now, result=result)
    except IntegrityError:  # a parallel request stored it first: same rows, same result
        pass
    return result, now


def forget(kind: str, moments: Iterable[datetime | None]) -> None:
    """Forget the stored results of ``kind`` whose period contains one of ``moments``."""
    from claimdesk.analytics.models import StoredFigure

    days = {timezone.localtime(m, SHANGHAI).date() for m in moments if m is not None}
    if not days:
        return
    touched = Q()
    for day in days:
        touched |= Q(start__lte=day, end__gte=day)
    StoredFigure.objects.filter(kind=kind).filter(touched).delete()


def forget_cases(case_ids: Iterable[int] | None) -> None:
    """Forget what the closing days of ``case_ids`` (every case when None) are part of."""
    from claimdesk.analytics.models import CaseSummary, StoredFigure

    if case_ids is None:
        StoredFigure.objects.all().delete()
        return
    ids = list(case_ids)
    if not ids:
        return
    closed: dict[str, list[datetime]] = {}
    for kind, at in CaseSummary.objects.filter(
        case_id__in=ids, closed_at__isnull=False
    ).values_list("kind", "closed_at"):
        if at is not None:  # excluded by the filter; said again for the type checker
            closed.setdefault(kind, []).append(at)
    for kind, moments in closed.items():
        forget(kind, moments)


def forget_filtered() -> None:
    """Forget every stored result with a team or branch filter (someone moved)."""
    from claimdesk.analytics.models import StoredFigure

    StoredFigure.objects.exclude(team="", branch="").delete()
