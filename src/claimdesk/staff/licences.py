"""Which certificate each licensed act needs (pure): an on-site survey the surveyor's
(查勘定损资格) and, for a new-energy vehicle, the NEV one; approving a claim decision an
adjuster's grade (理赔师等级) matching the amount's band. The grade is required on top of the
approval limit (``StaffProfile.approval_limit``), which still decides who may sign alone."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

SURVEYOR = "surveyor"
NEV = "nev"
ADJUSTER = "adjuster"

# (largest amount of the band, grade needed); an amount above the last band needs TOP_GRADE.
ADJUSTER_GRADE_BANDS: tuple[tuple[Decimal, int], ...] = (
    (Decimal("50000"), 1),
    (Decimal("500000"), 2),
)
TOP_GRADE = 3


@dataclass(frozen=True)
class Need:
    """A certificate an act needs: its code and, for a graded one, the least grade."""

    code: str
    grade: int = 0


def adjuster_grade_for(amount: Decimal) -> int:
    """The adjuster grade an approval of ``amount`` needs (its band's)."""
    for ceiling, grade in ADJUSTER_GRADE_BANDS:
        if amount <= ceiling:
            return grade
    return TOP_GRADE


def survey_needs(*, new_energy_vehicle: bool) -> tuple[Need, ...]:
    return (Need(SURVEYOR), Need(NEV)) if new_energy_vehicle else (Need(SURVEYOR),)


def approval_needs(amount: Decimal, *, final: bool = True) -> tuple[Need, ...]:
    """Every signature on a claim decision is an adjuster's; the last one, which carries
    the authority, needs the grade of the amount's band (the earlier four-eyes signatures
    a valid adjuster certificate of any grade)."""
    return (Need(ADJUSTER, adjuster_grade_for(amount) if final else 1),)


def need_label(need: Need) -> str:
    """The certificate in words: "surveyor", "adjuster (grade 2)"."""
    names = {
        SURVEYOR: _("surveyor"),
        NEV: _("new-energy vehicle survey"),
        ADJUSTER: _("adjuster"),
    }
    name = names.get(need.code, need.code)
    if need.grade:
        return _("%(name)s (grade %(grade)s)") % {"name": name, "grade": need.grade}
    return name
