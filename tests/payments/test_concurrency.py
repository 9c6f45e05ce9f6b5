"""Two finance actions on one claim at once, on PostgreSQL (real row locks): exactly one
payment, exactly one transfer, the other caller refused clearly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from claimdesk.cases.services import IllegalTransition
from claimdesk.payments.models import Payment, PaymentAttempt
from claimdesk.payments.services import PaymentExists, payment_instruct, payment_send
from claimdesk.staff.services import token_issue
from tests.claims.conftest import T0
from tests.conftest import PASSWORD, race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

T1 = T0 + timedelta(hours=2)


def test_two_instructions_at_once_make_one_payment(paying, finance1):
    results = race(2, lambda i: payment_instruct(claim=paying, actor=finance1, now=T1))
    made = [r for r in results if isinstance(r, Payment)]
    refused = [r for r in results if isinstance(r, PaymentExists)]
    assert len(made) == 1 and len(refused) == 1, results
    assert refused[0].status == 409
    assert Payment.objects.filter(claim=paying).count() == 1


def test_two_sends_at_once_make_one_transfer(paying, finance1):
    payment = payment_instruct(claim=paying, actor=finance1, now=T1)
    results = race(2, lambda i: payment_send(payment=payment, actor=finance1, now=T1))
    sent = [r for r in results if isinstance(r, Payment)]
    refused = [r for r in results if isinstance(r, IllegalTransition)]
    assert len(sent) == 1 and len(refused) == 1, results
    assert PaymentAttempt.objects.filter(payment=payment).count() == 1
    assert Payment.objects.get(pk=payment.pk).attempts == 1


def test_two_payment_submissions_through_the_api_at_once(paying, finance1):
    """Two clicks on "pay" from two browsers: one 201, one 409, one payment."""
    # The API reads the real clock: the token must be valid now.
    token = token_issue(username=finance1.username, password=PASSWORD, now=timezone.now())
    assert token

    def submit(i: int) -> int:
        r = Client().post(
            f"/api/v1/claims/{paying.number}/payment",
            data="",
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        return r.status_code

    codes = sorted(race(2, submit))
    assert codes == [201, 409], codes
    assert Payment.objects.filter(claim=paying).count() == 1
