"""Underwriting applications on the kernel: routing, 问题件 and the clock, rated premiums,
authority with escalation and four eyes, and who sees what."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from claimdesk.cases.services import GuardFailed, NotAllowed
from claimdesk.underwriting import selectors, services
from claimdesk.underwriting.services import DecisionTerms
from tests.conftest import PASSWORD, at

from .conftest import T0, declared_chronic, submit

pytestmark = pytest.mark.django_db


def _clock(application):
    return application.case.deadlines.get(rule__code="uw_decision")


def _reload(application):
    return type(application).objects.select_related("case", "policy").get(pk=application.pk)


def _login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_a_clean_small_application_is_accepted_automatically(products, customer1, junior_uw):
    application = _reload(submit(customer1))
    assert application.route == "automatic"
    assert application.case.status == "accepted" and not application.case.is_open
    assert application.premium == Decimal("3456.78")
    policy = application.policy
    assert policy is not None and policy.holder == customer1
    assert policy.sum_insured == Decimal("200000") and policy.premium == Decimal("3456.78")
    assert policy.start == (T0 + timedelta(days=1)).date()
    assert _clock(application).state == "met"
    decision = selectors.applied_decision(application)
    assert decision.automatic and decision.outcome == "accept"
    assert customer1.notifications.filter(kind="uw_decided").exists()


def test_a_question_pauses_uw_decision_and_the_answer_resumes_it(
    products, customer1, customer2, junior_uw
):
    application = submit(customer1, **declared_chronic())
    assert application.route == "manual" and application.case.owner == junior_uw
    clock = _clock(application)
    assert clock.due_at == at("2026-10-16 00:00")  # 3 working days after Monday
    query = services.query_raise(
        application=application,
        kind="medical_exam",
        question="请于指定体检机构完成血压及心电图检查",
        actor=junior_uw,
        now=at("2026-10-13 10:00"),
    )
    clock.refresh_from_db()
    assert application.case.__class__.objects.get(pk=application.pk).status == "awaiting_answer"
    assert clock.state == "paused"
    with pytest.raises(NotAllowed):
        services.query_answer(
            query=query, answer="不是我的申请", actor=customer2, now=at("2026-10-14 10:00")
        )
    services.query_answer(
        query=query,
        answer="体检报告已上传：血压 135/85",
        actor=customer1,
        now=at("2026-10-15 10:00"),
    )
    clock.refresh_from_db()
    assert clock.state == "running"
    # Paused Tuesday 10:00 to Thursday 10:00: two working days later than before.
    assert clock.due_at == at("2026-10-20 00:00")
    assert _reload(application).case.status == "reviewing"


def test_a_rated_acceptance_recalculates_the_premium_to_the_fen_half_up(
    products, customer1, junior_uw
):
    application = submit(customer1, standard_premium=Decimal("1234.35"), **declared_chronic())
    services.decision_propose(
        application=application,
        terms=DecisionTerms("accept_rated", "高血压服药控制良好，加费承保", Decimal("10")),
        actor=junior_uw,
        now=at("2026-10-13 15:00"),
    )
    application = _reload(application)
    # 1234.35 × 110 % = 1357.785: half up to 1357.79 (half even would give 1357.78).
    assert application.premium == Decimal("1357.79")
    assert application.policy.premium == Decimal("1357.79")
    assert application.case.status == "accepted"
    assert _clock(application).state == "met"


def test_a_rated_acceptance_needs_its_percentage_and_every_decision_a_reason(
    products, customer1, junior_uw
):
    application = submit(customer1, **declared_chronic())
    with pytest.raises(GuardFailed):
        services.decision_propose(
            application=application,
            terms=DecisionTerms("accept_rated", "加费", None),
            actor=junior_uw,
            now=T0,
        )
    with pytest.raises(GuardFailed):
        services.decision_propose(
            application=application, terms=DecisionTerms("decline", "  "), actor=junior_uw, now=T0
        )
    assert _reload(application).case.status == "submitted"


def _big_application(customer, junior_uw):
    """¥800,000: a medical exam first (above the no-evidence limit), then the decision."""
    application = submit(customer, sum_insured=Decimal("800000"))
    assert application.route == "query"
    query = application.queries.get()
    services.query_answer(
        query=query, answer="体检结果正常", actor=customer, now=T0 + timedelta(days=1)
    )
    return _reload(application)


def test_above_authority_the_underwriter_cannot_decide_through_page_or_api(
    products, customer1, junior_uw, senior_uw, chief_uw
):
    application = _big_application(customer1, junior_uw)
    assert application.case.owner == junior_uw
    number = application.case.number
    client = _login(junior_uw)

    page = client.get(f"/underwriting/{number}/")
    assert page.status_code == 200
    assert 'data-covers="false"' in page.content.decode()

    response = client.post(
        f"/underwriting/{number}/decide/", {"outcome": "accept", "reason": "体检正常，标准体承保"}
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert "senior_uw" in body and "chief_uw" in body

    api = client.post(
        f"/api/v1/underwriting/applications/{number}/decision",
        {"outcome": "accept", "reason": "体检正常，标准体承保"},
        content_type="application/json",
    )
    assert api.status_code == 403
    assert api.json()["escalated_to"] == "senior_uw"
    assert any("senior_uw" in who for who in api.json()["who_can"])

    # Nor through the kernel's plain transition endpoint, naming the unsigned decision.
    unsigned = selectors.pending_decision(_reload(application))
    bare = client.post(
        f"/api/v1/cases/{number}/transitions",
        {"action": "accept", "data": {"decision": str(unsigned.pk)}},
        content_type="application/json",
    )
    assert bare.status_code == 400, bare.json()
    application = _reload(application)
    assert application.case.status == "reviewing" and application.policy is None

    # The next level (the junior's manager) signs it, from the task it was given.
    task = application.case.tasks.get(kind=services.SIGN_TASK, status="open")
    assert task.assignee == senior_uw
    services.decision_sign(
        decision=selectors.pending_decision(application),
        actor=senior_uw,
        now=T0 + timedelta(days=2),
    )
    application = _reload(application)
    assert application.case.status == "accepted" and application.policy is not None


def test_four_eyes_above_the_threshold(products, customer1, senior_uw, chief_uw):
    application = submit(customer1, sum_insured=Decimal("1200000"), **declared_chronic())
    services.query_answer(
        query=application.queries.get(), answer="体检正常", actor=customer1, now=T0
    )
    application = _reload(application)
    decision = services.decision_propose(
        application=application,
        terms=DecisionTerms("accept_exclusion", "甲状腺结节", exclusion="甲状腺疾病及其并发症除外"),
        actor=application.case.owner,
        now=T0 + timedelta(hours=2),
    )
    assert _reload(application).case.status == "reviewing"
    assert decision.signatures.count() == 1
    second = application.case.tasks.get(kind=services.SIGN_TASK, status="open").assignee
    assert second != application.case.owner
    with pytest.raises(NotAllowed):
        services.decision_sign(decision=decision, actor=application.case.owner, now=T0)
    services.decision_sign(decision=decision, actor=second, now=T0 + timedelta(hours=3))
    application = _reload(application)
    assert application.case.status == "accepted"
    assert selectors.applied_decision(application).exclusion == "甲状腺疾病及其并发症除外"


def test_an_uncertified_underwriter_cannot_decide(products, customer1, junior_uw):
    application = submit(customer1, **declared_chronic())
    junior_uw.certifications.all().delete()
    with pytest.raises(NotAllowed):
        services.decision_propose(
            application=application, terms=DecisionTerms("accept", "ok"), actor=junior_uw, now=T0
        )


def test_a_customer_cannot_see_another_customers_application(
    products, customer1, customer2, junior_uw
):
    number = submit(customer1, **declared_chronic()).case.number
    other = _login(customer2)
    assert other.get(f"/underwriting/{number}/").status_code == 404
    assert other.get(f"/api/v1/underwriting/applications/{number}").status_code == 404
    own = _login(customer1)
    assert own.get(f"/api/v1/underwriting/applications/{number}").json()["number"] == number
    assert number not in other.get("/underwriting/").content.decode()


def test_a_customer_applies_and_answers_through_the_api(products, customer1, junior_uw):
    client = _login(customer1)
    payload = {
        "product": "ci-guard",
        "sum_insured": "200000",
        "standard_premium": "3000",
        "insured_name": "李四",
        "insured_id_number": "310101199001011234",
        "insured_birth_date": "1990-01-01",
        "occupation": "教师",
        "occupation_class": 1,
        "health_answers": {"hospitalised": True},
    }
    bad = client.post("/api/v1/underwriting/applications", payload, content_type="application/json")
    assert bad.status_code == 400 and "health_answers" in bad.json()["errors"]
    payload["health_answers"] = {
        "hospitalised": True,
        "chronic": False,
        "abnormal_exam": False,
        "medication": False,
        "declined_before": False,
    }
    made = client.post(
        "/api/v1/underwriting/applications", payload, content_type="application/json"
    )
    assert made.status_code == 201
    body = made.json()
    assert body["status"] == "awaiting_answer" and body["uw_decision_clock"] == "paused"
    query = body["queries"][0]
    answered = client.post(
        f"/api/v1/underwriting/applications/{body['number']}/queries/{query['id']}/answer",
        {"answer": "2023年阑尾炎手术，已痊愈"},
        content_type="application/json",
    )
    assert answered.status_code == 200
    assert answered.json()["status"] == "reviewing"
    assert answered.json()["uw_decision_clock"] == "running"


def test_the_claim_page_shows_the_declaration_the_policy_was_accepted_on(
    products, customer1, agent1, junior_uw
):
    from claimdesk.claims.services import claim_report

    application = submit(
        customer1, **declared_chronic("2019年诊断高血压，服药控制良好"), insured_name="王五"
    )
    services.decision_propose(
        application=application,
        terms=DecisionTerms("accept_exclusion", "高血压", exclusion="高血压及其并发症除外"),
        actor=junior_uw,
        now=T0 + timedelta(hours=3),
    )
    policy = _reload(application).policy
    result = claim_report(
        reporter=agent1,
        report={
            "policy_no": policy.number,
            "insured_name": "王五",
            "loss_time": at("2026-11-20 09:00"),
            "loss_cause": "脑卒中",
            "description": "突发脑梗住院",
            "loss_type": "critical_illness",
            "estimated_amount": "100000",
            "contact_phone": "13812345678",
        },
        channel="hotline",
        now=at("2026-11-21 10:00"),
    )
    page = _login(agent1).get(f"/claims/{result.claim.case.number}/").content.decode()
    assert 'data-testid="declaration"' in page
    assert "2019年诊断高血压，服药控制良好" in page and "高血压及其并发症除外" in page
    mine = _login(customer1).get(f"/claims/{result.claim.case.number}/").content.decode()
    assert 'data-testid="declaration"' not in mine
