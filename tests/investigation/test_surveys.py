"""Surveys: assignment by certification, region and load; the NEV certificate gate; the
report with the written result; repair-shop objections on the 24-hour clock; appraisal
institutions chosen by the published rotation."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from claimdesk.cases.models import CaseEvent, Deadline, Task
from claimdesk.cases.services import GuardFailed, IllegalTransition, NotAllowed, task_assign
from claimdesk.investigation import services
from claimdesk.investigation.models import AppraisalInstitution, AppraisalReferral
from claimdesk.staff.services import certificate_valid, certification_grant
from tests.conftest import at
from tests.investigation.conftest import T0, make_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(auto_policy, customer1, make_claim):
    return make_claim(customer1)  # loss at 上海市浦东新区世纪大道, owned by agent1


@pytest.fixture
def nev_claim(nev_policy, customer1, make_claim):
    return make_claim(customer1, policy_no="PNEV0001")


# --- certificates ------------------------------------------------------------------------


def test_certificate_valid_between_issue_and_expiry(surveyor):
    s = surveyor("s1", nev="valid")
    assert certificate_valid(s, "nev", date(2026, 9, 30))
    assert certificate_valid(s, "nev", date(2027, 12, 31))
    assert not certificate_valid(s, "nev", date(2028, 1, 1))
    assert not certificate_valid(s, "nev", date(2024, 12, 31))
    assert not certificate_valid(s, "survey", date(2026, 9, 30))


def test_certificate_cannot_expire_before_issue(surveyor):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        certification_grant(
            user=surveyor("s1"),
            code="nev",
            name="x",
            issued_on=date(2026, 2, 1),
            expires_on=date(2026, 1, 1),
        )


@pytest.mark.parametrize("nev", [None, "expired"])
def test_uncertified_or_expired_surveyor_cannot_take_an_nev_survey(
    nev_claim, agent1, surveyor, nev
):
    person = surveyor("s1", nev=nev)
    with pytest.raises(GuardFailed, match="新能源汽车查勘"):
        services.survey_assign(claim=nev_claim, actor=agent1, now=T0, surveyor=person)
    # The kernel gate itself refuses, whoever calls it.
    with pytest.raises(GuardFailed, match="nev"):
        task_assign(
            case=nev_claim.case,
            kind="survey",
            title="x",
            assignee=person,
            actor=agent1,
            now=T0,
            certificate="nev",
        )
    assert not Task.objects.filter(case=nev_claim.case).exists()
    assert not nev_claim.site_surveys.exists()


def test_certified_surveyor_takes_the_nev_survey(nev_claim, agent1, surveyor):
    person = surveyor("s1", nev="valid")
    survey = services.survey_assign(claim=nev_claim, actor=agent1, now=T0, surveyor=person)
    assert survey.certificate == "nev" and survey.surveyor == person


def test_automatic_nev_assignment_skips_the_uncertified(nev_claim, agent1, surveyor):
    surveyor("a_local", nev="expired")
    certified = surveyor("z_remote", region="北京", nev="valid")
    survey = services.survey_assign(claim=nev_claim, actor=agent1, now=T0)
    assert survey.surveyor == certified


def test_no_certified_surveyor_is_a_clear_refusal(nev_claim, agent1, surveyor):
    surveyor("s1")
    with pytest.raises(GuardFailed, match="新能源汽车查勘"):
        services.survey_assign(claim=nev_claim, actor=agent1, now=T0)


# --- assignment ----------------------------------------------------------------------------


def test_assignment_by_region_then_load(
    claim, agent1, surveyor, auto_policy, customer1, make_claim
):
    remote = surveyor("a_remote", region="北京")
    first = surveyor("b_local", region="上海市")
    second = surveyor("c_local", region="上海")
    survey = services.survey_assign(claim=claim, actor=agent1, now=T0)
    assert survey.surveyor == first  # in the region, no load, first by name
    other = make_claim(customer1, loss_place="上海市徐汇区", loss_time="2026-09-28T09:00:00+08:00")
    assert services.survey_assign(claim=other, actor=agent1, now=T0).surveyor == second
    third = make_claim(customer1, loss_place="上海市静安区", loss_time="2026-09-27T09:00:00+08:00")
    assert services.survey_assign(claim=third, actor=agent1, now=T0).surveyor in (first, second)
    assert remote.tasks.count() == 0


def test_survey_task_has_the_48_hour_clock_and_returns_to_owner(claim, agent1, surveyor):
    surveyor("s1")
    survey = services.survey_assign(claim=claim, actor=agent1, now=T0)
    task = survey.task
    assert task.kind == "survey" and task.returns_to == agent1
    assert task.due_at == T0 + timedelta(hours=48)
    assert Deadline.objects.get(task=task).rule.code == "survey_onsite"


def test_only_one_survey_under_way(claim, agent1, surveyor):
    surveyor("s1")
    services.survey_assign(claim=claim, actor=agent1, now=T0)
    with pytest.raises(IllegalTransition):
        services.survey_assign(claim=claim, actor=agent1, now=T0)


def test_someone_else_may_not_assign(claim, agent2, surveyor):
    surveyor("s1")
    with pytest.raises(NotAllowed):
        services.survey_assign(claim=claim, actor=agent2, now=T0)


def test_only_surveyors_are_sent(claim, agent1, adjuster1):
    with pytest.raises(GuardFailed):
        services.survey_assign(claim=claim, actor=agent1, now=T0, surveyor=adjuster1)


# --- report, objections ------------------------------------------------------------------


def report(survey, actor, **kw):
    args = {
        "findings": "后保险杠破损，尾灯碎裂",
        "assessed_loss": Decimal("2860.5"),
        "method": "后保险杠更换 1800 元 + 尾灯 760 元 + 工时 300.50 元",
    }
    return services.survey_report_submit(
        survey=survey, actor=actor, now=T0 + timedelta(hours=20), **{**args, **kw}
    )


@pytest.fixture
def survey(claim, agent1, surveyor):
    surveyor("s1")
    return services.survey_assign(claim=claim, actor=agent1, now=T0)


def test_report_completes_task_and_issues_the_written_result(survey, agent1):
    from claimdesk.notices.models import Notice

    photo = make_document(survey.claim, n=5, kind="photo")
    done = report(survey, survey.surveyor, photos=[photo.pk])
    assert done.status == "reported" and done.assessed_loss == Decimal("2860.50")
    assert list(done.photos.all()) == [photo]
    assert "车辆损失保险责任" in done.basis
    task = Task.objects.get(pk=survey.task_id)
    assert task.status == "done"
    assert Deadline.objects.get(task=task).state == "met"
    notice = Notice.objects.get(case=survey.claim.case, kind="survey_result")
    assert notice.context["findings"] == "后保险杠破损，尾灯碎裂"
    assert CaseEvent.objects.filter(case=survey.claim.case, kind="task_done").exists()


def test_only_the_assigned_surveyor_reports(survey, surveyor, agent1):
    other = surveyor("s2")
    for person in (other, agent1):
        with pytest.raises(NotAllowed):
            report(survey, person)


def test_report_twice_refused_and_bad_input_writes_nothing(survey):
    with pytest.raises(GuardFailed):
        report(survey, survey.surveyor, assessed_loss=Decimal("-1"))
    with pytest.raises(GuardFailed):
        report(survey, survey.surveyor, photos=[999999])
    survey.refresh_from_db()
    assert survey.status == "assigned"
    report(survey, survey.surveyor)
    with pytest.raises(IllegalTransition):
        report(survey, survey.surveyor)


def test_repair_objection_rechecked_within_24_hours(survey, agent1):
    report(survey, survey.surveyor)
    raised = at("2026-10-01 09:00")
    objection = services.repair_objection_raise(
        survey=survey,
        actor=agent1,
        now=raised,
        shop="浦东汽修厂",
        text="尾灯总成需整体更换",
        amount_claimed=Decimal("3500"),
    )
    clock = objection.deadline
    assert clock.rule.code == "repair_recheck" and clock.due_at == raised + timedelta(hours=24)
    resolved = services.repair_objection_resolve(
        objection=objection,
        actor=agent1,
        now=raised + timedelta(hours=5),
        resolution="复核同意更换尾灯总成",
        rechecked_amount=Decimal("3100"),
    )
    assert resolved.status == "resolved"
    clock.refresh_from_db()
    assert clock.state == "met"
    with pytest.raises(IllegalTransition):
        services.repair_objection_resolve(
            objection=objection, actor=agent1, now=raised + timedelta(hours=6), resolution="x"
        )


def test_late_recheck_is_breached(survey, agent1):
    report(survey, survey.surveyor)
    objection = services.repair_objection_raise(
        survey=survey,
        actor=agent1,
        now=T0 + timedelta(days=1),
        shop="店",
        text="太低",
        amount_claimed=Decimal("1"),
    )
    services.repair_objection_resolve(
        objection=objection, actor=agent1, now=T0 + timedelta(days=2, hours=1), resolution="维持"
    )
    objection.deadline.refresh_from_db()
    assert objection.deadline.state == "breached"


def test_objection_needs_a_reported_survey_and_a_handler(survey, agent1, customer1):
    with pytest.raises(IllegalTransition):
        services.repair_objection_raise(
            survey=survey, actor=agent1, now=T0, shop="店", text="x", amount_claimed=Decimal("1")
        )
    report(survey, survey.surveyor)
    with pytest.raises(NotAllowed):
        services.repair_objection_raise(
            survey=survey, actor=customer1, now=T0, shop="店", text="x", amount_claimed=Decimal("1")
        )


# --- appraisal ----------------------------------------------------------------------------


def test_appraisal_rotation(claim):
    for name, region, quals in (
        ("上海甲司法鉴定所", "上海", "disability"),
        ("上海乙司法鉴定所", "上海", "disability,vehicle"),
        ("上海丙车辆鉴定", "上海", "vehicle"),
        ("北京司法鉴定所", "北京", "disability"),
    ):
        AppraisalInstitution.objects.create(name=name, region=region, qualifications=quals)
    picks = [
        services.appraisal_select(claim=claim, now=T0 + timedelta(minutes=i)).name for i in range(3)
    ]
    assert picks == ["上海乙司法鉴定所", "上海甲司法鉴定所", "上海乙司法鉴定所"]
    assert AppraisalReferral.objects.filter(claim=claim).count() == 3
    AppraisalInstitution.objects.filter(region="上海").update(active=False)
    assert services.appraisal_select(claim=claim, now=T0).name == "北京司法鉴定所"
    with pytest.raises(GuardFailed):
        services.appraisal_select(claim=claim, now=T0, qualification="psychiatry")
