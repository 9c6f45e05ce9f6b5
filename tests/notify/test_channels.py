"""SMS (outbox log and HTTP gateway) and partner webhooks, against a real local HTTP server."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
from datetime import UTC, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from claimdesk.notify import services as notify
from claimdesk.notify.channels import DELIVERY_HEADER, SIGNATURE_HEADER
from claimdesk.notify.models import Channel, Notification, Status, WebhookEndpoint
from tests.cases.conftest import T0, open_claim

MIN = timedelta(minutes=1)


def queue(recipient, *, case=None, kind="claim_registered", phone=None, subject="报案已受理"):
    return notify.notification_queue(
        recipient=recipient,
        subject=subject,
        body="请提供：事故认定书、维修发票",
        now=T0,
        kind=kind,
        case=case,
        phone=phone,
    )


def row(channel: str) -> Notification:
    return Notification.objects.get(channel=channel)


# --- SMS: the embedded default writes the outbox log ----------------------------------------


def test_the_sms_log_gets_exactly_one_line_per_message(customer1, settings):
    for i in range(3):
        queue(customer1, phone=f"1380013800{i}", subject=f"#{i}")
    assert notify.notifications_deliver(now=T0) == 3 + 3 + 3  # in-app, e-mail, SMS
    assert notify.notifications_deliver(now=T0 + MIN) == 0

    lines = settings.CLAIMDESK_SMS_LOG.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    sent = [json.loads(line) for line in lines]
    assert [m["to"] for m in sent] == ["13800138000", "13800138001", "13800138002"]
    assert sent[0]["text"].startswith("#0\n请提供")
    ids = sorted(Notification.objects.filter(channel=Channel.SMS).values_list("pk", flat=True))
    assert sorted(m["id"] for m in sent) == ids
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.SENT}


def test_no_phone_no_sms_row(customer1, customer2):
    queue(customer1)
    queue(customer2, phone="  ")
    assert not Notification.objects.filter(channel=Channel.SMS).exists()
    assert Notification.objects.filter(recipient=customer2).count() == 1  # in-app only


# --- SMS through the HTTP gateway -------------------------------------------------------------


@pytest.fixture
def gateway(receiver, settings):
    settings.CLAIMDESK_SMS_URL = f"{receiver.url}/sms/send"
    settings.CLAIMDESK_SMS_KEY = "gateway-key-1"
    return receiver


def test_the_gateway_gets_json_with_the_bearer_key(customer1, gateway, settings):
    queue(customer1, phone="13800138000")
    notify.notifications_deliver(now=T0)

    (request,) = gateway.requests
    assert request.path == "/sms/send"
    assert request.headers["Authorization"] == "Bearer gateway-key-1"
    assert request.headers["Content-Type"].startswith("application/json")
    sms = row(Channel.SMS)
    assert request.json == {
        "to": "13800138000",
        "text": "报案已受理\n请提供：事故认定书、维修发票",
        "id": sms.pk,
    }
    assert (sms.status, sms.sent_at, sms.attempts) == (Status.SENT, T0, 1)
    assert not settings.CLAIMDESK_SMS_LOG.exists()  # the log is only the default


def test_a_500_is_retried_after_the_backoff(customer1, gateway):
    gateway.statuses = [500]
    queue(customer1, phone="13800138000")
    notify.notifications_deliver(now=T0)
    sms = row(Channel.SMS)
    assert (sms.status, sms.attempts, sms.sent_at) == (Status.PENDING, 1, None)
    assert sms.last_error.startswith("HTTP 500") and "gateway trouble" in sms.last_error
    assert sms.next_attempt_at == T0 + notify.retry_delay(1) == T0 + MIN

    notify.notifications_deliver(now=T0 + MIN / 2)  # not due yet
    assert len(gateway.requests) == 1

    notify.notifications_deliver(now=T0 + MIN)
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.sent_at, sms.last_error) == (
        Status.SENT,
        2,
        T0 + MIN,
        "",
    )
    assert len(gateway.requests) == 2
    assert gateway.requests[0].json == gateway.requests[1].json  # same id: receiver can dedupe


def test_a_redirect_is_a_failure_not_a_resend(customer1, gateway):
    gateway.statuses = [302]
    queue(customer1, phone="13800138000")
    notify.notifications_deliver(now=T0)
    sms = row(Channel.SMS)
    assert (sms.status, len(gateway.requests)) == (Status.PENDING, 1)
    assert "302" in sms.last_error


def test_an_unreachable_gateway_is_a_failure(customer1, settings):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.CLAIMDESK_SMS_URL = f"http://127.0.0.1:{port}/sms"
    queue(customer1, phone="13800138000")
    notify.notifications_deliver(now=T0)
    sms = row(Channel.SMS)
    assert sms.status == Status.PENDING and "refused" in sms.last_error.lower()


def test_a_gateway_slower_than_the_timeout_is_a_failure(customer1, gateway, settings):
    settings.CLAIMDESK_NOTIFY_TIMEOUT = 1
    gateway.delay = 1.5
    queue(customer1, phone="13800138000")
    notify.notifications_deliver(now=T0)
    sms = row(Channel.SMS)
    assert sms.status == Status.PENDING and "timed out" in sms.last_error


def test_the_backoff_doubles_up_to_the_cap(settings):
    assert [notify.retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert notify.retry_delay(30) == notify.BACKOFF_CAP


# --- webhooks ---------------------------------------------------------------------------------


@pytest.fixture
def case(agent1, customer1):
    """An open claim of customer1's, with the notes its opening queued already delivered.

    customer1 then loses the e-mail address, so a partner webhook is the only external row.
    """
    case = open_claim(agent1, customer1)
    notify.notifications_deliver(now=T0)
    customer1.email = ""
    customer1.save(update_fields=["email"])
    return case


@pytest.fixture
def partner(receiver, case):
    return WebhookEndpoint.objects.create(
        name="repair-shop app", url=f"{receiver.url}/hooks/claimdesk", secret="s3cret"
    )


def test_a_customer_notification_goes_to_each_matching_active_endpoint(case, customer1, receiver):
    wanted = WebhookEndpoint.objects.create(
        name="a", url=f"{receiver.url}/a", secret="x", kinds=["claim_registered"]
    )
    WebhookEndpoint.objects.create(name="b", url=f"{receiver.url}/b", secret="x", kinds=["paid"])
    WebhookEndpoint.objects.create(name="c", url=f"{receiver.url}/c", secret="x", active=False)
    every = WebhookEndpoint.objects.create(name="d", url=f"{receiver.url}/d", secret="x")
    queue(customer1, case=case)
    hooks = Notification.objects.filter(channel=Channel.WEBHOOK)
    assert sorted(h.endpoint_id for h in hooks) == [wanted.pk, every.pk]
    notify.notifications_deliver(now=T0)
    assert sorted(r.path for r in receiver.requests) == ["/a", "/d"]


def test_staff_notes_and_notes_without_a_case_stay_inside(case, customer1, agent1, partner):
    queue(agent1, case=case, kind="task_assigned")  # about the case, but to staff
    queue(customer1, kind="claim_registered")  # no case
    assert not Notification.objects.filter(channel=Channel.WEBHOOK).exists()


def test_the_webhook_is_signed_and_carries_the_event(case, customer1, partner, receiver):
    queue(customer1, case=case)
    notify.notifications_deliver(now=T0)

    (request,) = receiver.requests
    assert request.path == "/hooks/claimdesk"
    assert request.json == {
        "event": "claim_registered",
        "case_number": case.number,
        "subject": "报案已受理",
        "body": "请提供：事故认定书、维修发票",
        "created_at": T0.astimezone(UTC).isoformat(),
    }
    expected = hmac.new(b"s3cret", request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers[SIGNATURE_HEADER], f"sha256={expected}")
    forged = hmac.new(b"wrong", request.body, hashlib.sha256).hexdigest()
    assert request.headers[SIGNATURE_HEADER] != f"sha256={forged}"
    hook = row(Channel.WEBHOOK)
    assert request.headers[DELIVERY_HEADER] == str(hook.pk)
    assert (hook.status, hook.sent_at) == (Status.SENT, T0)


def test_an_endpoint_switched_off_after_queueing_gets_nothing(case, customer1, partner, receiver):
    queue(customer1, case=case)
    partner.active = False
    partner.save()
    notify.notifications_deliver(now=T0)
    assert receiver.requests == []
    hook = row(Channel.WEBHOOK)
    assert hook.status == Status.PENDING and "inactive" in hook.last_error


def test_event_kinds_must_be_a_list_of_names(db):
    endpoint = WebhookEndpoint(name="x", url="https://partner.example/hook", secret="k")
    endpoint.kinds = "claim_registered"
    with pytest.raises(ValidationError):
        endpoint.full_clean()
    endpoint.kinds = ["claim_registered"]
    endpoint.full_clean()


# --- sent once ---------------------------------------------------------------------------------


def test_delivered_once_when_deliver_runs_twice(case, customer1, partner, gateway):
    queue(customer1, case=case, phone="13800138000")
    notify.notifications_deliver(now=T0)
    notify.notifications_deliver(now=T0)
    notify.notifications_deliver(now=T0 + timedelta(days=1))
    assert sorted(r.path for r in gateway.requests) == ["/hooks/claimdesk", "/sms/send"]


def test_a_claimed_row_waits_for_the_lease_before_another_worker_takes_it(
    case, customer1, partner, receiver, settings
):
    """A worker claimed the row and died: nobody sends it until its lease has run out."""
    queue(customer1, case=case)
    (claimed,) = notify._claim(now=T0, limit=10)  # … and the worker vanishes here
    assert (claimed.status, claimed.attempts) == (Status.SENDING, 1)

    notify.notifications_deliver(now=T0 + MIN)
    assert receiver.requests == []

    lease = timedelta(seconds=settings.CLAIMDESK_NOTIFY_LEASE_SECONDS)
    notify.notifications_deliver(now=T0 + lease)
    assert len(receiver.requests) == 1
    hook = row(Channel.WEBHOOK)
    assert (hook.status, hook.attempts) == (Status.SENT, 2)


def test_a_crash_after_sending_does_not_resend_at_once(
    case, customer1, partner, receiver, monkeypatch
):
    queue(customer1, case=case)

    def crash(note, changes):
        raise SystemExit("worker killed between the send and the bookkeeping")

    monkeypatch.setattr(notify, "_record", crash)
    with pytest.raises(SystemExit):
        notify.notifications_deliver(now=T0)
    monkeypatch.undo()
    assert len(receiver.requests) == 1
    assert row(Channel.WEBHOOK).status == Status.SENDING

    for minutes in (0, 1, 4):
        notify.notifications_deliver(now=T0 + minutes * MIN)
    assert len(receiver.requests) == 1


def test_a_late_outcome_does_not_overwrite_a_newer_claim(case, customer1, partner, receiver):
    queue(customer1, case=case)
    (stale,) = notify._claim(now=T0, limit=10)
    notify.notifications_deliver(now=T0 + timedelta(hours=1))  # the lease ran out; resent
    assert notify._send(stale, now=T0 + timedelta(hours=2)) == 0  # the first worker wakes up
    hook = row(Channel.WEBHOOK)
    assert (hook.status, hook.sent_at) == (Status.SENT, T0 + timedelta(hours=1))
    # … and does not hand the already-sent message to the endpoint a second time
    assert len(receiver.requests) == 1


def test_the_delivery_task_run_twice_sends_each_message_once(customer1, gateway):
    """The task is acknowledged late, so a broker may run it twice: the gateway still gets
    each message once, with its id and an idempotency key naming the notification."""
    from claimdesk.notify.channels import IDEMPOTENCY_HEADER
    from claimdesk.notify.tasks import notifications_deliver

    queue(customer1, phone="13800138000")
    queue(customer1, phone="13800138000", subject="材料已收到")
    assert notifications_deliver.delay().get() == Notification.objects.count()
    assert notifications_deliver.delay().get() == 0
    ids = sorted(r.json["id"] for r in gateway.requests)
    assert ids == sorted(
        Notification.objects.filter(channel=Channel.SMS).values_list("pk", flat=True)
    )
    assert {r.headers[IDEMPOTENCY_HEADER] for r in gateway.requests} == {
        f"claimdesk-notification-{pk}" for pk in ids
    }


def test_after_a_lost_worker_the_message_goes_again_under_the_same_key_once(
    customer1, gateway, settings, monkeypatch
):
    """A worker killed after the gateway took the SMS but before it wrote "sent": the row
    goes again only after its lease, under the same id and key (for the gateway to drop),
    and never a third time however often the task runs."""
    from claimdesk.notify.channels import IDEMPOTENCY_HEADER

    queue(customer1, phone="13800138000")
    record = notify._record

    def killed(note, changes):
        if note.channel == Channel.SMS:
            raise SystemExit("worker killed between the send and the bookkeeping")
        record(note, changes)

    monkeypatch.setattr(notify, "_record", killed)
    with pytest.raises(SystemExit):
        notify.notifications_deliver(now=T0)
    monkeypatch.undo()
    for _ in range(2):  # redelivered task, beat pass: the lease still holds
        notify.notifications_deliver(now=T0 + MIN)
    assert len(gateway.requests) == 1
    lease = timedelta(seconds=settings.CLAIMDESK_NOTIFY_LEASE_SECONDS)
    for _ in range(3):
        notify.notifications_deliver(now=T0 + lease + MIN)
    first, again = gateway.requests
    assert first.json == again.json
    assert first.headers[IDEMPOTENCY_HEADER] == again.headers[IDEMPOTENCY_HEADER]
    assert row(Channel.SMS).status == Status.SENT


# --- never lost ----------------------------------------------------------------------------------


def test_failed_after_max_attempts_then_requeued_from_the_admin(
    case, customer1, partner, receiver, admin_client
):
    receiver.always = 500
    queue(customer1, case=case)
    now = T0
    for attempt in range(1, notify.MAX_ATTEMPTS + 1):
        notify.notifications_deliver(now=now)
        now += notify.retry_delay(attempt)
    hook = row(Channel.WEBHOOK)
    assert (hook.status, hook.attempts, hook.sent_at) == (Status.FAILED, notify.MAX_ATTEMPTS, None)
    assert hook.last_error.startswith("HTTP 500")
    assert len(receiver.requests) == notify.MAX_ATTEMPTS

    notify.notifications_deliver(now=now + timedelta(days=30))
    assert len(receiver.requests) == notify.MAX_ATTEMPTS  # given up, but kept

    changelist = "/admin/notify/notification/"
    page = admin_client.get(changelist, {"status__exact": "failed"})
    assert page.status_code == 200
    assert "HTTP 500" in page.content.decode()

    receiver.always = 200
    response = admin_client.post(changelist, {"action": "requeue", "_selected_action": [hook.pk]})
    assert response.status_code == 302
    hook.refresh_from_db()
    assert (hook.status, hook.attempts) == (Status.PENDING, 0)

    notify.notifications_deliver(now=hook.next_attempt_at)
    hook.refresh_from_db()
    assert (hook.status, hook.attempts) == (Status.SENT, 1)
    assert len(receiver.requests) == notify.MAX_ATTEMPTS + 1


def test_a_worker_lost_on_the_last_attempt_marks_the_row_failed(
    case, customer1, partner, receiver, settings
):
    queue(customer1, case=case)
    Notification.objects.filter(channel=Channel.WEBHOOK).update(attempts=notify.MAX_ATTEMPTS - 1)
    notify._claim(now=T0, limit=10)  # the last attempt's worker dies
    notify.notifications_deliver(now=T0 + timedelta(hours=1))
    hook = row(Channel.WEBHOOK)
    assert hook.status == Status.FAILED and "outcome unknown" in hook.last_error
    assert receiver.requests == []


# --- transactions ----------------------------------------------------------------------------------


def test_a_rolled_back_transaction_sends_nothing(
    case, customer1, partner, gateway, settings, django_capture_on_commit_callbacks
):
    before = Notification.objects.count()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        queue(customer1, case=case, phone="13800138000")
        raise RuntimeError("the claim could not be registered")
    assert callbacks == []
    assert Notification.objects.count() == before
    notify.notifications_deliver(now=T0 + timedelta(days=1))
    assert gateway.requests == []


def test_a_committed_action_delivers_through_the_worker(
    case, customer1, partner, settings, django_capture_on_commit_callbacks
):
    """On commit the (eager) Celery task drains the outbox: SMS into the log, the webhook out."""
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        queue(customer1, case=case, phone="13800138000")
    assert len(settings.CLAIMDESK_SMS_LOG.read_text().splitlines()) == 1
    assert row(Channel.WEBHOOK).status == Status.SENT


# --- configuration ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CLAIMDESK_SMS_URL", "ftp://gateway", "not an http(s) URL"),
        ("CLAIMDESK_NOTIFY_TIMEOUT", "soon", "not an integer"),
        ("CLAIMDESK_NOTIFY_LEASE_SECONDS", "5", "at least twice"),
    ],
)
def test_bad_channel_settings_fail_at_start_up(variable, value, message, tmp_path):
    env = {**os.environ, variable: value, "CLAIMDESK_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "import claimdesk.settings"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr
