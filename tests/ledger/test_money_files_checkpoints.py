"""What an auditor asks about: decisions, approvals, reserves, payments, transfers and
endorsements are chained with their amounts; stored files are re-hashed; a chain cut back
behind its last checkpoint is found. Each tamper is done behind the application's back (raw
SQL, a file overwritten) and makes ``verify-ledger`` exit 1 naming the record."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from claimdesk.claims.models import AccumulatorMovement, ClaimDecision, DecisionApproval
from claimdesk.ledger.checkpoints import checkpoint_read, checkpoint_write
from claimdesk.ledger.models import CheckpointedHead, LedgerCheckpoint, LedgerEntry, LedgerHead
from claimdesk.ledger.selectors import ledger_verify
from claimdesk.payments.models import Payment
from claimdesk.payments.services import payment_instruct, payment_send
from tests.claims.conftest import T0 as CLAIMS_T0
from tests.ledger.conftest import T0, entries, events, sql, worked_case
from tests.payments import conftest as payments_conftest

auto_policy = payments_conftest.auto_policy
account = payments_conftest.account
paying = payments_conftest.paying


def run(*args) -> str:
    out = io.StringIO()
    call_command("verify-ledger", *args, stdout=out)
    return out.getvalue()


def refused(*args) -> str:
    with pytest.raises(CommandError) as raised:
        run(*args)
    assert raised.value.returncode == 1
    return str(raised.value)


def chained(record_type: str, record_id: int) -> LedgerEntry:
    return LedgerEntry.objects.get(record_type=record_type, record_id=record_id)


@pytest.fixture
def paid(paying, finance1):
    """customer1's auto claim approved for ¥3,000.00, instructed and sent to the bank."""
    now = CLAIMS_T0 + timedelta(hours=2)
    payment = payment_instruct(claim=paying, actor=finance1, now=now)
    payment_send(payment=payment, actor=finance1, now=now, bank_ref="B-1")
    return paying


def test_money_records_are_chained_in_the_claims_ledger(paid):
    decision = ClaimDecision.objects.get(claim=paid, status="approved")
    approval = DecisionApproval.objects.get(decision=decision)
    payment = Payment.objects.get(claim=paid)
    transfer = payment.transfers.get()
    reserves = list(AccumulatorMovement.objects.filter(claim=paid))
    assert reserves and payment.amount == Decimal("3000.00")
    chain = [(e.record_type, e.record_id) for e in entries(paid.case)]
    for record in (
        ("decision", decision.pk),
        ("approval", approval.pk),
        ("payment", payment.pk),
        ("transfer", transfer.pk),
        *(("reserve", m.pk) for m in reserves),
    ):
        assert record in chain
    # the decision comes before its approval, the payment before its transfer
    assert chain.index(("decision", decision.pk)) < chain.index(("approval", approval.pk))
    assert chain.index(("payment", payment.pk)) < chain.index(("transfer", transfer.pk))
    assert ledger_verify(paid.case).ok
    assert run(paid.number).startswith("OK: ")


def test_a_payment_amount_edited_in_the_database_is_named(paid):
    payment = Payment.objects.get(claim=paid)
    seq = chained("payment", payment.pk).seq
    # the state moves on by design: not part of the record
    sql("UPDATE payments_payment SET state = 'confirmed' WHERE id = %s", payment.pk)
    assert ledger_verify(paid.case).ok
    sql("UPDATE payments_payment SET amount = %s WHERE id = %s", "30000.00", payment.pk)
    message = refused()
    assert f"case {paid.number} seq {seq} payment #{payment.pk}" in message
    assert "amount differ" in message


def test_a_transfer_amount_edited_in_the_database_is_named(paid):
    transfer = Payment.objects.get(claim=paid).transfers.get()
    sql("UPDATE payments_paymentattempt SET amount = %s WHERE id = %s", "1.00", transfer.pk)
    assert f"transfer #{transfer.pk}" in refused(paid.number)


def test_a_decision_amount_edited_in_the_database_is_named(paid):
    decision = ClaimDecision.objects.get(claim=paid, status="approved")
    seq = chained("decision", decision.pk).seq
    sql("UPDATE claims_claimdecision SET amount = %s WHERE id = %s", "9999.00", decision.pk)
    message = refused(paid.number)
    assert f"case {paid.number} seq {seq} decision #{decision.pk}" in message
    assert "record changed after it was chained: amount differ" in message


