"""Bulk intake for catastrophe surges: a CSV/XLSX file or a JSON batch of reports.

Each report is checked by the same rules as ``claim_report`` (``services.report_check``)
and, when valid, registered exactly as ``claim_report`` registers it: the same case fields,
flags, checklist, opening clocks, duplicate links and notifications. What differs is how the
rows reach the database: a chunk of a few hundred claims is written in one transaction with
one ``bulk_create`` per table, the clocks' due times are computed once per import (every
claim of an import starts at the same ``now``) and policies, checklist templates and SLA
rules are read once. Bad rows are reported with their row number and field errors and never
written; a chunk that the database refuses is retried claim by claim, so one bad claim never
takes its neighbours down with it and no claim is ever half written.
"""

from __future__ import annotations

import csv
import heapq
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import DataError, IntegrityError
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from claimdesk.cases.models import Case, Deadline
from claimdesk.cases.services import (
    CaseError,
    NotAllowed,
    clock_started_event,
    deadline_new,
    deadline_times,
    reserve_numbers,
    sla_rule,
)
from claimdesk.cases.timeline import case_action, timeline_event, timeline_record_many
from claimdesk.cases.workflow import resolve_clocks
from claimdesk.claims.models import Channel, Claim, ClaimItem
from claimdesk.claims.rules import DUPLICATE_WINDOW, Flag
from claimdesk.claims.services import (
    CHECKLIST_COLUMNS,
    checklist_rows,
    checklist_templates,
    claim_build,
    claim_case_fields,
    duplicates_among,
    registered_notice,
    report_check,
    report_flags,
)
from claimdesk.claims.services.reserves import reserves_open_many
from claimdesk.claims.workflow import WORKFLOW
from claimdesk.db import bulk_insert, insert_values
from claimdesk.notify.services import notification_queue_many
from claimdesk.policies.models import Policy
from claimdesk.policies.selectors import policies_visible_to
from claimdesk.staff.roles import Role
from claimdesk.staff.services import is_staff_member, role_pool
from claimdesk.types import Actor
from claimdesk.workdays.clocks import SHANGHAI, to_local
from claimdesk.workdays.selectors import work_calendar

User = get_user_model()

COLUMNS = (
    "policy_no",
    "insured_name",
    "loss_time",
    "loss_place",
    "loss_cause",
    "description",
    "loss_type",
    "estimated_amount",
    "contact_phone",
)
# Column headings as people write them in Chinese spreadsheets.
HEADER_ALIASES = {
    "保单号": "policy_no",
    "保单号码": "policy_no",
    "被保险人": "insured_name",
    "出险时间": "loss_time",
    "出险地点": "loss_place",
    "出险原因": "loss_cause",
    "出险经过": "description",
    "事故经过": "description",
    "损失类型": "loss_type",
    "估损金额": "estimated_amount",
    "报损金额": "estimated_amount",
    "联系电话": "contact_phone",
}
LOSS_TYPE_ALIASES = {
    "车险": "auto",
    "医疗险": "medical",
    "重疾险": "critical_illness",
    "意外险": "accident",
    "家财险": "property",
}
CHUNK = 500
MAX_BATCH = 1000
ROW_PROBLEM = "row"  # the key of an error about the whole row (the database refused it)


class BulkFileError(CaseError):
    """The file as a whole cannot be read (format, encoding, missing columns)."""


@dataclass
class RowError:
    row: int
    errors: dict[str, str]
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class ImportResult:
    created: list[tuple[int, str]] = field(default_factory=list)  # (row, claim number)
    errors: list[RowError] = field(default_factory=list)
    duplicates: int = 0  # new claims linked to a possible duplicate

    @property
    def rows(self) -> int:
        return len(self.created) + len(self.errors)


# --- reading files ------------------------------------------------------------------------


