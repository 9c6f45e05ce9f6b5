"""What happened to a case, published for readers that the publisher must not call itself.

The kernel publishes typed events (``CaseTransitioned``) and domain apps publish their own
(``claims.events``); readers such as analytics, notices or payments subscribe in their app's
``ready`` instead of being imported by the publisher. Handlers run in the publishing
transaction, by their ``order`` (then as they subscribed), so what they write commits or rolls back with the
step.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from claimdesk.cases.workflow import Transition


@dataclass(frozen=True)
class CaseTransitioned:
    """A step of a case's workflow was written (the case as it is after the step)."""

    case: Any
    transition: Transition
    data: Mapping[str, Any]
    actor: Any
    now: datetime


E = TypeVar("E")
_Entry = tuple[int, Callable[[Any], None], frozenset[str] | None]
_HANDLERS: dict[type, list[_Entry]] = defaultdict(list)


def subscribe(
    event_type: type[E],
    handler: Callable[[E], None],
    *,
    kinds: Collection[str] | None = None,
    order: int = 0,
) -> None:
    """Call ``handler`` with every ``event_type`` published (of cases of ``kinds`` only).

    Handlers run by ``order``, then in the order they subscribed: where what one writes must
    come before another's (a decision's letter before its hand-over to finance), say so.
    """
    entry = (order, handler, frozenset(kinds) if kinds is not None else None)
    handlers = _HANDLERS[event_type]
    if entry not in handlers:
        handlers.append(entry)
        handlers.sort(key=lambda e: e[0])  # stable: equal orders keep subscription order


def publish(event: Any) -> None:
    """Hand ``event`` (any of the typed events, each with its ``case``) to its subscribers."""
    kind = event.case.kind
    for _order, handler, kinds in _HANDLERS[type(event)]:
        if kinds is None or kind in kinds:
            handler(event)
