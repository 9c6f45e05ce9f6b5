"""The rule for a case someone may not open: who learns that it exists, and who does not."""

from __future__ import annotations

from typing import NoReturn

from django.core.exceptions import PermissionDenied
from django.http import Http404

from claimdesk.cases.models import Case
from claimdesk.cases.selectors import cases_visible_to
from claimdesk.staff.services import is_staff_member


class CaseHidden(PermissionDenied):
    """A member of staff asked for a case that is not theirs to open."""

    def __init__(self, case: Case) -> None:
        super().__init__(case.number)
        self.case = case


def refuse_case(user, number: str) -> NoReturn:
    """Refuse a case ``user`` may not see. Staff learn that it exists and who owns it, so
    they can ask for it to be handed over (403); anyone else gets a 404, never a hint that
    someone else's case exists."""
    if is_staff_member(user) and "\x00" not in number:
        case = Case.objects.select_related("owner").filter(number=number).first()
        if case is not None and not cases_visible_to(user).filter(pk=case.pk).exists():
            raise CaseHidden(case)
    raise Http404
