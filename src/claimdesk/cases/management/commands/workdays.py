"""``claimdesk workdays add DATE N`` · ``due RULE DATETIME`` · ``import FILE`` · ``status``."""

from datetime import date, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from claimdesk.cases.models import SlaRule
from claimdesk.cases.services import sla_due_at
from claimdesk.workdays.clocks import SHANGHAI
from claimdesk.workdays.selectors import (
    provisional_message,
    provisional_year_warnings,
    work_calendar,
)
from claimdesk.workdays.services import ScheduleImportError, official_schedule_import


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"{text!r} is not a date like 2026-09-30") from exc


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"{text!r} is not a datetime like 2026-09-30T10:00") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def _read_schedule(path: Path) -> str:
    """The file's text: UTF-8 (with or without BOM) or GB18030, as Excel saves it in China."""
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CommandError(f"{path} is neither UTF-8 nor GB18030 text")


class Command(BaseCommand):
    help = "Working-day arithmetic and the holiday calendar."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        add = sub.add_parser("add", help="the N-th working day after DATE (YYYY-MM-DD)")
        add.add_argument("date")
        add.add_argument("n", type=int)
        due = sub.add_parser("due", help="due time of an SLA rule for an event at DATETIME")
        due.add_argument("rule")
        due.add_argument("datetime")
        imp = sub.add_parser("import", help="load an official schedule CSV (date,type,name)")
        imp.add_argument("file")
        imp.add_argument("--source", default="")
        imp.add_argument(
            "--partial",
            action="store_true",
            help="the file is not a complete year: keep the provisional fallback",
        )
        sub.add_parser("status", help="which near years still run on the provisional calendar")

    def handle(self, *args, what: str, **opts):
        if what == "add":
            if opts["n"] < 0:
                raise CommandError("N must be 0 or more")
            self.stdout.write(
                work_calendar().add_working_days(_date(opts["date"]), opts["n"]).isoformat()
            )
        elif what == "due":
            rule = SlaRule.objects.filter(code=opts["rule"]).first()
            if rule is None:
                codes = ", ".join(SlaRule.objects.values_list("code", flat=True))
                raise CommandError(f"unknown rule {opts['rule']!r}; known: {codes}")
            due_at = sla_due_at(rule, _moment(opts["datetime"]))
            self.stdout.write(due_at.astimezone(SHANGHAI).isoformat())
        elif what == "import":
            path = Path(opts["file"])
            if not path.is_file():
                raise CommandError(f"no file {path}")
            try:
                result = official_schedule_import(
                    text=_read_schedule(path),
                    source=opts["source"] or path.name,
                    complete=not opts["partial"],
                )
            except ScheduleImportError as exc:
                raise CommandError("\n".join(exc.errors)) from exc
            self.stdout.write(
                f"created={result.created} updated={result.updated} "
                f"years={','.join(map(str, result.years))} "
                f"official={','.join(map(str, result.official_years)) or '-'}"
            )
        else:
            years = provisional_year_warnings(timezone.now())
            for year in years:
                self.stdout.write(provisional_message(year))
            if not years:
                self.stdout.write("official schedules cover this year and the next")
