"""Pure investigation rules: which path a claim takes (online, simplified, investigate,
standard), the red flags with their reasons, and where the text checks hit. No ORM, no I/O:
the selectors gather the facts, these functions decide."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from claimdesk.investigation.diseases import (
    Listed,
    Taxonomy,
    belongs_to,
    code_under,
    default_diseases,
)
from claimdesk.seeddata import seed_data


class Path(StrEnum):
    ONLINE = "online"  # small case, assessed online
    SIMPLIFIED = "simplified"  # a listed common critical illness
    INVESTIGATE = "investigate"  # at least one red flag
    STANDARD = "standard"


def path_label(path: str) -> str:
    labels: dict[str, str] = {
        Path.ONLINE: _("Online assessment (small case)"),
        Path.SIMPLIFIED: _("Simplified investigation (common critical illness)"),
        Path.INVESTIGATE: _("Investigation (red flags)"),
        Path.STANDARD: _("Standard assessment"),
    }
    return labels.get(path, path)


class FlagCode(StrEnum):
    EARLY_LOSS = "early_loss"
    NEAR_SUM_INSURED = "near_sum_insured"
    REPEATED_CLAIMS = "repeated_claims"
    DATE_MISMATCH = "date_mismatch"


# Loss types whose diagnosis may put a claim on the simplified path.
HEALTH_LOSS_TYPES = frozenset({"critical_illness", "medical"})

# Product lines that pay a fixed benefit (给付型): the sum insured is what a valid claim is
# for, so a claim at it is the normal case, not a sign of over-claiming.
FIXED_BENEFIT_LINES = frozenset({"critical_illness"})

# The common critical illnesses (data/critical_illnesses.json), seeded into CriticalIllness.
DEFAULT_CRITICAL_ILLNESSES: tuple[str, ...] = tuple(
    seed_data("claimdesk.investigation", "critical_illnesses.json")
)


@dataclass(frozen=True)
class Thresholds:
    """What the admin tuned (``InvestigationSettings``); the defaults are the SPEC's."""

    online_loss_types: frozenset[str] = frozenset({"auto"})
    online_limit: Decimal = Decimal("5000")
    early_loss_days: int = 30
    near_sum_percent: int = 90
    repeat_count: int = 3
    repeat_window_days: int = 90
    date_mismatch_days: int = 15


@dataclass(frozen=True)
class DatedSource:
    """A date a document states (confirmed by staff, else as OCR read it)."""

    source: str
    day: date


@dataclass(frozen=True)
class ClaimFacts:
    loss_type: str
    amount: Decimal | None
    policy_start: date
    loss_day: date
    remaining_sum_insured: Decimal | None = None
    recent_claims: int = 1  # claims on the same policy / insured in the window, this included
    diagnoses: tuple[str, ...] = ()
    document_dates: tuple[DatedSource, ...] = ()
    product_line: str = ""  # the product's line: a fixed-benefit line changes the sum check


@dataclass(frozen=True)
class RiskFlag:
    """A red flag: ``code`` for machines, ``reason`` (translated) for people."""

    code: str
    reason: str


@dataclass(frozen=True)
class Routing:
    path: Path
    flags: tuple[RiskFlag, ...] = ()
    illness: str = ""  # the listed illness that chose the simplified path


def _yuan(amount: Decimal) -> str:
    return f"¥{amount.quantize(Decimal('0.01'), ROUND_HALF_UP):,}"


def risk_flags(facts: ClaimFacts, t: Thresholds) -> list[RiskFlag]:
    """Every red flag of the claim, each with the reason a person reads."""
    flags: list[RiskFlag] = []
    days = (facts.loss_day - facts.policy_start).days
    if 0 <= days < t.early_loss_days:
        flags.append(
            RiskFlag(
                FlagCode.EARLY_LOSS.value,
                _("Loss only %(days)s days after the policy started (threshold %(limit)s days)")
                % {"days": days, "limit": t.early_loss_days},
            )
        )
    remaining = facts.remaining_sum_insured
    if facts.amount is not None and facts.amount > 0 and remaining is not None:
        limit = remaining * t.near_sum_percent / 100
        if facts.product_line in FIXED_BENEFIT_LINES:
            # The benefit is the sum insured: only more than what is left is suspicious.
            near = facts.amount > remaining
        else:
            near = facts.amount >= limit
        if near:
            share = (
                (facts.amount * 100 / remaining).quantize(Decimal("1"), ROUND_HALF_UP)
                if remaining > 0
                else None
            )
            flags.append(
                RiskFlag(
                    FlagCode.NEAR_SUM_INSURED.value,
                    _(
                        "Amount %(amount)s is %(share)s%% of the remaining sum insured "
                        "%(remaining)s (threshold %(limit)s%%)"
                    )
                    % {
                        "amount": _yuan(facts.amount),
                        "share": share if share is not None else "∞",
                        "remaining": _yuan(remaining),
                        "limit": t.near_sum_percent,
                    },
                )
            )
    if facts.recent_claims >= t.repeat_count:
        flags.append(
            RiskFlag(
                FlagCode.REPEATED_CLAIMS.value,
                _("%(n)s claims within %(days)s days (threshold %(limit)s)")
                % {"n": facts.recent_claims, "days": t.repeat_window_days, "limit": t.repeat_count},
            )
        )
    for dated in facts.document_dates:
        gap = abs((dated.day - facts.loss_day).days)
        if gap > t.date_mismatch_days:
            flags.append(
                RiskFlag(
                    FlagCode.DATE_MISMATCH.value,
                    _(
                        "%(source)s states %(day)s, %(gap)s days from the reported loss date "
                        "%(loss)s (threshold %(limit)s days)"
                    )
                    % {
                        "source": dated.source,
                        "day": dated.day.isoformat(),
                        "gap": gap,
                        "loss": facts.loss_day.isoformat(),
                        "limit": t.date_mismatch_days,
                    },
                )
            )
    return flags


def default_listed_illnesses() -> tuple[Listed, ...]:
    """The shipped simplified-path list as codes (each name's code in the taxonomy)."""
    by_name = {d.name: d.code for d in default_diseases()}
    return tuple(Listed(by_name.get(n, ""), n) for n in DEFAULT_CRITICAL_ILLNESSES)


def listed_illness(
    diagnoses: Iterable[str], illnesses: Iterable[Listed], taxonomy: Taxonomy
) -> str:
    """The listed illness a diagnosis belongs to (its code, or a subtype's, lies under the
    listed code; the narrowest listed one wins), else ''."""
    found = belongs_to(taxonomy.codes_in(d for d in diagnoses if d), illnesses)
    return found.name if found else ""


def route(
    facts: ClaimFacts, t: Thresholds, illnesses: Sequence[Listed], taxonomy: Taxonomy
) -> Routing:
    """The path: any red flag → investigate; a small case of an online line → online; a
    listed critical illness → simplified; else standard."""
    flags = tuple(risk_flags(facts, t))
    if flags:
        return Routing(Path.INVESTIGATE, flags)
    if (
        facts.loss_type in t.online_loss_types
        and facts.amount is not None
        and facts.amount < t.online_limit
    ):
        return Routing(Path.ONLINE)
    if facts.loss_type in HEALTH_LOSS_TYPES:
        illness = listed_illness(facts.diagnoses, illnesses, taxonomy)
        if illness:
            return Routing(Path.SIMPLIFIED, illness=illness)
    return Routing(Path.STANDARD)


# --- text checks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TermSpec:
    term: str
    kind: str  # "pre_existing" or "exclusion"
    key: object = None  # the caller's handle (e.g. the ExclusionTerm id)
    codes: tuple[str, ...] = ()  # ICD-10 codes / ranges: a diagnosis under one is a hit


@dataclass(frozen=True)
class Hit:
    term: str
    kind: str
    start: int
    end: int
    key: object = None
    detail: str = ""


PRE_EXISTING = "pre_existing"
EXCLUSION = "exclusion"

# Words that deny what follows in the same clause: 否认既往病史, 无高血压病史, 未见复发.
_NEGATIONS = ("否认", "无", "未", "没有", "排除")
_CLAUSE_END = re.compile(r"[。；;！!？?\n,，]")
_NEGATION_REACH = 6


def normalise(text: str) -> str:
    """NFKC, as the document rules do (full-width digits and punctuation)."""
    return unicodedata.normalize("NFKC", text or "")


