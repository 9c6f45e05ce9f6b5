"""Bulk intake: files of thousands of reports, bad rows listed, claims whole or not at all,
and the same registration (clocks, checklist, flags, links) as ``claim_report``."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation

from claimdesk.cases.models import Case, CaseEvent, Deadline
from claimdesk.claims import bulk
from claimdesk.claims.bulk import COLUMNS, claims_import, error_report_write, read_reports
from claimdesk.claims.models import Claim, ReserveMovement
from claimdesk.claims.services import claim_report
from claimdesk.ledger.selectors import ledger_verify
from claimdesk.notify.models import Notification
from claimdesk.policies.demo import demo_policy, demo_products
from claimdesk.staff.services import token_issue
from tests.conftest import PASSWORD, at, worker_ran


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


NOW = at("2026-09-30 10:00")  # the day before the National Day holiday
POLICIES = 40


@pytest.fixture
def policies(db, customer1, customer2):
    products = demo_products()
    made = []
    for i in range(POLICIES):
        line = ("auto", "medical", "property", "accident")[i % 4]
        made.append(
            demo_policy(
                number=f"PBULK{i:04d}",
                holder=customer1 if i % 2 else customer2,
                line=line,
                start=date(2026, 1, 1),
                insured_name=f"客户{i}",
                products=products,
            )
        )
    return made


def row(i: int, **extra) -> dict[str, str]:
    """A valid report; two rows on one policy are 26 hours apart: never possible duplicates
    (up to 10,000 rows, all before NOW)."""
    p = i % POLICIES
    line = ("auto", "medical", "property", "accident")[p % 4]
    loss = datetime(2026, 1, 1) + timedelta(hours=26 * (i // POLICIES))
    return {
        "policy_no": f"PBULK{p:04d}",
        "insured_name": f"客户{p}",
        "loss_time": f"{loss:%Y-%m-%d %H:%M}",
        "loss_place": "浙江省温州市",
        "loss_cause": f"台风浸水{i}号",
        "description": "台风过境，车辆及房屋进水",
        "loss_type": line,
        "estimated_amount": str(1000 + i),
        "contact_phone": "13800000000",
        **extra,
    }


BAD = {
    "policy_no": {"policy_no": "PNOPE9999"},
    "loss_time": {"loss_time": "2027-05-01 10:00"},
    "loss_cause": {"loss_cause": ""},
    "estimated_amount": {"estimated_amount": "十二万"},
}


def bad_kind(i: int) -> str | None:
    """Every 97th row is bad, cycling through the four kinds."""
    return list(BAD)[(i // 97) % 4] if i % 97 == 13 else None


def rows_of(n: int) -> list[dict[str, str]]:
    out = []
    for i in range(n):
        kind = bad_kind(i)
        out.append(row(i, **BAD[kind]) if kind else row(i))
    return out


def as_csv(rows: list[dict[str, str]], encoding: str = "utf-8", header=COLUMNS) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    for r in rows:
        writer.writerow([r[c] for c in COLUMNS])
    return text.getvalue().encode(encoding)


def check_import(result, rows: list[dict[str, str]]) -> None:
    bad = {i + 2: bad_kind(i) for i in range(len(rows)) if bad_kind(i)}
    assert {e.row: set(e.errors) for e in result.errors} == {r: {k} for r, k in bad.items()}
    assert len(result.created) == len(rows) - len(bad)
    assert Claim.objects.count() == Case.objects.count() == len(result.created)
    # whole claims: every case has its claim, two clocks, its first reserve, four events
    # (opened, two clocks started, the reserve) and its checklist
    assert Deadline.objects.count() == 2 * len(result.created)
    assert ReserveMovement.objects.count() == len(result.created)
    assert CaseEvent.objects.count() == 4 * len(result.created)
    assert not Claim.objects.filter(items__isnull=True).exists()
    assert len({n for _, n in result.created}) == len(result.created)
    verified = ledger_verify()  # every event chained in the evidence ledger
    assert verified.ok and verified.checked == 4 * len(result.created)


def _import(rows, user, **kw):
    return claims_import(reporter=user, rows=rows, now=NOW, **kw)


def test_a_csv_of_2000_reports_imports_the_good_rows_and_lists_the_bad(policies, agent1):
    rows = rows_of(2_000)
    result = _import(read_reports(as_csv(rows), "typhoon.csv"), agent1)
    check_import(result, rows)
    messages = {e.row: e.errors for e in result.errors}
    assert messages[15] == {"policy_no": "Unknown policy number."}
    assert messages[112] == {"loss_time": "The time of loss is in the future."}
    assert messages[209] == {"loss_cause": "This field is required."}
    assert messages[306] == {"estimated_amount": "Enter an amount like 12800.50."}
    assert set(Case.objects.values_list("owner__username", flat=True)) == {"agent1"}
    out = io.StringIO()
    error_report_write(result.errors, out)
    report = list(csv.reader(io.StringIO(out.getvalue().lstrip("\ufeff"))))
    assert report[0][:3] == ["row", "errors", "policy_no"]
    assert report[1][:3] == ["15", "policy_no: Unknown policy number.", "PNOPE9999"]
    assert len(report) == 1 + len(result.errors)


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("CLAIMDESK_SLOW_TESTS"),
    reason="about 20 s on SQLite: set CLAIMDESK_SLOW_TESTS=1 (CI does)",
)
def test_a_csv_of_10000_reports_imports_the_good_rows_and_lists_the_bad(policies, agent1):
    rows = rows_of(10_000)
    result = _import(read_reports(as_csv(rows), "typhoon.csv"), agent1)
    check_import(result, rows)


def test_xlsx_with_excel_typed_cells(policies, agent1):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    rows = rows_of(120)
    for r in rows:
        values = [r[c] for c in COLUMNS]
        values[COLUMNS.index("estimated_amount")] = (
            float(r["estimated_amount"])
            if r["estimated_amount"].isdigit()
            else r["estimated_amount"]
        )
        values[COLUMNS.index("contact_phone")] = 13800000000  # Excel makes it a number
        sheet.append(values)
    sheet.append([None] * len(COLUMNS))  # trailing empty row: ignored
    data = io.BytesIO()
    book.save(data)
    result = _import(read_reports(data.getvalue(), "typhoon.xlsx"), agent1)
    check_import(result, rows)
    assert Claim.objects.filter(contact_phone="13800000000").count() == len(result.created)


def test_gb18030_with_chinese_headings(policies, agent1):
    rows = rows_of(100)
    header = ["保单号", "被保险人", "出险时间", "出险地点", "出险原因", "出险经过", "损失类型"]
    header += ["估损金额", "联系电话"]
    data = as_csv(rows, "gb18030", header=header)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    result = _import(read_reports(data, "typhoon.csv"), agent1)
    check_import(result, rows)
    assert Claim.objects.filter(insured_name="客户1", loss_place="浙江省温州市").exists()


def test_utf8_with_bom(policies, agent1):
    rows = rows_of(10)
    result = _import(read_reports(b"\xef\xbb\xbf" + as_csv(rows), "t.csv"), agent1)
    assert len(result.created) == 10 and not result.errors


def test_a_file_without_the_columns_is_refused(db):
    with pytest.raises(bulk.BulkFileError, match="loss_time"):
        read_reports(b"policy_no,insured_name\nP1,x\n", "x.csv")


def test_each_claim_is_whole_or_not_at_all(policies, agent1, monkeypatch):
    """The database refuses the claims of one product (a checklist code twice): the chunk is
    retried claim by claim, the others land whole and the refused ones leave nothing."""
    real = bulk.checklist_templates
    medical = policies[1].product_id

    def broken(product_id, loss_type):
        templates = real(product_id, loss_type)
        return templates + templates[:1] if product_id == medical else templates

    monkeypatch.setattr(bulk, "checklist_templates", broken)
    rows = [row(i) for i in range(80)]
    result = _import(read_reports(as_csv(rows), "t.csv"), agent1, chunk=50)
    refused = {i + 2 for i in range(80) if i % 4 == 1}
    assert {e.row for e in result.errors} == refused
    assert all(set(e.errors) == {"row"} for e in result.errors)
    assert Claim.objects.count() == Case.objects.count() == 60
    assert Deadline.objects.count() == 120 and CaseEvent.objects.count() == 240
    assert ReserveMovement.objects.count() == 60
    assert not Case.objects.filter(claim__isnull=True).exists()
    registered = Notification.objects.filter(kind="claim_registered")
    assert registered.values("case").distinct().count() == 60


def _without(data: dict, key: str) -> dict:
    return {k: v for k, v in data.items() if k != key}


def _shape(claim: Claim):
    case = claim.case
    clocks = [
        (
            d.rule.code,
            d.unit,
            d.assignee_id,
            d.state,
            d.started_at,
            d.budget,
            d.due_at,
            d.remind_at,
            d.escalate_at,
            d.next_action_at,
        )
        for d in case.deadlines.order_by("rule__code")
    ]
    events = [
        # a reserve line names its own movement row: the rows differ, the lines must not
        (e.kind, e.to_status, e.customer_visible, e.actor_id, e.at, _without(e.data, "movement"))
        for e in case.events.order_by("id")
    ]
    items = [(i.code, i.name, i.core, i.lasting, i.state) for i in claim.items.order_by("id")]
    return {
        "case": (
            case.kind,
            case.category,
            case.status,
            case.title,
            case.owner_id,
            case.customer_id,
            case.opened_at,
            case.next_due_at,
            case.is_open,
        ),
        "claim": (
            claim.policy_id,
            claim.insured_name,
            claim.loss_time,
            claim.loss_place,
            claim.loss_cause,
            claim.description,
            claim.loss_type,
            claim.estimated_amount,
            claim.contact_phone,
            claim.reporter_id,
            claim.flags,
        ),
        "clocks": clocks,
        "events": events,
        "items": items,
    }


@pytest.mark.parametrize("line", ["auto", "medical", "property"])
def test_bulk_claims_are_registered_as_claim_report_registers_them(policies, agent1, line):
    i = {"auto": 0, "medical": 1, "property": 2}[line]
    first = row(i, loss_time="2025-12-20 08:00")  # before the policy: flagged
    bulk_result = _import(read_reports(as_csv([first]), "t.csv"), agent1, channel="hotline")
    bulk_claim = Claim.objects.get(case__number=bulk_result.created[0][1])
    Claim.objects.filter(pk=bulk_claim.pk).update(policy=policies[i + 4])  # not a duplicate
    report = bulk.report_parse(first)
    single = claim_report(reporter=agent1, report=report, channel="hotline", now=NOW).claim
    Claim.objects.filter(pk=bulk_claim.pk).update(policy=policies[i])
    bulk_claim.refresh_from_db()
    a, b = _shape(bulk_claim), _shape(single)
    assert a == b
    assert a["claim"][-1] == ["loss_before_policy_start"]
    assert [c[0] for c in a["clocks"]] == ["contact", "decision_statutory"]
    # the contact clock of 1 working day, started the day before the holiday
    assert a["clocks"][0][6] == at("2026-10-09 00:00")
    assert bulk_claim.channel == single.channel == "hotline"


def test_duplicates_in_the_file_and_against_existing_claims_are_linked(policies, agent1):
    existing = claim_report(
        reporter=agent1, report=bulk.report_parse(row(0)), channel="hotline", now=NOW
    ).claim
    twin = row(0, loss_time="2026-01-01 09:30", loss_cause="台风浸水0号车辆")
    again = row(0, loss_time="2026-01-01 11:00", loss_cause="台风浸水0")
    other = row(0, loss_time="2026-01-05 11:00")
    result = _import(read_reports(as_csv([twin, again, other]), "t.csv"), agent1)
    assert result.duplicates == 2
    a, b, c = (Claim.objects.get(case__number=n) for _, n in result.created)
    assert set(a.possible_duplicates.all()) == {existing, b}
    assert set(b.possible_duplicates.all()) == {existing, a}
    assert set(existing.possible_duplicates.all()) == {a, b}
    assert "possible_duplicate" in a.flags and "possible_duplicate" in b.flags
    assert not c.possible_duplicates.exists() and "possible_duplicate" not in c.flags
    assert Claim.objects.count() == 4  # linked, never merged


def test_a_manager_spreads_the_claims_over_the_agents_by_load(policies, manager1, agent1, agent2):
    claim_report(reporter=agent1, report=bulk.report_parse(row(0)), channel="hotline", now=NOW)
    result = _import(read_reports(as_csv([row(i) for i in range(1, 10)]), "t.csv"), manager1)
    owners = [Case.objects.get(number=n).owner.username for _, n in result.created]
    assert owners.count("agent1") == 4 and owners.count("agent2") == 5
    assert owners[0] == "agent2"  # the one with nothing open comes first
    assigned = Notification.objects.filter(kind="case_assigned", recipient=agent2)
    assert assigned.count() == 5


def test_customers_may_not_import(policies, customer1):
    with pytest.raises(bulk.NotAllowed):
        _import([(2, row(0))], customer1)


def test_import_claims_command(policies, agent1, tmp_path, capsys):
    rows = rows_of(300)
    path = tmp_path / "typhoon.csv"
    path.write_bytes(as_csv(rows))
    with pytest.raises(SystemExit) as exit_:
        call_command("import-claims", str(path), "--user", "agent1", "--no-progress")
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert "imported 297 of 300 rows, 3 bad" in out
    assert "typhoon.errors.csv" in out
    lines = (tmp_path / "typhoon.errors.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 4 and lines[1].startswith("15,policy_no: Unknown policy number.")
    good = tmp_path / "good.csv"
    good.write_bytes(as_csv([row(i) for i in range(300, 310)]))
    call_command("import-claims", str(good), "--user", "agent1", "--no-progress")
    assert "imported 10 of 10 rows, 0 bad" in capsys.readouterr().out
    assert not (tmp_path / "good.errors.csv").exists()


def _token(user) -> str:
    return token_issue(username=user.username, password=PASSWORD, now=timezone.now())


def _batch_reports() -> list[dict]:
    reports = [row(i) for i in range(5)]
    reports[1]["loss_time"] = "2027-01-01T10:00:00+08:00"
    reports[3]["estimated_amount"] = 12800.5
    reports[4].pop("contact_phone")
    return reports


BATCH_ERRORS = [
    {"row": 1, "errors": {"loss_time": "The time of loss is in the future."}},
    {"row": 4, "errors": {"contact_phone": "This field is required."}},
]


def test_batch_router(policies, agent1, customer1):
    from ninja.testing import TestClient

    from claimdesk.claims.bulk_api import router

    client = TestClient(router)
    answer = client.post("/claims/batch", json=_batch_reports(), user=agent1)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert len(body["created"]) == 3 and all(n.startswith("CL") for n in body["created"])
    assert body["errors"] == BATCH_ERRORS
    claim = Claim.objects.get(case__number=body["created"][2])
    assert claim.estimated_amount == Decimal("12800.50") and claim.channel == "bulk"
    assert claim.items.exists() and claim.case.deadlines.count() == 2
    assert client.post("/claims/batch", json=[row(0)] * 1001, user=agent1).status_code == 422
    with pytest.raises(bulk.NotAllowed):
        client.post("/claims/batch", json=[row(0)], user=customer1)


def test_batch_api(policies, agent1, customer1):
    client = Client()

    def post(user, reports):
        return client.post(
            "/api/v1/claims/batch",
            json.dumps(reports),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {_token(user)}",
            HTTP_ACCEPT_LANGUAGE="en",
        )

    answer = post(agent1, _batch_reports())
    assert answer.status_code == 200, answer.content
    assert answer.json()["errors"] == BATCH_ERRORS
    assert len(answer.json()["created"]) == 3
    assert post(customer1, [row(0)]).status_code == 403
    assert post(agent1, [row(0)] * 1001).status_code == 422


def test_imported_claims_have_their_analytics_rows(policies, agent1):
    """Bulk intake writes its claims' timeline lines like any action: once the worker has
    read them, the dashboard's per-case rows carry the claims (channel, customer, amount
    claimed)."""
    from claimdesk.analytics.models import CaseSummary

    result = _import(read_reports(as_csv([row(i) for i in range(60)]), "t.csv"), agent1, chunk=50)
    assert not result.errors
    worker_ran()
    summaries = CaseSummary.objects.filter(case__claim__isnull=False)
    assert summaries.count() == 60
    first = summaries.get(case__claim__estimated_amount=Decimal("1000"))
    assert (first.channel, first.customer_id) == ("bulk", policies[0].holder_id)
