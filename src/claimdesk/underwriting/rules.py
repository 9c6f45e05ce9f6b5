"""Pure underwriting rules (核保规则): where an application goes, what a rated premium is, who
may sign a decision. No ORM, no I/O; the numbers are the defaults ``docs/underwriting.md``
explains.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from claimdesk.policies.rules import HEALTH_QUESTIONS as POLICY_HEALTH_QUESTIONS

FEN = Decimal("0.01")

# The health questionnaire (健康告知) is shared with reinstatements: it lives in policies.
HEALTH_QUESTIONS: Mapping[str, Promise] = POLICY_HEALTH_QUESTIONS

# Occupation classes 1–6 of the industry's occupation table (职业分类表); 1 office work,
# 6 the most hazardous. Above class 4 the risk needs a person's judgement.
OCCUPATION_CLASSES = range(1, 7)
MANUAL_OCCUPATION_FROM = 5

# Sum insured accepted without medical evidence (免体检额度), by the insured's age.
NO_EVIDENCE_LIMITS: Sequence[tuple[int, Decimal]] = (
    (40, Decimal("500000")),
    (50, Decimal("300000")),
    (200, Decimal("100000")),
)
# Decisions on a sum insured from this amount need a second signature (four eyes).
FOUR_EYES_FROM = Decimal("1000000")
# A rated acceptance adds between 1 % and 300 % to the standard premium.
MAX_EXTRA_PREMIUM_PERCENT = Decimal("300")


class Route(StrEnum):
    AUTOMATIC = "automatic"  # 自动核保: accepted at standard rates at once
    MANUAL = "manual"  # 人工核保
    QUERY = "query"  # 问题件: something must be asked of the applicant first


class QueryKind(StrEnum):
    MEDICAL_EXAM = "medical_exam"  # 体检
    QUESTIONS = "questions"  # 补充问卷 / 补充告知
    DOCUMENTS = "documents"  # 补充资料 (medical records, income proof)


class Outcome(StrEnum):
    ACCEPT = "accept"  # 标准体承保
    ACCEPT_RATED = "accept_rated"  # 加费承保
    ACCEPT_EXCLUSION = "accept_exclusion"  # 除外承保
    POSTPONE = "postpone"  # 延期
    DECLINE = "decline"  # 拒保


ACCEPTING = frozenset({Outcome.ACCEPT, Outcome.ACCEPT_RATED, Outcome.ACCEPT_EXCLUSION})


@dataclass(frozen=True)
class QueryNeeded:
    kind: QueryKind
    question: str


@dataclass(frozen=True)
class Routing:
    """Where an application goes, and why (shown to the underwriter)."""

    route: Route
    reasons: list[str] = field(default_factory=list)
    queries: list[QueryNeeded] = field(default_factory=list)


def birth_date_from_id(id_number: str) -> date | None:
    """The birth date an 18-digit resident ID carries (digits 7–14, YYYYMMDD), or None."""
    digits = (id_number or "").strip()
    if len(digits) != 18 or not digits[:17].isdigit():
        return None
    try:
        return date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        return None


def age_on(birth_date: date, day: date) -> int:
    """Age in whole years on ``day`` (周岁)."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)


def no_evidence_limit(age: int) -> Decimal:
    """The largest sum insured accepted on the declarations alone at ``age``."""
    for up_to, limit in NO_EVIDENCE_LIMITS:
        if age <= up_to:
            return limit
    return NO_EVIDENCE_LIMITS[-1][1]


def route_application(
    *,
    sum_insured: Decimal,
    age: int,
    health_answers: Mapping[str, bool],
    health_details: str,
    occupation_class: int,
) -> Routing:
    """Clean declarations within the no-evidence limit are accepted automatically; a sum
    above the limit needs a medical exam and a "yes" without details a supplementary
    question (问题件); any other "yes" or a hazardous occupation goes to a person."""
    queries: list[QueryNeeded] = []
    reasons: list[str] = []
    limit = no_evidence_limit(age)
    if sum_insured > limit:
        reasons.append(
            _("Sum insured %(sum)s is above the no-evidence limit %(limit)s at age %(age)s.")
            % {"sum": sum_insured, "limit": limit, "age": age}
        )
        queries.append(
            QueryNeeded(
                QueryKind.MEDICAL_EXAM,
                _("Please attend a medical exam at a designated clinic and send us the report."),
            )
        )
    declared = [code for code in HEALTH_QUESTIONS if health_answers.get(code)]
    if declared:
        reasons.append(
            _("Health questions answered yes: %(questions)s.")
            % {"questions": "、".join(str(HEALTH_QUESTIONS[c]) for c in declared)}
        )
        if not health_details.strip():
            queries.append(
                QueryNeeded(
                    QueryKind.QUESTIONS,
                    _(
                        "Please tell us the diagnosis, when it was made, the treatment and "
                        "your condition today for each question you answered yes."
                    ),
                )
            )
    if occupation_class >= MANUAL_OCCUPATION_FROM:
        reasons.append(
            _("Occupation class %(cls)s needs an underwriter's review.") % {"cls": occupation_class}
        )
    if queries:
        return Routing(Route.QUERY, reasons, queries)
    if reasons:
        return Routing(Route.MANUAL, reasons)
    return Routing(Route.AUTOMATIC, [_("Clean declarations within the no-evidence limit.")])


def rated_premium(standard: Decimal, extra_percent: Decimal) -> Decimal:
    """The premium with an extra ``extra_percent`` %, to the fen, half up (四舍五入到分)."""
    return (standard * (Decimal(100) + extra_percent) / Decimal(100)).quantize(
        FEN, rounding=ROUND_HALF_UP
    )


def decision_problems(
    *, outcome: str, reason: str, extra_percent: Decimal | None, exclusion: str
) -> dict[str, str]:
    """What is missing or wrong in a decision's terms, by field (empty: none)."""
    problems: dict[str, str] = {}
    if outcome not in Outcome.__members__.values():
        problems["outcome"] = _("Choose a decision.")
        return problems
    if not reason.strip():
        problems["reason"] = _("Every decision states its reason.")
    if outcome == Outcome.ACCEPT_RATED:
        if extra_percent is None or not (0 < extra_percent <= MAX_EXTRA_PREMIUM_PERCENT):
            problems["extra_premium_percent"] = _(
                "A rated acceptance adds more than 0 and at most %(max)s %% to the premium."
            ) % {"max": MAX_EXTRA_PREMIUM_PERCENT}
    elif extra_percent:
        problems["extra_premium_percent"] = _("Only a rated acceptance adds a premium.")
    if outcome == Outcome.ACCEPT_EXCLUSION and not exclusion.strip():
        problems["exclusion"] = _("Write the exclusion clause the policy is accepted with.")
    return problems


def signatures_required(sum_insured: Decimal) -> int:
    """Two signatures from ``FOUR_EYES_FROM`` upwards, else one."""
    return 2 if sum_insured >= FOUR_EYES_FROM else 1


def authority_refusal(
    *, sum_insured: Decimal, limit: Decimal | None, certified: bool
) -> str | None:
    """Why someone may not sign an underwriting decision on ``sum_insured``, or None:
    only with a valid underwriting certificate, only within their authority (核保权限)."""
    if not certified:
        return _("You hold no valid underwriting certificate.")
    if limit is None or sum_insured > limit:
        return _("Sum insured %(sum)s is above your underwriting authority (%(limit)s).") % {
            "sum": sum_insured,
            "limit": limit if limit is not None else _("none"),
        }
    return None