def negated(text: str, start: int) -> bool:
    """Whether a negation word stands shortly before ``start`` in the same clause."""
    before = text[max(0, start - _NEGATION_REACH) : start]
    cut = list(_CLAUSE_END.finditer(before))
    if cut:
        before = before[cut[-1].end() :]
    return any(word in before for word in _NEGATIONS)


def term_hits(text: str, terms: Iterable[TermSpec], spans: Iterable[tuple[int, int]]) -> list[Hit]:
    """Where each term stands in ``text`` on token boundaries (``spans`` are the tokens'
    (start, end)), unless negated. A term matched inside a longer word is no hit."""
    starts, ends = set(), set()
    for s, e in spans:
        starts.add(s)
        ends.add(e)
    hits: list[Hit] = []
    for spec in terms:
        if not spec.term:
            continue
        pos = text.find(spec.term)
        while pos >= 0:
            end = pos + len(spec.term)
            if pos in starts and end in ends and not negated(text, pos):
                hits.append(Hit(spec.term, spec.kind, pos, end, spec.key))
            pos = text.find(spec.term, pos + 1)
    return sorted(hits, key=lambda h: (h.start, h.term))


def code_hits(text: str, terms: Iterable[TermSpec], taxonomy: Taxonomy) -> list[Hit]:
    """Where the text names a disease under a term's codes (by any name or synonym, subtypes
    included, not denied): 获得性免疫缺陷综合征 hits the term 艾滋病 (B20-B24)."""
    coded = [spec for spec in terms if spec.codes]
    if not coded:
        return []
    hits: list[Hit] = []
    for mention in taxonomy.mentions(text):
        for spec in coded:
            if any(code_under(mention.code, c) for c in spec.codes):
                hits.append(
                    Hit(
                        spec.term,
                        spec.kind,
                        mention.start,
                        mention.end,
                        spec.key,
                        detail=_("%(said)s: %(name)s (ICD-10 %(code)s)")
                        % {"said": mention.said, "name": mention.name, "code": mention.code},
                    )
                )
    return sorted(hits, key=lambda h: (h.start, h.term))


_DATE = re.compile(
    r"(?<!\d)(\d{4})\s*(?:年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?|[-/.](\d{1,2})[-/.](\d{1,2}))"
)
_DIAGNOSIS_WORDS = ("确诊", "诊断", "患", "发现", "就诊", "病史", "手术", "住院", "发病")
_SENTENCE_END = re.compile(r"[。；;！!？?\n]")
_EARLIER_DIAGNOSIS = re.compile(r"曾于[^。；;\n]{0,20}?(?:确诊|诊断|患|手术|住院)")


def _dates_with_positions(text: str) -> Iterable[tuple[int, int, date]]:
    for m in _DATE.finditer(text):
        y, mo, d, mo2, d2 = m.groups()
        try:
            day = date(int(y), int(mo or mo2), int(d or d2 or 1))
        except ValueError:
            continue
        yield m.start(), m.end(), day


def _sentence(text: str, start: int, end: int) -> str:
    left = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    right = _SENTENCE_END.search(text, end)
    return text[left : right.start() if right else len(text)]


def earlier_diagnoses(text: str, policy_start: date) -> list[Hit]:
    """Pre-existing-condition hints from dates: a diagnosis (or treatment) dated before the
    policy started, and "曾于…确诊"-style mentions of an earlier diagnosis."""
    hits: list[Hit] = []
    for start, end, day in _dates_with_positions(text):
        if day >= policy_start:
            continue
        sentence = _sentence(text, start, end)
        if any(word in sentence for word in _DIAGNOSIS_WORDS):
            hits.append(
                Hit(
                    text[start:end],
                    PRE_EXISTING,
                    start,
                    end,
                    detail=_(
                        "Diagnosis or treatment dated %(day)s, before the policy start %(start)s"
                    )
                    % {"day": day.isoformat(), "start": policy_start.isoformat()},
                )
            )
    for m in _EARLIER_DIAGNOSIS.finditer(text):
        if not negated(text, m.start()):
            hits.append(
                Hit(
                    m.group(0),
                    PRE_EXISTING,
                    m.start(),
                    m.end(),
                    detail=_("Mentions an earlier diagnosis"),
                )
            )
    return sorted(hits, key=lambda h: (h.start, h.term))