def read_reports(data: bytes, filename: str = "") -> list[tuple[int, dict[str, Any]]]:
    """(row number as the spreadsheet shows it, raw values) of every non-empty data row.

    XLSX is recognised by its content (a ZIP), anything else is read as CSV in UTF-8 (with
    or without BOM) or, failing that, GB18030 (what Excel on a Chinese Windows saves).
    """
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        table = _xlsx_rows(data)
    else:
        table = _csv_rows(data)
    header = next(table, None)
    if header is None:
        raise BulkFileError(_("The file is empty."))
    names = [_column(h) for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise BulkFileError(
            _("The file lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)}
        )
    rows = []
    for number, values in enumerate(table, start=2):
        raw = {n: v for n, v in zip(names, values, strict=False) if n in COLUMNS}
        if any(v not in (None, "") and str(v).strip() for v in raw.values()):
            rows.append((number, raw))
    return rows


def _column(heading: Any) -> str:
    text = str(heading or "").strip().lstrip("\ufeff")
    return HEADER_ALIASES.get(text, text.lower())


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        raise BulkFileError(_("The file is neither UTF-8 nor GB18030 text."))
    return iter(csv.reader(io.StringIO(text, newline="")))


def _xlsx_rows(data: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise BulkFileError(_("The file is not a readable XLSX workbook.")) from exc
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    return iter(rows)


def report_parse(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A report from spreadsheet or JSON values: strings trimmed, the time of loss as an
    aware datetime (without an offset it is Asia/Shanghai time), numbers as text.

    Values that cannot be read are passed on as they are, for ``report_check`` to name.
    """
    report: dict[str, Any] = {}
    for name in COLUMNS:
        value = raw.get(name)
        if isinstance(value, float) and value.is_integer() and name != "estimated_amount":
            value = int(value)  # a phone number Excel stored as a number
        if value is None:
            value = ""
        report[name] = value.strip() if isinstance(value, str) else value
    report["loss_time"] = _loss_time(report["loss_time"])
    loss_type = str(report["loss_type"])
    report["loss_type"] = LOSS_TYPE_ALIASES.get(loss_type, loss_type.lower())
    amount = report["estimated_amount"]
    if isinstance(amount, str):
        report["estimated_amount"] = amount.replace(",", "").lstrip("¥￥").strip()
    elif isinstance(amount, int | float):
        report["estimated_amount"] = str(amount)
    for name in ("policy_no", "contact_phone", "insured_name"):
        if isinstance(report[name], int):
            report[name] = str(report[name])
    return report


def _loss_time(value: Any) -> Any:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)
    if not isinstance(value, str) or len(value) <= 10:  # a date alone is not a time
        return value
    try:
        moment = datetime.fromisoformat(value.replace("/", "-"))
    except ValueError:
        return value
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


# --- owners -------------------------------------------------------------------------------


class _Owners:
    """Who owns each bulk claim.

    An agent importing owns what they import (首问负责制), as on the hotline. Anyone else
    (a manager, an admin) hands every row to the least-loaded active agent at that moment:
    open cases are counted once, then each row goes to the agent with the fewest (ties to
    the lowest id, as ``least_loaded_agent``) and counts for them, so a surge is spread
    evenly instead of landing on whoever was idle when the file started.
    """

    def __init__(self, reporter: Actor, *, spread: bool):
        self.reporter = reporter
        is_agent = reporter.groups.filter(name=Role.AGENT.value).exists()
        self.fixed = reporter if is_agent and not spread else None
        self.heap: list[tuple[int, int]] = []
        self.users: dict[int, Any] = {}
        if self.fixed is None:
            agents = role_pool(Role.AGENT).annotate(
                load=Count("owned_cases", filter=Q(owned_cases__is_open=True))
            )
            for agent in agents:
                self.users[agent.pk] = agent
                self.heap.append((agent.load, agent.pk))
            heapq.heapify(self.heap)

    def next(self):
        if self.fixed is not None:
            return self.fixed
        if not self.heap:
            raise CaseError(_("No customer-service agent is available to own the case."))
        load, pk = heapq.heappop(self.heap)
        heapq.heappush(self.heap, (load + 1, pk))
        return self.users[pk]


# --- the kernel's opening steps, batched ------------------------------------------------------
# These mirror ``cases.services.case_open`` for many cases at once (number block, opened
# event, opening clocks, next due time); tests/claims/test_bulk.py proves the clocks equal.


class _Clocks:
    """Opening clocks at one ``now``: the kernel's clocks, their due, reminder and
    escalation times computed once per rule (the same for every claim of the import)."""

    def __init__(self, now: datetime):
        self.now = now
        self.calendar = work_calendar()
        self.times: dict[str, dict[str, Any]] = {}

    def build(self, case: Case, code: str) -> Deadline | None:
        rule = sla_rule(code)
        if not rule.active:
            return None
        if code not in self.times:
            self.times[code] = deadline_times(rule, self.now, self.calendar)
        return deadline_new(case, rule, now=self.now, times=self.times[code])


# --- the import -----------------------------------------------------------------------------


@dataclass
class _Valid:
    row: int
    report: dict[str, Any]
    policy: Policy
    amount: Decimal | None
    owner: Any


class _Importer:
    def __init__(self, *, reporter: Actor, now: datetime, channel: str, spread: bool):
        if not (is_staff_member(reporter) and reporter.has_perm("claims.handle_intake")):
            raise NotAllowed(_("You may not import claims."))
        self.reporter, self.now, self.channel = reporter, now, channel
        self.owners = _Owners(reporter, spread=spread)
        self.clocks = _Clocks(now)
        self.workflow = WORKFLOW
        self.policies: dict[str, Policy | None] = {}
        self.templates: dict[tuple[int, str], list] = {}

    def check(self, rows: Sequence[tuple[int, Mapping[str, Any]]], result: ImportResult):
        """Parse and validate a chunk: valid rows with their owner, errors into ``result``."""
        parsed = [(row, report_parse(raw)) for row, raw in rows]
        wanted = {str(r["policy_no"]).strip() for _, r in parsed if r["policy_no"]}
        unknown = wanted - self.policies.keys()
        if unknown:
            found = (
                policies_visible_to(self.reporter)
                .select_related("product", "holder")
                .prefetch_related("insured")
                .filter(number__in=unknown)
            )
            self.policies.update(dict.fromkeys(unknown))
            self.policies.update({p.number: p for p in found})
        valid = []
        for row, report in parsed:
            policy = self.policies.get(str(report["policy_no"]).strip())
            errors, amount = report_check(report, policy=policy, now=self.now)
            if errors:
                result.errors.append(RowError(row, errors, rows_raw(report)))
            else:
                assert policy is not None
                valid.append(_Valid(row, report, policy, amount, self.owners.next()))
        return valid

    def write(self, chunk: list[_Valid], result: ImportResult) -> None:
        """Write a chunk in one transaction; if the database refuses it, claim by claim."""
        try:
            with case_action(savepoint=True):
                created, linked = self._write(chunk)
        except (IntegrityError, DataError):
            if len(chunk) == 1:
                v = chunk[0]
                result.errors.append(
                    RowError(
                        v.row,
                        {ROW_PROBLEM: _("The database refused this claim.")},
                        rows_raw(v.report),
                    )
                )
                return
            for v in chunk:
                self.write([v], result)
            return
        result.created.extend(created)
        result.duplicates += linked

    def _templates(self, policy: Policy, loss_type: str) -> list:
        key = (policy.product_id, loss_type)
        if key not in self.templates:
            self.templates[key] = checklist_templates(policy.product_id, loss_type)
        return self.templates[key]

    def _write(self, chunk: list[_Valid]) -> tuple[list[tuple[int, str]], int]:
        now, actor, wf = self.now, self.reporter, self.workflow
        numbers = reserve_numbers(WORKFLOW.kind, now, len(chunk))
        cases, events, deadlines, opening_data = [], [], [], []
        for v, number in zip(chunk, numbers, strict=True):
            fields = claim_case_fields(v.policy, v.report, self.channel)
            data = fields["data"]
            case = Case(
                number=number,
                kind=WORKFLOW.kind,
                category=fields["category"],
                status=wf.initial,
                title=fields["title"].strip()[:200],
                owner=v.owner,
                customer=v.policy.holder,
                opened_at=now,
                updated_at=now,
            )
            clocks = [
                d
                for code in resolve_clocks(wf.opening_clocks, case, data)
                if (d := self.clocks.build(case, code)) is not None
            ]
            case.next_due_at = min((d.due_at for d in clocks), default=None)
            cases.append(case)
            deadlines.append(clocks)
            opening_data.append(data)
        bulk_insert(cases)
        claims = [
            claim_build(
                case=case,
                policy=v.policy,
                report=v.report,
                amount=v.amount,
                channel=self.channel,
                reporter=actor,
                flags=report_flags(v.policy, v.report, now),
            )
            for v, case in zip(chunk, cases, strict=True)
        ]
        links = self._duplicates(claims)
        bulk_insert(claims)
        # Each case's lines in the order a single report writes them: opened, its clocks,
        # its first reserve; a new case's chain is written in one go.
        reserves = reserves_open_many(claims, actor=actor, now=now)
        for case, clocks, data, reserve in zip(
            cases, deadlines, opening_data, reserves, strict=True
        ):
            events.append(
                timeline_event(
                    case,
                    now=now,
                    actor=actor,
                    kind="opened",
                    to_status=wf.initial,
                    customer_visible=True,
                    data={"owner": case.owner.username, **data},
                )
            )
            for d in clocks:
                d.case = case
                events.append(clock_started_event(case, d, now=now, actor=actor))
            events.append(reserve)
        bulk_insert([d for clocks in deadlines for d in clocks])
        timeline_record_many(events, new_cases=True)
        checklists = {c.pk: self._templates(c.policy, c.loss_type) for c in claims}
        insert_values(
            ClaimItem,
            CHECKLIST_COLUMNS,
            [row for c in claims for row in checklist_rows(c.pk, checklists[c.pk], now)],
        )
        through = Claim.possible_duplicates.through
        bulk_insert(
            [through(from_claim_id=a, to_claim_id=b) for a, b in links]
            + [through(from_claim_id=b, to_claim_id=a) for a, b in links]
        )
        messages = []
        for case, claim in zip(cases, claims, strict=True):
            messages.append(
                {
                    "recipient": claim.policy.holder,
                    "case": case,
                    "kind": "claim_registered",
                    "now": now,
                    **registered_notice(case.number, checklists[claim.pk]),
                }
            )
            if case.owner.pk != actor.pk:
                messages.append(
                    {
                        "recipient": case.owner,
                        "case": case,
                        "kind": "case_assigned",
                        "now": now,
                        "subject": _("New case %(number)s is yours") % {"number": case.number},
                    }
                )
        notification_queue_many(messages, returning=False)
        created = [(v.row, case.number) for v, case in zip(chunk, cases, strict=True)]
        return created, len({a for a, _b in links})

    def _duplicates(self, claims: list[Claim]) -> list[tuple[int, int]]:
        """Links (new, earlier) between each new claim and the claims that look like the
        same event: existing ones and earlier rows of the import; flags the new ones."""
        times = [c.loss_time for c in claims]
        near = Claim.objects.filter(
            policy_id__in={c.policy_id for c in claims},
            loss_time__range=(min(times) - DUPLICATE_WINDOW, max(times) + DUPLICATE_WINDOW),
        ).only("pk", "policy_id", "insured_name", "loss_time", "loss_cause")
        seen: dict[tuple[int, str], list] = defaultdict(list)
        for c in near:
            seen[c.policy_id, c.insured_name].append(c)
        links: list[tuple[int, int]] = []
        for claim in claims:
            key = (claim.policy_id, claim.insured_name)
            dups = duplicates_among(claim, seen[key])
            if dups:
                claim.flags = [*claim.flags, Flag.POSSIBLE_DUPLICATE]
                links.extend((claim.pk, d.pk) for d in dups)
            seen[key].append(claim)
        return links


def rows_raw(report: Mapping[str, Any]) -> dict[str, Any]:
    return {c: report.get(c, "") for c in COLUMNS}


def claims_import(
    *,
    reporter: Actor,
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    now: datetime,
    channel: str = Channel.BULK,
    chunk: int = CHUNK,
    spread: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Register every valid report of ``rows`` ((row number, raw values) pairs) and list the
    rest with their errors.

    ``reporter`` is a member of staff who may take reports (``claims.handle_intake``). Good
    rows land in chunks of ``chunk`` claims, one transaction each; a claim is written whole
    or not at all. ``progress`` is called with the number of rows done after each chunk.
    """
    importer = _Importer(reporter=reporter, now=now, channel=channel, spread=spread)
    result = ImportResult()
    batch: list[tuple[int, Mapping[str, Any]]] = []

    def flush() -> None:
        valid = importer.check(batch, result)
        if valid:
            importer.write(valid, result)
        if progress is not None:
            progress(len(batch))
        batch.clear()

    for row in rows:
        batch.append(row)
        if len(batch) >= chunk:
            flush()
    if batch:
        flush()
    result.created.sort()
    result.errors.sort(key=lambda e: e.row)
    return result


def error_report_write(errors: Iterable[RowError], out: io.TextIOBase | Any) -> None:
    """The bad rows as CSV: row number, what is wrong, then the values as given.

    Written with a BOM so that Excel opens the Chinese text correctly.
    """
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["row", "errors", *COLUMNS])
    for e in errors:
        reasons = "; ".join(f"{k}: {v}" for k, v in e.errors.items())
        writer.writerow([e.row, reasons, *(_cell(e.values.get(c)) for c in COLUMNS)])


def _cell(value: Any) -> str:
    if isinstance(value, datetime):
        return to_local(value).isoformat(sep=" ") if value.tzinfo else value.isoformat(sep=" ")
    if isinstance(value, date | timedelta):
        return str(value)
    return "" if value is None else str(value)
