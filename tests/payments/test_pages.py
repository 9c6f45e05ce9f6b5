"""The finance workbench page and the admin: only finance, actions through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from claimdesk.payments.models import Payment
from claimdesk.staff.roles import Role
from claimdesk.staff.services import user_create
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def login(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def later(frozen):
    frozen.shift(timedelta(hours=2))
    return frozen


def test_only_finance_opens_the_workbench(paying, agent1, customer1, client):
    assert client.get("/payments/").status_code == 302  # to the login page
    assert login(agent1).get("/payments/").status_code == 403
    assert login(customer1).get("/payments/").status_code == 403
    assert login(agent1).post(f"/payments/claims/{paying.number}/instruct/").status_code == 403


def test_instruct_send_fail_retry_confirm_on_the_page(paying, finance1, later):
    web = login(finance1)
    page = web.get("/payments/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-testid="instruct-{paying.number}"' in html
    r = web.post(f"/payments/claims/{paying.number}/instruct/", follow=True)
    assert "instructed" in r.content.decode()
    p = Payment.objects.get(claim=paying)
    html = web.get("/payments/").content.decode()
    assert f'data-testid="instruct-{paying.number}"' not in html
    assert f'data-testid="send-{p.reference}"' in html and "3445" in html
    assert "6222020200112233445" not in html
    web.post(f"/payments/{p.reference}/send/", {"bank_ref": "B-1"})
    r = web.post(f"/payments/{p.reference}/fail/", {"reason": ""}, follow=True)
    assert "Say why the transfer failed." in r.content.decode()
    web.post(f"/payments/{p.reference}/fail/", {"reason": "户名不符"})
    web.post(f"/payments/{p.reference}/retry/")
    r = web.post(f"/payments/{p.reference}/confirm/", follow=True)
    assert "confirmed" in r.content.decode()
    p.refresh_from_db()
    assert (p.state, p.attempts) == ("confirmed", 2)
    r = web.post(f"/payments/{p.reference}/confirm/", follow=True)
    assert "is not possible while payment" in r.content.decode()
    assert web.post("/payments/PY0/send/").status_code == 404


def test_reconcile_on_the_page(paying, finance1, later):
    web = login(finance1)
    web.post(f"/payments/claims/{paying.number}/instruct/")
    p = Payment.objects.get(claim=paying)
    web.post(f"/payments/{p.reference}/send/")
    csv = f"reference,status,amount,bank_ref,reason\n{p.reference},成功,3000,B-9,\nPY1,成功,1,B,\n"
    upload = SimpleUploadedFile("bank.csv", csv.encode(), content_type="text/csv")
    r = web.post("/payments/reconcile/", {"file": upload}, follow=True)
    html = r.content.decode()
    assert "1 confirmed" in html and "Line 3 (PY1): No payment PY1." in html
    assert Payment.objects.get(pk=p.pk).state == "confirmed"


def test_the_admin_shows_payments_read_only(paying, finance1, later):
    from claimdesk.payments.services import payment_instruct

    p = payment_instruct(claim=paying, actor=finance1, now=paying.decided_at)
    admin = user_create(username="admin1", password=PASSWORD, role=Role.ADMIN)
    assert admin.has_perm("payments.view_payment")
    web = login(admin)
    r = web.get("/admin/payments/payment/")
    assert r.status_code == 200 and p.reference in r.content.decode()
    r = web.get(f"/admin/payments/payment/{p.pk}/change/")
    assert r.status_code == 200 and "3445" in r.content.decode()
    assert "6222020200112233445" not in r.content.decode()
    assert web.get("/admin/payments/payment/add/").status_code == 403
    assert Permission.objects.filter(codename="view_payment").exists()
