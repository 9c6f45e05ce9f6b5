import datetime as dt
from datetime import date, datetime

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from claimdesk.cases.models import SlaRule
from claimdesk.types import AuthedRequest
from claimdesk.workdays.clocks import SHANGHAI
from claimdesk.workdays.selectors import clock, work_calendar

router = Router(tags=["working days"])


class Problem(Schema):
    detail: str


class WorkdayOut(Schema):
    date: dt.date  # (a field named like the type: the module's name keeps them apart)
    n: int
    result: dt.date
    provisional: bool


class DueOut(Schema):
    rule: str
    unit: str
    event_at: datetime
    due_at: datetime


@router.get("/add", response={200: WorkdayOut, 400: Problem})
def add(request: AuthedRequest, date: date, n: int):
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


@router.get("/due", response={200: DueOut, 404: Problem})
def due(request: AuthedRequest, rule: str, at: datetime):
    """Due time of an SLA rule for an event at ``at`` (naive times are Asia/Shanghai)."""
    found = SlaRule.objects.filter(code=rule).first()
    if found is None:
        return Status(404, {"detail": _("Unknown SLA rule %(code)s.") % {"code": rule}})
    at = at if at.tzinfo else at.replace(tzinfo=SHANGHAI)
    due_at = clock(found.unit).due_at(at, found.amount)
    return Status(
        200,
        {
            "rule": found.code,
            "unit": found.unit,
            "event_at": at.astimezone(SHANGHAI),
            "due_at": due_at.astimezone(SHANGHAI),
        },
    )
