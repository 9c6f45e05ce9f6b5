"""Segregation of duties: every business action × every role, as ``docs/access-matrix.md``
says. The document is the data; a refused action leaves every table as it was."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone, translation

from claimdesk.claims.models import ClaimDecision, ReserveRequest
from claimdesk.claims.services import (
    AboveReserveAuthority,
    decision_propose,
    loss_item_add,
    reserve_adjust,
)
from claimdesk.notify.services import notification_queue
from claimdesk.payments.models import Payment
from claimdesk.payments.services import payment_instruct, payment_send
from claimdesk.policies.demo import demo_policy
from claimdesk.recoveries.services import recovery_open
from claimdesk.servicing.models import ServiceRequest
from claimdesk.staff.access import work_permissions
from claimdesk.staff.models import RoleGrant
from claimdesk.staff.roles import ROLE_PERMISSIONS, Role
from claimdesk.staff.services import role_grant, token_issue, user_create
from tests.claims import conftest as claims_conftest
from tests.claims.conftest import T0, ClaimsApi, claim_in_adjudication
from tests.conftest import PASSWORD
from tests.partners.conftest import discharge_bill
from tests.payments import conftest as payments_conftest
from tests.payments.conftest import claim_in_paying
from tests.servicing import conftest as servicing_conftest
from tests.staff.matrix import Writes, fill, matrix, person
from tests.stp import conftest as stp_conftest
from tests.stp.conftest import medical_policy, sampled_review
from tests.underwriting.conftest import declared_chronic, submit, underwriter_with_authority

auto_policy = claims_conftest.auto_policy
accident_policy = claims_conftest.accident_policy
frozen = claims_conftest.frozen
account = payments_conftest.account
upload = stp_conftest.upload
invoice_font = stp_conftest.invoice_font


@pytest.fixture
def ci_policy(products, customer1):
    """customer1's critical-illness policy (paid to the default account of ``account``)."""
    return demo_policy(
        number="PCI0001",
        holder=customer1,
        line="critical_illness",
        start=date(2026, 3, 1),
        insured_name="张三",
        products=products,
    )


ROLES, ROWS = matrix()
BUSINESS_PERMISSIONS = {
    "claims.decide_claim",
    "claims.handle_payment",
    "policies.handle_policy_service",
    "policies.decide_underwriting",
    "compliance.override_compliance",
    "partners.act_as_partner",
    "compliance.score_quality",
    "recoveries.handle_recovery",
    "claims.handle_intake",
}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def api(user) -> ClaimsApi:
    token = token_issue(username=user.username, password=PASSWORD, now=timezone.now())
    assert token
    return ClaimsApi(token)


def test_the_matrix_has_every_role_and_every_business_permission():
    assert [r.value for r in Role] == ROLES
    assert {p for row in ROWS for p in row.permissions} >= BUSINESS_PERMISSIONS
    assert work_permissions() >= BUSINESS_PERMISSIONS
    for row in ROWS:
        assert set(row.permissions) <= work_permissions(), row.action


@pytest.mark.django_db
def test_each_role_holds_exactly_what_the_matrix_allows():
    people = {role: person(Role(role)) for role in ROLES}
    superuser = person(Role.ADMIN, "root")
    superuser.is_superuser = True
    superuser.save()
    for row in ROWS:
        for role, allowed in row.cells.items():
            held = [p for p in row.permissions if people[role].has_perm(p)]
            assert bool(held) is allowed, (row.action, role)
            granted = set(row.permissions) & set(ROLE_PERMISSIONS[Role(role)])
            assert allowed is bool(granted), (row.action, role)
        # Superuser status is configuration, never a business role.
        assert not any(superuser.has_perm(p) for p in row.permissions), row.action
    # The admin group holds no work permission, whatever an earlier version gave it.
    admin_perms = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name="admin").permissions.select_related("content_type")
    }
    assert not admin_perms & work_permissions()
    assert {"policies.change_product", "auth.change_user", "cases.change_slarule"} <= admin_perms


