"""The demo's underwriting applications (核保), built through the underwriting services in
every state: accepted automatically and by a person (rated, with an exclusion), postponed,
declined, withdrawn, one with a 问题件 open, one answered and under review, one above
underwriter1's authority waiting for the higher signature."""

from __future__ import annotations

from contextlib import suppress
from datetime import date, datetime, timedelta
from decimal import Decimal

from claimdesk.cases.services import case_transition
from claimdesk.demo.people import People
from claimdesk.staff.roles import Role
from claimdesk.staff.services import certification_grant, user_create
from claimdesk.underwriting import services
from claimdesk.underwriting.services import AboveAuthority, ApplicationInput, DecisionTerms

CLEAN = {
    "hospitalised": False,
    "chronic": False,
    "abnormal_exam": False,
    "medication": False,
    "declined_before": False,
}


def _certify(user, today: date) -> None:
    certification_grant(
        user=user,
        code=services.CERTIFICATE,
        name="核保资格",
        issued_on=today - timedelta(days=400),
        expires_on=today + timedelta(days=700),
    )


def _input(
    name: str,
    sum_insured: str,
    *,
    chronic: str = "",
    occupation_class: int = 1,
    declared: bool = False,
) -> ApplicationInput:
    """``chronic``: the details of a declared illness; ``declared`` without them: a "yes"
    the rules ask about (问题件)."""
    yes = declared or bool(chronic)
    answers = dict(CLEAN, chronic=yes, medication=yes)
    return ApplicationInput(
        product_code="ci-guard",
        sum_insured=Decimal(sum_insured),
        standard_premium=(Decimal(sum_insured) * Decimal("0.0172")).quantize(Decimal("0.01")),
        insured_name=name,
        insured_id_number="310101198805061234",
        insured_birth_date=date(1988, 5, 6),
        occupation="建筑工人" if occupation_class >= 5 else "会计",
        occupation_class=occupation_class,
        health_answers=answers,
        health_details=chronic,
    )


def applications_create(people: People, now: datetime) -> int:
    """Nine applications over the last two weeks; returns how many."""
    today = now.date()
    uw1 = people["underwriter1"]
    _certify(uw1, today)
    services.grant_authority(user=uw1, max_sum_insured=Decimal(300_000), grade=1)
    customers = people.customers
    t = now - timedelta(days=14)

    def submit(i: int, data: ApplicationInput, hours: int):
        customer = customers[i % len(customers)]
        return services.application_submit(
            data=data, customer=customer, actor=customer, now=t + timedelta(hours=hours)
        )

    auto = submit(2, _input("刘敏", "150000"), 1)
    rated = submit(3, _input("陈强", "200000", chronic="2018年确诊高血压，服药控制良好"), 2)
    excl = submit(4, _input("黄丽", "250000", chronic="2021年甲状腺结节手术，病理良性"), 3)
    postponed = submit(5, _input("孙伟", "100000", chronic="上月检出肝功能异常，复查中"), 4)
    declined = submit(6, _input("周杰", "200000", chronic="2023年确诊慢性肾病3期"), 5)
    withdrawn = submit(7, _input("吴静", "120000", occupation_class=5), 6)
    reviewing = submit(8, _input("郑浩", "180000", declared=True), 7)
    awaiting = submit(10, _input("赵丽", "160000", chronic="儿时哮喘，近十年未发作"), 8)
    above = submit(9, _input("王磊", "400000", occupation_class=5), 9)
    # A higher level joins the team: the signature above underwriter1's authority is theirs.
    uw2 = user_create(
        username="underwriter2",
        password="demo12345",
        role=Role.UNDERWRITER,
        first_name="高洁",
        manager=people["manager1"],
        team="核保保全组",
        branch="上海分公司",
    )
    _certify(uw2, today)
    services.grant_authority(user=uw2, max_sum_insured=Decimal(2_000_000), grade=2)

    at = t + timedelta(days=1)
    for application, terms in (
        (rated, DecisionTerms("accept_rated", "高血压服药控制良好，加费承保", Decimal("25"))),
        (
            excl,
            DecisionTerms(
                "accept_exclusion", "甲状腺结节术后", exclusion="甲状腺疾病及其并发症除外"
            ),
        ),
        (postponed, DecisionTerms("postpone", "肝功能异常待复查，6个月后再申请")),
        (declined, DecisionTerms("decline", "慢性肾病3期，风险超出承保范围")),
    ):
        services.decision_propose(
            application=application, terms=terms, actor=application.case.owner, now=at
        )
        at += timedelta(hours=3)
    case_transition(
        case=withdrawn.case,
        action="withdraw",
        actor=withdrawn.case.owner,
        now=at,
        data={"reason": "客户撤回投保申请"},
    )
    question = reviewing.queries.get()
    services.query_answer(
        query=question,
        answer="2019年体检发现轻度脂肪肝，饮食控制后复查正常",
        actor=reviewing.case.customer,
        now=at,
    )
    services.query_raise(
        application=awaiting,
        kind="documents",
        question="请补充近一年的体检报告及哮喘相关病历",
        actor=awaiting.case.owner,
        now=at + timedelta(hours=1),
    )
    with suppress(AboveAuthority):  # refused to underwriter1: it waits for underwriter2
        services.decision_propose(
            application=above,
            terms=DecisionTerms("accept", "职业风险可接受，标准体承保"),
            actor=above.case.owner,
            now=at + timedelta(hours=2),
        )
    assert auto.route == "automatic"
    return 9