def test_an_approvers_limit_or_a_reserve_edited_is_named(paid):
    approval = DecisionApproval.objects.get(decision__claim=paid)
    sql('UPDATE claims_decisionapproval SET "limit" = %s WHERE id = %s', "1.00", approval.pk)
    assert f"approval #{approval.pk}" in refused(paid.number)
    sql(
        'UPDATE claims_decisionapproval SET "limit" = %s WHERE id = %s', approval.limit, approval.pk
    )
    assert ledger_verify(paid.case).ok
    reserve = AccumulatorMovement.objects.filter(claim=paid).first()
    sql("UPDATE claims_accumulatormovement SET amount = 0 WHERE id = %s", reserve.pk)
    assert f"accumulator movement #{reserve.pk}" in refused(paid.number)


def test_an_approval_deleted_is_named(paid):
    approval = DecisionApproval.objects.get(decision__claim=paid)
    sql("DELETE FROM claims_decisionapproval WHERE id = %s", approval.pk)
    message = refused(paid.number)
    assert f"approval #{approval.pk}" in message and "deleted" in message


def test_endorsements_are_chained_with_the_version_as_issued(agent1, customer1):
    from claimdesk.policies.demo import demo_policy, demo_products
    from claimdesk.policies.models import Endorsement
    from claimdesk.policies.services import endorsement_issue

    policy = demo_policy(
        number="PAUTO0009",
        holder=customer1,
        line="auto",
        start=date(2026, 3, 1),
        insured_name="张三",
        plate="沪A54321",
        products=demo_products(),
    )
    case = worked_case(agent1, customer1)
    second = endorsement_issue(
        policy=policy,
        effective_on=date(2026, 10, 1),
        kind="contact",
        changes={"contact_phone": "13900001111"},
        actor=agent1,
        now=T0 + timedelta(hours=2),
        case=case,
    )
    first = Endorsement.objects.get(policy=policy, version=1)
    chain = [(e.record_type, e.record_id) for e in entries(case)]
    assert chain[-2:] == [("endorsement", first.pk), ("endorsement", second.pk)]
    assert ledger_verify(case).ok
    terms = dict(first.terms, sum_insured="9999999.00")
    sql("UPDATE policies_endorsement SET terms = %s WHERE id = %s", json.dumps(terms), first.pk)
    message = refused(case.number)
    assert f"endorsement #{first.pk}" in message and "terms differ" in message


@pytest.fixture
def uploaded(claim, customer1, settings, tmp_path):
    from PIL import Image

    from claimdesk.documents.services import document_upload

    settings.MEDIA_ROOT = tmp_path / "media"
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buf, "PNG")
    buf.seek(0)
    buf.name = "发票.png"
    return document_upload(
        claim=claim, file=buf, item_code=None, actor=customer1, now=T0 + timedelta(hours=1)
    ).document


def test_a_stored_file_overwritten_on_disk_is_named(uploaded):
    claim_no = uploaded.claim.number
    out = run(claim_no)
    assert "files: 1 stored file(s) re-hashed, all unchanged" in out
    with uploaded.file.storage.open(uploaded.file.name, "wb") as fh:
        fh.write(b"\x89PNG\r\n\x1a\n forged")
    message = refused(claim_no)
    assert f"case {claim_no} document #{uploaded.pk}: stored file" in message
    assert "changed on disk" in message
    assert ledger_verify(uploaded.claim.case, files=False).ok  # the rows themselves hold
    assert "OK: " in run(claim_no, "--no-files")


def test_a_stored_file_removed_is_named(uploaded):
    uploaded.file.storage.delete(uploaded.file.name)
    assert f"document #{uploaded.pk}: stored file" in refused()


def cut_tail(case) -> int:
    """Delete the case's last event with its ledger entry and rewind the head: the chain
    that is left verifies on its own. Returns the removed event's id."""
    last = entries(case)[-1]
    before = entries(case)[-2]
    assert last.record_type == "event"
    sql("DELETE FROM ledger_ledgerentry WHERE id = %s", last.pk)
    sql("DELETE FROM cases_caseevent WHERE id = %s", last.record_id)
    sql(
        "UPDATE ledger_ledgerhead SET seq = %s, last_hash = %s WHERE case_id = %s",
        before.seq,
        before.entry_hash,
        case.pk,
    )
    return last.record_id