@pytest.fixture
def world(
    frozen,
    products,
    auto_policy,
    accident_policy,
    account,
    ci_policy,
    customer1,
    agent1,
    adjuster1,
    adjuster2,
    finance1,
    manager1,
    upload,
):
    """One object per action, each in the state where the action is possible, all built
    through the services; ``prepare[action]()`` → the path to try (some states follow from
    the one before: instructed after instruct, sent after send)."""
    later = T0 + timedelta(hours=2)
    # customer1's small medical claim decided straight through and sampled for QA review
    # (built first: the claims below never count as earlier claims against its checks).
    medical_policy(customer1, products)
    stp_review = sampled_review(customer1, upload)
    # A pending decision on customer1's accident claim (adjuster1 proposed it).
    deciding = claim_in_adjudication(owner=agent1, adjuster=adjuster1)
    loss_item_add(
        claim=deciding,
        actor=adjuster1,
        now=T0,
        coverage="accident-medical",
        label="住院医疗费",
        amount="8000",
    )
    decision = decision_propose(claim=deciding, actor=adjuster1, now=T0)
    # customer1's auto claim approved for ¥3,000 and handed to finance1.
    # A reserve change on it above agent1's reserve authority, waiting for a signature.
    with pytest.raises(AboveReserveAuthority):
        reserve_adjust(claim=deciding, amount="900000", reason="伤情加重", actor=agent1, now=T0)
    reserve_request = ReserveRequest.objects.get(claim=deciding)
    paying = claim_in_paying(owner=agent1, adjuster=adjuster1, approver=adjuster2, finance=finance1)
    # A recovery from the other driver's insurer on the approved motor claim (manager1's).
    recovery = recovery_open(
        claim=paying,
        kind="subrogation",
        counterparty="某某财产保险公司上海分公司",
        expected="1000",
        basis="交警认定书：对方全责",
        actor=manager1,
        now=T0,
    )
    frozen.move_to(later)
    # A surrender of PCI0001, its materials in, waiting for a clerk's approval.
    clerk = servicing_conftest._user(
        "clerk1", Role.UNDERWRITER, manager=manager1, approval_limit=Decimal(100000)
    )
    r = api(customer1).post("/policy-service", {"policy": "PCI0001", "item": "surrender"})
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    codes = [c["code"] for c in r.json()["checklist"]]
    assert (
        api(clerk).post(f"/policy-service/{number}/materials", {"codes": codes}).status_code == 200
    )
    # An application with a declared chronic condition, for an underwriter to decide.
    uw = underwriter_with_authority("uw1", "5000000", 3, manager=manager1)
    application = submit(customer1, now=timezone.now(), **declared_chronic())
    assert application.case.status != "accepted"
    # A message to customer1 held by the compliance screen.
    (held, *_rest) = notification_queue(
        recipient=customer1, subject="保证100%赔付，绝对到账", now=timezone.now(), kind="x"
    )
    assert held.status == "held"

    def instructed():
        if not Payment.objects.filter(claim=paying).exists():
            payment_instruct(claim=paying, actor=finance1, now=timezone.now())
        return Payment.objects.get(claim=paying)

    def sent():
        payment = instructed()
        if payment.state == "instructed":
            payment_send(payment=payment, actor=finance1, now=timezone.now())
        return payment

    def approved():
        req = ServiceRequest.objects.get(case__number=number)
        if req.case.status != "approved":
            assert api(clerk).post(f"/policy-service/{number}/approve").status_code == 200
        return number

    body_decision = {"outcome": "accept", "reason": "体检正常，标准体承保"}
    prepare = {
        "propose a claim decision": lambda p: (fill(p, no=deciding.number), {}),
        "approve a claim decision": lambda p: (
            fill(p, no=deciding.number, id=decision.pk),
            None,
        ),
        "return a claim decision": lambda p: (
            fill(p, no=deciding.number, id=decision.pk),
            {"reason": "请补充病历"},
        ),
        "instruct a claim payment": lambda p: (fill(p, no=paying.number), None),
        "send a payment to the bank": lambda p: (fill(p, ref=instructed().reference), None),
        "confirm a payment": lambda p: (fill(p, ref=sent().reference), None),
        "approve a policy-service request": lambda p: (fill(p, number=number), None),
        "record a surrender payment": lambda p: (
            fill(p, number=approved()),
            {"bank_ref": "B-1"},
        ),
        "decide an underwriting application": lambda p: (
            fill(p, number=application.case.number),
            body_decision,
        ),
        "release a held message": lambda p: (fill(p, id=held.pk), None),
        # A hospital's bill for customer1's policy: only a partner's staff may submit it.
        "submit a direct-settlement bill": lambda p: (fill(p), discharge_bill()),
        "confirm an automatic decision": lambda p: (fill(p, id=stp_review.pk), {}),
        "reopen an automatic decision": lambda p: (
            fill(p, id=stp_review.pk),
            {"note": "发票金额有误", "amount": "250"},
        ),
        "change a claim's reserve": lambda p: (
            fill(p, no=deciding.number),
            {"amount": "12345", "reason": "伤情加重"},
        ),
        "sign a reserve change": lambda p: (
            fill(p, no=deciding.number, id=reserve_request.pk),
            None,
        ),
        "refuse a reserve change": lambda p: (
            fill(p, no=deciding.number, id=reserve_request.pk),
            {"note": "依据不足"},
        ),
        "open a recovery": lambda p: (
            fill(p, no=paying.number),
            {"kind": "salvage", "counterparty": "某某拍卖行", "expected": "800", "basis": "残值"},
        ),
        "send a recovery letter": lambda p: (fill(p, no=paying.number, id=recovery.pk), None),
        "record an amount recovered": lambda p: (
            fill(p, no=paying.number, id=recovery.pk),
            {"amount": "500", "reference": "HX-1"},
        ),
        "close a recovery": lambda p: (
            fill(p, no=paying.number, id=recovery.pk),
            {"reason": "对方无力赔付"},
        ),
    }
    return {"prepare": prepare, "decision": decision, "uw": uw}


