"""``claimdesk demo``: every workflow state, every kind of clock, through the real services."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command
from django.http import HttpRequest
from django.utils import timezone

from claimdesk.cases import selectors
from claimdesk.cases.models import (
    AlertKind,
    Case,
    CaseEvent,
    Deadline,
    DeadlineAlert,
    DeadlineState,
    Task,
    TaskStatus,
)
from claimdesk.cases.workflow import workflows
from claimdesk.claims.models import Claim, ClaimDecision, ClaimItem, ReserveMovement
from claimdesk.demo.build import demo_create
from claimdesk.demo.people import DEMO_PASSWORD, NAMED_USERS, People, demo_users_present
from claimdesk.demo.planner import HISTORY_DAYS, Planner
from claimdesk.feedback.models import Survey as FeedbackSurvey
from claimdesk.notices.models import Notice
from claimdesk.partners.models import PartnerOrganisation
from claimdesk.payments.models import Payment
from claimdesk.policies.models import Policy, Product
from claimdesk.recoveries.models import Recovery
from claimdesk.service.models import Ticket
from claimdesk.staff.models import StaffProfile
from claimdesk.stp.models import StpCheck

User = get_user_model()


@pytest.fixture(autouse=True)
def _fast_passwords():
    """Keep Django's real hashers here: the test checks the demo's password upgrade."""


@pytest.mark.django_db
def test_the_demo_builds_a_believable_past_once():
    started = timezone.now()
    assert demo_users_present() == []
    progress = []
    summary = demo_create(now=started, seed=7, report=progress.append)
    ended = timezone.now()

    # It says what it is doing while it works: a first ``make run`` is not silent for minutes.
    assert "People: 12 staff, 32 customers" in progress[0]
    assert sum("Simulated" in line for line in progress) >= 5
    assert progress[-1].startswith("Time by step") and "decide" in progress[-1]

    # Accounts: the README's named users, more staff, Chinese-named customers.
    assert demo_users_present() == sorted(NAMED_USERS)
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.filter(groups__name="customer").count() >= 30
    assert User.objects.get(username="customer05").first_name == "刘敏"
    profiles = StaffProfile.objects.exclude(user__username="manager1")
    assert set(profiles.values_list("manager__username", flat=True)) == {"manager1"}
    assert {"上海分公司", "北京分公司"} <= set(profiles.values_list("branch", flat=True))

    # Cases: a few hundred, in every state of every workflow, all in the last 90 days.
    cases = Case.objects.all()
    assert 250 <= cases.count() <= 400
    for wf in workflows():
        states = set(cases.filter(kind=wf.kind).values_list("status", flat=True))
        # An approved rejection sends its notice at once: "rejected" is passed through.
        passing = {"rejected"} if wf.kind == "claim" else set()
        assert states == set(wf.state_codes()) - passing, wf.kind

    # Claims in every end state with their calculations, notices, payments and surveys.
    decided = Claim.objects.filter(decided_at__isnull=False)
    assert {"approve", "reject"} <= set(decided.values_list("decision", flat=True))
    assert decided.filter(decisions__status="approved").distinct().count() == decided.count()
    assert all(d.calculation["lines"] for d in ClaimDecision.objects.filter(status="approved"))
    assert Payment.objects.filter(state="confirmed").exists()
    assert Notice.objects.filter(kind="rejection").exists()
    assert Notice.objects.filter(kind="claim_report").exists()
    assert Notice.objects.filter(kind="survey_result").exists()
    assert FeedbackSurvey.objects.filter(answered_at__isnull=False).exists()
    assert Claim.objects.filter(archived_at__isnull=False, case__status="withdrawn").exists()
    assert Ticket.objects.filter(case__category="complaint", rca__isnull=False).exists()
    categories = set(cases.filter(kind="ticket").values_list("category", flat=True))
    assert {"inquiry", "complaint", "green"} <= categories
    oldest = started - timedelta(days=HISTORY_DAYS)
    assert not cases.filter(opened_at__lt=oldest).exists()
    assert not CaseEvent.objects.filter(at__gt=ended).exists()
    assert CaseEvent.objects.filter(kind="opened").count() == cases.count()
    assert cases.filter(kind="claim", title__startswith="机动车综合商业保险 ").exists()

    # Clocks in every state, and the alerts the sweeps raised along the way.
    clock_states = set(Deadline.objects.values_list("state", flat=True))
    assert {
        DeadlineState.RUNNING,
        DeadlineState.PAUSED,
        DeadlineState.MET,
        DeadlineState.BREACHED,
    } <= clock_states
    for kind in AlertKind:
        assert DeadlineAlert.objects.filter(kind=kind).exists(), kind
    escalated_to = set(
        DeadlineAlert.objects.filter(kind=AlertKind.ESCALATION).values_list(
            "recipient__username", flat=True
        )
    )
    assert escalated_to == {"manager1"}

    # Tasks went where the brief says, with the survey clock on survey tasks.
    surveys = Task.objects.filter(kind="survey", assignee__username="surveyor1")
    assert surveys.exists()
    assert Deadline.objects.filter(task__in=surveys, rule__code="survey_onsite").exists()
    assert Task.objects.filter(kind="review", assignee__username="adjuster1").exists()
    assert Task.objects.filter(
        kind="payment", assignee__username="finance1", status=TaskStatus.OPEN
    ).exists()

    # agent1 has real work: some of it overdue, some not, nearest first.
    work = selectors.my_work(User.objects.get(username="agent1"))
    dues = [i.due_at for i in work if i.due_at]
    assert len(work) >= 30 and dues == sorted(dues)
    assert dues[0] < ended < dues[-1]

    assert summary.cases["claim"] > summary.cases["ticket"] > 0

    # Policies: customer1 holds auto, medical and critical illness; customer2 one; real
    # claims on them through every channel, their checklists worked through the service.
    lines = set(
        Policy.objects.filter(holder__username="customer1").values_list("product__line", flat=True)
    )
    assert {"auto", "medical", "critical_illness"} <= lines
    assert Policy.objects.filter(holder__username="customer2").count() == 1
    # The five products of the five lines, and the annuity product with survival benefits.
    assert Product.objects.count() == 6
    # Pay-outs of policies go through the payment flow: a survival benefit and a policy loan
    # confirmed, the next survival benefit waiting for finance, a repayment asked for.
    assert Payment.objects.filter(purpose="survival", state="confirmed").count() == 1
    assert Payment.objects.filter(purpose="survival", state="instructed").count() == 1
    assert Payment.objects.filter(purpose="loan", state="confirmed").count() == 1
    annuity = Policy.objects.get(holder__username="customer06", product__code="annuity-demo")
    assert annuity.loan_balance == 1500
    claims = Claim.objects.all()
    assert set(claims.values_list("channel", flat=True)) == {"portal", "hotline", "api", "direct"}
    # 直赔: hospital1's discharge bill for customer1, decided with no one acting and its
    # payment instructed to the hospital's settlement account.
    direct = claims.get(channel="direct")
    assert direct.case.customer.username == "customer1"
    assert direct.decision == "approve", StpCheck.objects.filter(claim=direct).values("results")
    hospital = PartnerOrganisation.objects.get(staff__user__username="hospital1")
    assert Payment.objects.get(claim=direct).account == hospital.settlement_account
    assert claims.count() >= 40
    assert claims.filter(materials_complete_at__isnull=False).exists()
    assert ClaimItem.objects.filter(state="accepted").exists()

    # Case reserves through every step, a handler's review with its reason; recoveries.
    steps = set(ReserveMovement.objects.values_list("step", flat=True))
    assert {"registered", "survey", "manual", "calculation", "payment", "closed"} <= steps
    review = ReserveMovement.objects.filter(step="manual").first()
    assert review is not None and review.reason.startswith("查勘后复核")
    assert Recovery.objects.filter(case__status="demanded").count() == 1
    assert ReserveMovement.objects.filter(step="recovery").count() == 3
    assert (
        ClaimItem.objects.filter(state="returned").exists()
        or CaseEvent.objects.filter(kind="item_returned").exists()
    )
    # Past review only with every core item accepted (容缺受理), or waived for a small claim
    # decided straight through (the direct-settlement bill's).
    for claim in claims.filter(case__status__in=["adjudicating", "paying", "closed"]):
        assert not claim.items.filter(core=True, waived=False).exclude(state="accepted").exists()
    hotline = claims.filter(channel="hotline").select_related("case__owner", "reporter").first()
    assert hotline.case.owner == hotline.reporter
    assert summary.claims["hotline"] > 0
    assert any("agent1" in line for line in summary.lines())

    # The second time, nothing happens.
    out = StringIO()
    call_command("demo", stdout=out)
    assert "already exist" in out.getvalue()
    assert Case.objects.count() == cases.count()

    # The published password works, and Django re-hashes it at full strength on login.
    # (the login lockout counts by address, so authentication comes with a request)
    assert authenticate(HttpRequest(), username="agent1", password=DEMO_PASSWORD) is not None
    algorithm, iterations, *_ = User.objects.get(username="agent1").password.split("$")
    assert (algorithm, int(iterations)) == ("pbkdf2_sha256", PBKDF2PasswordHasher.iterations)

    # Same seed, same anchor: the same plan.
    people = People.from_db()

    def plan(seed):
        return [
            [step.at for step in s.steps] for s in Planner(people, now=started, seed=seed).stories()
        ]

    assert plan(7) == plan(7) != plan(8)
