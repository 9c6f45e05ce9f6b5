"""What a kind of case declares, and the registry the kernel reads it from.

The kernel knows no kind of case. Each domain app declares its workflow in one module
(``claims/workflow.py``, ``service/workflow.py``, ``servicing/workflow.py``, ``underwriting/workflow.py``): a state enum,
the transition table with each row's guard and clocks, the checks and effects that run on
every step, and the SLA rules its clocks name. The app registers it at start-up
(``AppConfig.ready``); ``case_open`` and ``case_transition`` apply whatever is registered.
Pure Python, no ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from claimdesk.workdays.clocks import Unit

# A guard returns None when the transition may go ahead, else the reason it may not. It sees
# the locked case and the action's data, and never changes either.
Guard = Callable[[Any, Mapping[str, Any]], str | None]
# A clock is named by its rule code, or chosen from the case and the action's data.
ClockSpec = str | Callable[[Any, Mapping[str, Any]], str | None]
# A check runs on every step of its kind: (case, transition, data) -> reason to refuse or None.
Check = Callable[[Any, "Transition", Mapping[str, Any]], str | None]
# An effect runs after a step is written, in its transaction:
# ``effect(case=, transition=, data=, actor=, now=)``.
Effect = Callable[..., None]


def requires(*fields: str) -> Guard:
    """Guard: the action's data must carry non-empty values for ``fields``."""

    def guard(case: Any, data: Mapping[str, Any]) -> str | None:
        missing = [f for f in fields if not str(data.get(f) or "").strip()]
        return _("missing: %(fields)s") % {"fields": ", ".join(missing)} if missing else None

    return guard


@dataclass(frozen=True)
class Transition:
    """In ``source``, ``action`` leads to ``target`` for someone holding ``permission``, if
    ``guard`` finds nothing wrong; and the SLA clocks it starts, stops, pauses and resumes."""

    source: str
    action: str
    target: str
    permission: str
    label: Any
    guard: Guard | None = None
    starts: tuple[ClockSpec, ...] = ()
    stops: tuple[str, ...] = ()
    # Clocks whose commitment no longer applies (e.g. payment on a rejected claim): they
    # end as "cancelled", counted neither met nor breached.
    cancels: tuple[str, ...] = ()
    pauses: tuple[str, ...] = ()
    resumes: tuple[str, ...] = ()
    # (running clock, extension rule): the running clock gives way to the extension's,
    # counted from the end of the period it extends (the actor approves it, ``reason`` why).
    extends: tuple[tuple[str, str], ...] = ()
    stop_all: bool = False
    customer_visible: bool = True


# Where a seeded rule escalates, as a percentage of its allowed time.
STATUTORY_ESCALATION_PERCENT = 90
DEFAULT_ESCALATION_PERCENT = 125


@dataclass(frozen=True)
class SlaDefault:
    """A commitment a kind's clocks name by ``code``, as first seeded; admins tune it later.
    ``name`` is translatable: the rule is stored with its name in the product's first
    language and read in the reader's (``sla_label``)."""

    code: str
    name: Any  # str or a lazy translation
    unit: Unit
    amount: Decimal
    basis: str
    # A period the law sets: escalated before it falls due and, counted in calendar days,
    # subject to the period-end rule (民法典 §203).
    statutory: bool = False

    @property
    def escalation_percent(self) -> int:
        """A statutory clock escalates before its due time; others a quarter over it."""
        return STATUTORY_ESCALATION_PERCENT if self.statutory else DEFAULT_ESCALATION_PERCENT