def test_a_cut_tail_before_any_checkpoint_goes_unseen(agent1, customer1):
    """The limit, stated: without a checkpoint the shorter chain is a valid chain."""
    case = worked_case(agent1, customer1)
    cut_tail(case)
    assert ledger_verify(case).ok


def test_a_tail_cut_after_a_checkpoint_is_named(agent1, customer1, customer2):
    case = worked_case(agent1, customer1)
    other = worked_case(agent1, customer2)
    out = run()  # the whole pass writes a checkpoint of both heads
    assert "checkpoint written: 2 head(s) moved" in out
    assert "checkpoints: 1 in" in run() and "2 chain(s) still hold" in run("--no-checkpoint")
    seq = len(entries(case))
    event_id = cut_tail(case)
    message = refused(case.number)
    assert f"case {case.number} seq {seq} timeline event #{event_id}" in message
    assert "cut from the chain's tail" in message and f"ends at seq {seq - 1}" in message
    assert ledger_verify(other).ok  # other chains are not affected
    # the beat's checkpoint does not record the shorter chain as the new truth
    written = checkpoint_write(now=timezone.now(), source="beat")
    assert written.refused == [case.number]
    assert "cut from the chain's tail" in refused()


def test_cut_then_grown_again_is_named_as_rewritten(agent1, customer1):
    from claimdesk.cases.timeline import timeline_record

    case = worked_case(agent1, customer1)
    checkpoint_write(now=timezone.now(), source="beat")
    seq = len(entries(case))
    cut_tail(case)
    timeline_record(case, now=T0 + timedelta(hours=3), kind="note")
    assert len(entries(case)) == seq
    assert "the chain was rewritten" in refused(case.number)


def test_rewriting_the_checkpoint_table_does_not_hide_a_cut(agent1, customer1):
    case = worked_case(agent1, customer1)
    checkpoint_write(now=timezone.now(), source="beat")
    cut_tail(case)
    head = LedgerHead.objects.get(case=case)
    CheckpointedHead.objects.filter(case=case).update(seq=head.seq, last_hash=head.last_hash)
    LedgerCheckpoint.objects.all().delete()
    assert "cut from the chain's tail" in refused()


def test_an_altered_checkpoint_file_is_named(agent1, customer1, settings):
    case = worked_case(agent1, customer1)
    checkpoint_write(now=timezone.now(), source="beat")
    path = settings.CLAIMDESK_LEDGER_CHECKPOINT_FILE
    line = json.loads(path.read_text())
    line["heads"][0][2] -= 1  # someone moves the recorded head back to match a cut
    path.write_text(json.dumps(line) + "\n")
    assert "checkpoint file: line 1" in refused(case.number)
    path.unlink()  # and a file removed while the table says checkpoints were written
    assert "is not in" in refused(case.number)


def test_checkpoints_write_only_what_moved_and_chain_their_lines(agent1, customer1):
    from claimdesk.cases.timeline import timeline_record

    case = worked_case(agent1, customer1)
    assert checkpoint_write(now=timezone.now(), source="beat").heads == 1
    assert checkpoint_write(now=timezone.now(), source="beat").heads == 0  # twice: harmless
    timeline_record(case, now=T0 + timedelta(hours=2), kind="note")
    assert checkpoint_write(now=timezone.now(), source="beat").heads == 1
    replayed = checkpoint_read()
    assert replayed.problem is None and replayed.lines == 3
    assert replayed.heads[case.pk].seq == len(events(case))
    assert LedgerCheckpoint.objects.count() == 3


def test_the_beat_task_writes_a_checkpoint(agent1, customer1):
    from claimdesk.ledger.tasks import ledger_checkpoint

    worked_case(agent1, customer1)
    assert ledger_checkpoint.delay().get() == 1
    assert checkpoint_read().lines == 1


def test_a_big_first_checkpoint_is_split_into_chained_lines(
    agent1, customer1, customer2, monkeypatch
):
    from claimdesk.ledger import checkpoints

    monkeypatch.setattr(checkpoints, "LINE_HEADS", 1)
    a = worked_case(agent1, customer1)
    b = worked_case(agent1, customer2)
    assert checkpoint_write(now=timezone.now(), source="beat").heads == 2
    replayed = checkpoint_read()
    assert replayed.problem is None and replayed.lines == 2
    assert set(replayed.heads) == {a.pk, b.pk}
    assert LedgerCheckpoint.objects.count() == 2
    cut_tail(b)
    assert f"case {b.number}" in refused()