@pytest.mark.django_db
def test_every_refused_cell_is_refused_on_its_endpoint_and_changes_nothing(world, customer1):
    people = {role: person(Role(role)) for role in ROLES if role != "customer"}
    people["customer"] = customer1  # the holder of every object: still not a decider
    clients = {role: api(user) for role, user in people.items()}
    missing = [row.action for row in ROWS if row.action not in world["prepare"]]
    assert not missing, f"matrix rows with no object to try them on: {missing}"
    tried = 0
    for row in ROWS:
        path, body = world["prepare"][row.action](row.path)
        assert row.method == "POST"
        for role, allowed in row.cells.items():
            if allowed:
                continue
            with Writes() as writes:
                r = clients[role].post(path, body)
            assert r.status_code in (403, 404), (row.action, role, r.status_code, r.content)
            assert writes.tables == [], (row.action, role)
            tried += 1
    assert tried == sum(not a for row in ROWS for a in row.cells.values())
    # The admin's refused approval escalated nothing (the probe's finding).
    assert ClaimDecision.objects.get(pk=world["decision"].pk).escalated_to_id is None


@pytest.mark.django_db
def test_an_administrator_given_finance_pays_and_the_grant_is_recorded(
    frozen, auto_policy, account, agent1, adjuster1, adjuster2, finance1, manager1
):
    paying = claim_in_paying(owner=agent1, adjuster=adjuster1, approver=adjuster2, finance=finance1)
    frozen.move_to(T0 + timedelta(hours=2))
    admin = user_create(username="admin1", password=PASSWORD, role=Role.ADMIN, by=manager1)
    assert api(admin).post(f"/claims/{paying.number}/payment").status_code == 403
    assert not Payment.objects.exists()

    role_grant(user=admin, role=Role.FINANCE, by=manager1)
    grant = RoleGrant.objects.get(username="admin1", role="finance")
    assert (grant.granted, grant.business, grant.by, grant.at) == (
        True,
        True,
        manager1,
        timezone.now(),
    )
    assert api(admin).post(f"/claims/{paying.number}/payment").status_code == 201

    # Auditors (managers) see it; the roles of others are not for everyone to read.
    rows = api(manager1).get("/staff/role-grants", user="admin1").json()
    assert [(g["role"], g["granted"], g["business"], g["by"]) for g in rows] == [
        ("finance", True, True, "manager1"),
        ("admin", True, False, "manager1"),
    ]
    assert api(agent1).get("/staff/role-grants").status_code == 403


@pytest.mark.django_db
def test_a_role_given_in_the_django_admin_is_recorded_as_the_administrators(manager1):
    admin = user_create(username="admin1", password=PASSWORD, role=Role.ADMIN)
    admin.is_staff = True
    admin.save()
    target = user_create(username="clerk9", password=PASSWORD, role=Role.AGENT)
    web = Client()
    web.force_login(admin)
    page = web.get(f"/admin/auth/user/{target.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        {
            "username": "clerk9",
            "groups": [Group.objects.get(name="agent").pk, Group.objects.get(name="finance").pk],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "is_active": "on",
        }
    )
    data.pop("last_login", None)
    data.pop("user_permissions", None)
    r = web.post(f"/admin/auth/user/{target.pk}/change/", data)
    assert r.status_code == 302, r.content.decode()[:2000]
    grant = RoleGrant.objects.get(username="clerk9", role="finance")
    assert grant.by == admin and grant.business
    # An administrator cannot make the record say otherwise.
    assert web.get(f"/admin/staff/rolegrant/{grant.pk}/delete/").status_code == 403
    target.refresh_from_db()
    assert target.has_perm("claims.handle_payment")
    # A work permission put on the user directly, or on a group, gives nothing.
    from django.contrib.auth.models import Permission

    decide = Permission.objects.get(codename="decide_claim")
    target.user_permissions.add(decide)
    Group.objects.get(name="admin").permissions.add(decide)
    fresh = type(target).objects.get(pk=target.pk)
    assert not fresh.has_perm("claims.decide_claim")
    assert not type(admin).objects.get(pk=admin.pk).has_perm("claims.decide_claim")
