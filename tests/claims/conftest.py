"""Claims test helpers: demo policies, a valid report, and a JSON client with headers whose
answers are checked against the OpenAPI schema."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
import time_machine
from django.test import Client

from claimdesk.cases.models import Case
from claimdesk.claims.models import Claim, ClaimItem, IdempotencyKey
from claimdesk.notify.models import Notification
from claimdesk.policies.demo import demo_policy
from claimdesk.staff.services import token_issue
from tests.api.conftest import check_against_openapi
from tests.conftest import PASSWORD, at

# Wed 30 Sept 2026 10:00 Shanghai: the day before the National Day holiday (1–7 Oct,
# Sat 10 Oct a 调休 working day).
T0 = at("2026-09-30 10:00")


def report(**extra: Any) -> dict[str, Any]:
    """A complete auto report on customer1's policy PAUTO0001, as JSON would carry it."""
    return {
        "policy_no": "PAUTO0001",
        "insured_name": "张三",
        "loss_time": "2026-09-29T18:00:00+08:00",
        "loss_place": "上海市浦东新区世纪大道",
        "loss_cause": "追尾",
        "description": "等红灯时被后车追尾，后保险杠受损",
        "loss_type": "auto",
        "estimated_amount": "3200.00",
        "contact_phone": "13812345678",
        **extra,
    }


def counts() -> dict[str, int]:
    """What a refused report must leave as it was."""
    return {
        "cases": Case.objects.count(),
        "claims": Claim.objects.count(),
        "items": ClaimItem.objects.count(),
        "keys": IdempotencyKey.objects.count(),
        "notifications": Notification.objects.count(),
    }


class ClaimsApi:
    """JSON calls to /api/v1 as one user, with extra headers, each checked against OpenAPI."""

    def __init__(self, token: str | None = None, language: str = "en"):
        self.client = Client()
        self.headers = {"HTTP_ACCEPT_LANGUAGE": language}
        if token:
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"

    def get(self, path: str, **params):
        r = self.client.get(f"/api/v1{path}", params, **self.headers)
        check_against_openapi("get", f"/api/v1{path}", r)
        return r

    def post(self, path: str, body: Any = None, *, raw: str | None = None, key: str | None = None):
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        headers = dict(self.headers)
        if key is not None:
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        r = self.client.post(
            f"/api/v1{path}", data=data, content_type="application/json", **headers
        )
        check_against_openapi("post", f"/api/v1{path}", r)
        return r


@pytest.fixture
def frozen():
    """The API reads the real clock: hold it at T0 (``frozen.shift(...)`` moves it)."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def auto_policy(products, customer1):
    return demo_policy(
        number="PAUTO0001",
        holder=customer1,
        line="auto",
        start=date(2026, 3, 1),
        insured_name="张三",
        plate="沪A12345",
        products=products,
    )


@pytest.fixture
def ci_policy(products, customer1):
    return demo_policy(
        number="PCI0001",
        holder=customer1,
        line="critical_illness",
        start=date(2026, 1, 1),
        insured_name="张三",
        products=products,
    )


@pytest.fixture
def other_policy(products, customer2):
    return demo_policy(
        number="PPROP0002",
        holder=customer2,
        line="property",
        start=date(2026, 1, 1),
        insured_name="李四",
        products=products,
    )


@pytest.fixture
def claims_api(db):
    """``claims_api(user, language="en")`` → a :class:`ClaimsApi` with a fresh bearer token."""

    def make(user=None, language: str = "en") -> ClaimsApi:
        if user is None:
            return ClaimsApi(language=language)
        token = token_issue(username=user.username, password=PASSWORD, now=T0)
        assert token
        return ClaimsApi(token, language=language)

    return make


@pytest.fixture
def accident_policy(products, customer1):
    return demo_policy(
        number="PACC0001",
        holder=customer1,
        line="accident",
        start=date(2026, 1, 1),
        insured_name="张三",
        products=products,
    )


def claim_in_adjudication(*, owner, adjuster, now=T0, policy_no="PACC0001", **extra) -> Claim:
    """An accident claim taken on the hotline by ``owner``, materials complete and in
    adjudication, with a review task that lets ``adjuster`` work on it."""
    from claimdesk.cases.services import case_transition, task_assign
    from claimdesk.claims.services import claim_item_set_state, claim_report

    result = claim_report(
        reporter=owner,
        report={
            "policy_no": policy_no,
            "insured_name": "张三",
            "loss_time": at("2026-09-28 09:00"),
            "loss_place": "上海市徐汇区",
            "loss_cause": "骑车摔伤",
            "description": "下班骑车摔倒，右腕骨折住院",
            "loss_type": "accident",
            "estimated_amount": "30000",
            "contact_phone": "13812345678",
            **extra,
        },
        channel="hotline",
        now=now,
    )
    claim = result.claim
    case_transition(case=claim.case, action="contact", actor=owner, now=now)
    for item in claim.items.filter(core=True):
        claim_item_set_state(item=item, state="received", actor=owner, now=now)
        claim_item_set_state(item=item, state="accepted", actor=owner, now=now)
    case_transition(case=claim.case, action="send_to_adjudication", actor=owner, now=now)
    task_assign(
        case=claim.case, kind="review", title="核定", assignee=adjuster, actor=owner, now=now
    )
    claim.refresh_from_db()
    return claim