def snippet(text: str, start: int, end: int, reach: int = 15) -> str:
    """The hit with some context either side, on one line."""
    left, right = max(0, start - reach), min(len(text), end + reach)
    body = text[left:right].replace("\n", " ")
    return ("…" if left else "") + body + ("…" if right < len(text) else "")


# --- surveys and appraisal ----------------------------------------------------------------

_ADMIN_SUFFIXES = ("特别行政区", "自治区", "自治州", "省", "市", "区", "县")


def region_key(region: str) -> str:
    """``上海市`` → ``上海``; ``浙江省`` → ``浙江``: the part an address spells the same way."""
    key = normalise(region).strip()
    for suffix in _ADMIN_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            return key[: -len(suffix)]
    return key


def region_matches(region: str, *places: str) -> bool:
    """Whether a staff region (a province or city) is where one of the ``places`` lies."""
    key = region_key(region)
    return bool(key) and any(key in normalise(p) for p in places if p)


@dataclass(frozen=True)
class Candidate:
    user_id: int
    username: str
    in_region: bool
    load: int  # open survey tasks
    certified: bool


def pick_surveyor(candidates: Iterable[Candidate], *, need_certificate: bool) -> int | None:
    """The surveyor for a case: certified when the case needs it, then in the case's region,
    then the fewest open surveys, then by username (stable)."""
    pool = [c for c in candidates if c.certified or not need_certificate]
    if not pool:
        return None
    best = min(pool, key=lambda c: (not c.in_region, c.load, c.username))
    return best.user_id


APPRAISAL_RULE = gettext_noop(
    "Among the active institutions holding the required qualification, those in the "
    "claim's region come first (all regions when none is there); of them the one chosen "
    "least recently (never chosen first) is selected; ties go by name."
)


def appraisal_rule_text() -> str:
    return _(APPRAISAL_RULE)


@dataclass(frozen=True)
class Institution:
    key: object
    name: str
    in_region: bool
    last_selected: object  # a datetime or None


def pick_institution(institutions: Iterable[Institution]) -> object | None:
    """Rotation, as ``APPRAISAL_RULE`` publishes it."""
    pool = list(institutions)
    local = [i for i in pool if i.in_region]
    pool = local or pool
    if not pool:
        return None
    never = [i for i in pool if i.last_selected is None]
    if never:
        return min(never, key=lambda i: i.name).key
    return min(pool, key=lambda i: (i.last_selected, i.name)).key


# --- the surveyor's field report ---------------------------------------------------------------

MAX_LOSS_ITEMS = 30
MAX_FIELD_PHOTOS = 20


@dataclass(frozen=True)
class LossLine:
    """One line of the surveyor's loss list: what, how many, and what it costs in total."""

    description: str
    quantity: Decimal
    amount: Decimal


def loss_line_problems(line: LossLine) -> dict[str, str]:
    """What is wrong with one loss line, by field (empty when it is fine)."""
    problems: dict[str, str] = {}
    if not line.description.strip():
        problems["description"] = _("Name the damaged item.")
    if not line.quantity.is_finite() or line.quantity <= 0:
        problems["quantity"] = _("The quantity must be more than zero.")
    if not line.amount.is_finite() or line.amount < 0:
        problems["amount"] = _("The amount must be zero or more.")
    return problems


def loss_total(lines: Iterable[LossLine]) -> Decimal:
    """The assessed loss: the sum of the lines, to the fen."""
    total = sum((line.amount for line in lines), Decimal(0))
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _plain_number(value: Decimal) -> str:
    """2.00 → "2", 2.50 → "2.5" (never an exponent)."""
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


def loss_method_text(lines: Sequence[LossLine], note: str = "") -> str:
    """How the loss was computed, in the words the customer's written result shows: each
    line with its quantity and amount, the total, then the surveyor's note."""
    parts = [
        _("%(item)s × %(quantity)s: ¥%(amount)s")
        % {
            "item": line.description.strip(),
            "quantity": _plain_number(line.quantity),
            "amount": line.amount.quantize(Decimal("0.01")),
        }
        for line in lines
    ]
    text = "；".join(parts) + "；" + _("total ¥%(total)s") % {"total": loss_total(lines)}
    note = note.strip()
    return f"{text}。{note}" if note else text