@dataclass(frozen=True)
class Workflow:
    kind: str
    label: Any
    number_prefix: str
    states: type[TextChoices]
    initial: str
    final: frozenset[str]
    transitions: tuple[Transition, ...]
    # Clocks started when a case of this kind is opened (per category where it matters).
    opening_clocks: tuple[ClockSpec, ...] = ()
    # Domain rules every step of this kind must pass, and what it does after each step.
    checks: tuple[Check, ...] = ()
    effects: tuple[Effect, ...] = ()
    sla_rules: tuple[SlaDefault, ...] = ()
    _index: dict[tuple[str, str], Transition] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        for t in self.transitions:
            if t.source not in self.states.values or t.target not in self.states.values:
                raise ValueError(f"{self.kind}: unknown state in {t}")
            key = (t.source, t.action)
            if key in self._index:
                raise ValueError(f"{self.kind}: two rows for {key}")
            self._index[key] = t
        if self.initial not in self.states.values or not self.final <= set(self.states.values):
            raise ValueError(f"{self.kind}: initial or final state not among its states")

    def find(self, state: str, action: str) -> Transition | None:
        return self._index.get((state, action))

    def available(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if t.source == state]

    def state_label(self, state: str) -> str:
        """The readable name of a state code (the code itself when unknown)."""
        try:
            return str(self.states(state).label)
        except ValueError:
            return state

    def state_codes(self) -> list[str]:
        """Every state, in the order the kind declares them (its process order)."""
        return list(self.states.values)

    def action_label(self, action: str) -> str:
        """The readable name of an action code (the code itself when unknown)."""
        return next((str(t.label) for t in self.transitions if t.action == action), action)


def withdrawals(
    states: type[TextChoices], final: frozenset[str], permission: str, target: str = "withdrawn"
) -> tuple[Transition, ...]:
    """A ``withdraw`` row from every state not in ``final``: it stops every clock."""
    return tuple(
        Transition(
            s,
            "withdraw",
            target,
            permission,
            _("Withdraw"),
            guard=requires("reason"),
            stop_all=True,
        )
        for s in states.values
        if s not in final
    )


def resolve_clocks(specs: tuple[ClockSpec, ...], case: Any, data: Mapping[str, Any]) -> list[str]:
    """Rule codes named by ``specs`` for this case and action (choosers may name none)."""
    codes = []
    for spec in specs:
        code = spec if isinstance(spec, str) else spec(case, data)
        if code:
            codes.append(code)
    return codes


# --- the registry ---------------------------------------------------------------------------

_REGISTRY: dict[str, Workflow] = {}


def register(wf: Workflow) -> None:
    """Make a kind known to the kernel (from its app's ``ready``). Registering the same
    workflow twice is harmless; two different ones for a kind or a number prefix is a bug."""
    known = _REGISTRY.get(wf.kind)
    if known is not None and known is not wf:
        raise ValueError(f"kind {wf.kind!r} is registered twice")
    clash = [w.kind for w in _REGISTRY.values() if w.number_prefix == wf.number_prefix]
    if clash and clash != [wf.kind]:
        raise ValueError(f"number prefix {wf.number_prefix!r} is used by {clash[0]!r}")
    _REGISTRY[wf.kind] = wf


def workflow(kind: str) -> Workflow:
    try:
        return _REGISTRY[str(kind)]
    except KeyError:
        raise LookupError(f"no workflow is registered for kind {kind!r}") from None


def workflows() -> Iterator[Workflow]:
    return iter(list(_REGISTRY.values()))


def kind_choices() -> list[tuple[str, str]]:
    """``Case.kind`` choices: the kinds registered, with their names."""
    return [(wf.kind, str(wf.label)) for wf in _REGISTRY.values()]


def sla_seed_name(rule: SlaDefault) -> str:
    """A default rule's name as stored: in the product's first language."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return str(rule.name)


def sla_label(code: str, stored_name: str) -> str:
    """An SLA rule's name in the active language: a seeded rule's translated name, unless an
    admin has renamed it (then their name, as they wrote it)."""
    for rule in sla_defaults():
        if rule.code == code and stored_name == sla_seed_name(rule):
            return str(rule.name)
    return stored_name


def sla_defaults() -> list[SlaDefault]:
    """Every registered kind's default SLA rules (a code shared by two kinds is one rule)."""
    seen: dict[str, SlaDefault] = {}
    for wf in _REGISTRY.values():
        for rule in wf.sla_rules:
            seen.setdefault(rule.code, rule)
    return list(seen.values())
