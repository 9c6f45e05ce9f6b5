import datetime as dt

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from claimdesk.bounds import Day
from claimdesk.types import AuthedRequest
from claimdesk.workdays.selectors import work_calendar

router = Router(tags=["working days"])


class Problem(Schema):
    detail: str


class WorkdayOut(Schema):
    date: dt.date  # (a field named like the type: the module's name keeps them apart)
    n: int
    result: dt.date
    provisional: bool


@router.get("/add", response={200: WorkdayOut, 400: Problem})
def add(request: AuthedRequest, date: Day, n: int):
    """The n-th working day after a date (the date itself not counted)."""
    if not 0 <= n <= 3650:
        return Status(400, {"detail": _("n must be between 0 and 3650.")})
    cal = work_calendar()
    result = cal.add_working_days(date, n)
    return Status(
        200,
        {
            "date": date,
            "n": n,
            "result": result,
            "provisional": cal.is_provisional(result.year),
        },
    )
