"""Bank reconciliation: a CSV confirms or fails transfers line by line; bad lines are listed
and the rest apply; the same file twice changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import translation

from claimdesk.cases.models import Case, CaseEvent
from claimdesk.cases.services import GuardFailed, NotAllowed
from claimdesk.payments.models import Payment
from claimdesk.payments.services import (
    payment_confirm,
    payment_instruct,
    payment_send,
    payments_reconcile,
    reconcile_rows_read,
)
from tests.claims.conftest import T0
from tests.payments.conftest import claim_in_paying

T1 = T0 + timedelta(hours=2)
T2 = T0 + timedelta(hours=5)
HEADER = "reference,status,amount,bank_ref,reason\n"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def sent(auto_policy, account, agent1, adjuster1, adjuster2, finance1):
    """Three claims of customer1, each paid out and awaiting the bank's answer."""
    people = {"owner": agent1, "adjuster": adjuster1, "approver": adjuster2, "finance": finance1}
    payments = []
    for loss in ("3000", "1200.50", "800"):
        claim = claim_in_paying(**people, loss=loss)
        p = payment_instruct(claim=claim, actor=finance1, now=T1)
        payments.append(payment_send(payment=p, actor=finance1, now=T1))
    return payments


def reconcile(finance, text: str):
    return payments_reconcile(actor=finance, now=T2, file=text.encode("utf-8"))


def state(p: Payment) -> str:
    return Payment.objects.get(pk=p.pk).state


def test_a_file_confirms_and_fails_and_lists_the_bad_lines(sent, finance1):
    a, b, c = sent
    text = HEADER + (
        f"{a.reference},成功,3000.00,ICBC-1,\n"
        f'{b.reference},失败,"1,200.50",ICBC-2,户名不符\n'
        f"{c.reference},success,8000.00,ICBC-3,\n"  # the bank's amount is wrong
        "PY20990101000001,success,10.00,ICBC-4,\n"  # unknown reference
        f"{c.reference},pending,800.00,ICBC-5,\n"  # neither success nor failure
        f"{c.reference},success,800.00,,\n"  # no bank reference
    )
    result = reconcile(finance1, text)
    assert result.confirmed == [a.reference]
    assert result.failed == [b.reference]
    assert [(e.row, e.reference) for e in result.errors] == [
        (4, c.reference),
        (5, "PY20990101000001"),
        (6, c.reference),
        (7, c.reference),
    ]
    messages = [e.message for e in result.errors]
    assert "¥8,000.00 differs from the payment's ¥800.00" in messages[0]
    assert messages[1] == "No payment PY20990101000001."
    assert "neither success nor failed" in messages[2]
    assert "no bank reference" in messages[3]
    assert str(result) == "6 rows: 1 confirmed, 1 failed, 0 unchanged, 4 errors"
    assert (state(a), state(b), state(c)) == ("confirmed", "failed", "sent")
    assert Case.objects.get(pk=a.claim_id).status == "closed"
    assert Case.objects.get(pk=c.claim_id).status == "paying"
    failed = Payment.objects.get(pk=b.pk)
    assert failed.failure_reason == "户名不符" and failed.bank_ref == "ICBC-2"
    transfer = failed.transfers.get()
    assert transfer.via_reconciliation and transfer.outcome == "failed"
    assert a.claim.case.deadlines.get(rule__code="payment_small").state == "met"


def test_the_same_file_twice_changes_nothing(sent, finance1):
    a, b, _c = sent
    text = HEADER + f"{a.reference},成功,3000.00,ICBC-1,\n{b.reference},失败,1200.50,ICBC-2,销户\n"
    reconcile(finance1, text)
    events = CaseEvent.objects.count()
    snapshot = list(Payment.objects.order_by("pk").values())
    again = reconcile(finance1, text)
    assert again.unchanged == [a.reference, b.reference]
    assert again.confirmed == again.failed == again.errors == []
    assert CaseEvent.objects.count() == events
    assert list(Payment.objects.order_by("pk").values()) == snapshot


def test_an_old_failure_line_does_not_fail_the_retry(sent, finance1):
    from claimdesk.payments.services import payment_retry

    _a, b, _c = sent
    reconcile(finance1, HEADER + f"{b.reference},失败,1200.50,ICBC-2,销户\n")
    payment_retry(payment=b, actor=finance1, now=T2, bank_ref="ICBC-7")
    old = reconcile(finance1, HEADER + f"{b.reference},失败,1200.50,ICBC-2,销户\n")
    assert old.unchanged == [b.reference] and state(b) == "sent"
    wrong = reconcile(finance1, HEADER + f"{b.reference},成功,1200.50,ICBC-8,\n")
    assert "does not match the transfer sent (ICBC-7)" in wrong.errors[0].message
    done = reconcile(finance1, HEADER + f"{b.reference},成功,1200.50,ICBC-7,\n")
    assert done.confirmed == [b.reference] and state(b) == "confirmed"


def test_a_payment_confirmed_by_hand_takes_the_banks_reference(sent, finance1):
    a, _b, _c = sent
    payment_confirm(payment=a, actor=finance1, now=T2)
    result = reconcile(finance1, HEADER + f"{a.reference},success,3000,ICBC-1,\n")
    assert result.unchanged == [a.reference]
    assert Payment.objects.get(pk=a.pk).transfers.get().bank_ref == "ICBC-1"
    conflict = reconcile(finance1, HEADER + f"{a.reference},failed,3000,ICBC-1,\n")
    assert "already recorded as confirmed" in conflict.errors[0].message


def test_only_finance_reconciles(sent, agent1):
    with pytest.raises(NotAllowed):
        reconcile(agent1, HEADER)


def test_the_file_needs_its_columns_and_may_be_gb18030_with_chinese_headings():
    with pytest.raises(GuardFailed, match="lacks the columns: status, amount"):
        reconcile_rows_read(b"reference,foo\nPY1,2\n")
    with pytest.raises(GuardFailed, match="empty"):
        reconcile_rows_read(b"")
    rows = reconcile_rows_read(
        "支付编号,状态,金额,银行流水号,失败原因\nPY1,失败,10,B1,销户\n\n".encode("gb18030")
    )
    assert rows == [
        (
            2,
            {
                "reference": "PY1",
                "status": "失败",
                "amount": "10",
                "bank_ref": "B1",
                "reason": "销户",
            },
        )
    ]


def test_the_command(sent, finance1, tmp_path, capsys):
    a, _b, c = sent
    good = tmp_path / "ok.csv"
    good.write_text(HEADER + f"{a.reference},成功,3000.00,ICBC-1,\n", encoding="utf-8")
    call_command("payments-reconcile", str(good), user="finance1")
    out = capsys.readouterr().out
    assert "1 rows: 1 confirmed, 0 failed, 0 unchanged, 0 errors" in out
    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER + f"{a.reference},成功,3000.00,ICBC-1,\n{c.reference},成功,1.00,ICBC-3,\n",
        encoding="utf-8",
    )
    with pytest.raises(SystemExit) as exit_:
        call_command("payments-reconcile", str(bad), user="finance1")
    assert exit_.value.code == 1
    captured = capsys.readouterr()
    assert "1 unchanged, 1 errors" in captured.out
    assert "line 3" in captured.err and "differs" in captured.err
