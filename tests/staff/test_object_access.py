"""Every route with an object in its path, read from the URL configuration, tried by
another customer and by every staff role with no relation to the object.

Nobody may read or change someone else's object: a customer who is not the holder gets
403/404, so does a member of staff whose role gives no sight of it; never a 500, never a
change. A route added with an object in its path fails here until ``OBJECTS`` says which
object to try it on."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone, translation

from claimdesk.assistant.services import conversation_start
from claimdesk.cases.models import Task
from claimdesk.claims.models import ReserveRequest
from claimdesk.claims.services import (
    AboveReserveAuthority,
    decision_propose,
    loss_item_add,
    reserve_adjust,
)
from claimdesk.compliance.models import NotificationHold
from claimdesk.compliance.services import qa_sample
from claimdesk.documents.services import document_upload
from claimdesk.feedback import services as feedback
from claimdesk.investigation.services import (
    repair_objection_raise,
    survey_assign,
    survey_report_submit,
)
from claimdesk.notices.models import Notice
from claimdesk.notify.services import notification_queue
from claimdesk.payments.services import payment_instruct
from claimdesk.policies.demo import demo_policy
from claimdesk.recoveries.services import recovery_open
from claimdesk.service.models import CorrectiveAction
from claimdesk.service.services import rca_save
from claimdesk.servicing.models import ServiceRequest
from claimdesk.servicing.services import premium_schedule_ensure
from claimdesk.staff.roles import STAFF_ROLES, Role
from claimdesk.staff.services import token_issue
from claimdesk.underwriting.services import query_raise
from tests.claims import conftest as claims_conftest
from tests.claims.conftest import T0, ClaimsApi, claim_in_adjudication
from tests.conftest import PASSWORD
from tests.feedback.conftest import closed_ticket
from tests.payments import conftest as payments_conftest
from tests.payments.conftest import claim_in_paying
from tests.service import conftest as service_conftest
from tests.staff.matrix import Writes, fingerprint, person
from tests.stp import conftest as stp_conftest
from tests.stp.conftest import medical_policy, sampled_review
from tests.underwriting.conftest import declared_chronic, submit, underwriter_with_authority

open_ticket = service_conftest.open_ticket
auto_policy = claims_conftest.auto_policy
accident_policy = claims_conftest.accident_policy
frozen = claims_conftest.frozen
account = payments_conftest.account
upload = stp_conftest.upload
invoice_font = stp_conftest.invoice_font

# Routes whose path parameter names no one's object: reference data, reports, and the
# survey link a customer is sent (the token is the capability; it names no one).
NOT_OBJECTS = {
    "api/v1/templates/<template_id>/render": "a reply template (reference data)",
    "api/v1/analytics/metrics/<code>": "a metric's definition and figures (managers)",
    "api/v1/feedback/surveys/<token>": "the survey link sent to the customer (capability)",
    "feedback/s/<str:token>/": "the survey link sent to the customer (capability)",
    "analytics/metrics/<slug:code>/": "a metric's page (managers)",
    "analytics/whitepaper/<str:quarter>/": "a quarter's white paper (managers)",
    "analytics/export/<slug:code>.csv": "a metric's export (managers)",
    "analytics/export/<slug:code>.xlsx": "a metric's export (managers)",
}
# Object routes whose object needs a state this world cannot build cheaply, with the test
# that tries them as someone who may not act.
TRIED_ELSEWHERE: dict[str, str] = {}

# Who sees an object without any relation to it, by their role's oversight: managers and
# admins (view_all_cases) read every case; the routes below are also open to the roles named.
OVERSIGHT = {Role.MANAGER, Role.ADMIN}
# Roles that may *act* without a relation (managers: the oversight role holds the work
# permissions of the desk); every other role's write must be refused.
ACTS_ON_ANY = {Role.MANAGER}
# Reads a role's work needs on any case, with the reason.
# Staff read any policy (``policies.selectors.policies_visible_to``): intake finds the
# caller's policy, adjusters decide against the policy as it stood, finance and servicing
# follow its premiums. A policy's holder data is masked per role where shown.
_EVERY_STAFF_ROLE = set(STAFF_ROLES)
SEES = {
    "api/v1/policies/<number>/as-of": _EVERY_STAFF_ROLE,
    "api/v1/policies/<number>/history": _EVERY_STAFF_ROLE,
    "api/v1/policies/<number>/premiums": _EVERY_STAFF_ROLE,
    "api/v1/policies/<number>/survival-benefits": _EVERY_STAFF_ROLE,
    "servicing/policies/<str:number>/": _EVERY_STAFF_ROLE,
}
# Query parameters a route needs before it looks at its object.
QUERY = {
    "api/v1/policies/<number>/as-of": "?day=2026-09-30",
    "servicing/policies/<str:number>/": "?day=2026-09-30",
}
# Refusals: not found, forbidden, or no such method on that address.
REFUSED = (403, 404, 405)


@dataclass(frozen=True)
class Route:
    route: str  # as in the URL configuration: api/v1/claims/<claim_no>
    methods: tuple[str, ...]

    @property
    def params(self) -> list[str]:
        return [p.split(":")[-1] for p in re.findall(r"<([^>]+)>", self.route)]

    def path(self, values: dict[str, object]) -> str:
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), self.route)


def _methods(pattern: URLPattern) -> tuple[str, ...]:
    """A django-ninja operation's HTTP methods; a page is tried with GET and POST."""
    for cell in pattern.callback.__closure__ or ():
        view = cell.cell_contents
        if hasattr(view, "operations"):
            return tuple(sorted({m for op in view.operations for m in op.methods}))
    return ("GET", "POST")


def object_routes() -> Iterator[Route]:
    def walk(patterns, prefix: str) -> Iterator[Route]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif "<" in str(p.pattern):
                yield Route(prefix + str(p.pattern), _methods(p))

    for route in walk(get_resolver().url_patterns, ""):
        if not route.route.startswith("admin/"):
            yield route


def api(user) -> ClaimsApi:
    token = token_issue(username=user.username, password=PASSWORD, now=timezone.now())
    assert token
    return ClaimsApi(token)


@pytest.fixture
def world(
    frozen,
    products,
    auto_policy,
    accident_policy,
    account,
    customer1,
    agent1,
    agent2,
    adjuster1,
    adjuster2,
    finance1,
    manager1,
    surveyor1,
    open_ticket,
    upload,
) -> dict[str, object]:
    """customer1's objects of every kind, each built through the services (agent1, the
    adjusters and finance1 work them; the people tried below are others)."""
    # customer1's small medical claim decided straight through and sampled for QA review
    # (built first: the claims below never count as earlier claims against its checks).
    medical_policy(customer1, products)
    stp_review = sampled_review(customer1, upload)
    deciding = claim_in_adjudication(owner=agent1, adjuster=adjuster1)
    loss = loss_item_add(
        claim=deciding,
        actor=adjuster1,
        now=T0,
        coverage="accident-medical",
        label="住院医疗费",
        amount="8000",
    )
    decision = decision_propose(claim=deciding, actor=adjuster1, now=T0)
    task = Task.objects.filter(case=deciding.case).first()
    paying = claim_in_paying(owner=agent1, adjuster=adjuster1, approver=adjuster2, finance=finance1)
    payment = payment_instruct(claim=paying, actor=finance1, now=T0 + timedelta(hours=1))
    # A recovery on the paid motor claim (manager1 pursues it), and a manual reserve change
    # on the claim in adjudication above its owner's reserve authority, waiting to be signed.
    recovery = recovery_open(
        claim=paying,
        kind="subrogation",
        counterparty="某某财产保险公司上海分公司",
        expected="1000",
        basis="交警认定书：对方全责",
        actor=manager1,
        now=T0 + timedelta(hours=1),
    )
    with pytest.raises(AboveReserveAuthority):
        reserve_adjust(claim=deciding, amount="900000", reason="伤情加重", actor=agent1, now=T0)
    reserve_request = ReserveRequest.objects.get(claim=deciding)
    notice = Notice.objects.filter(case_id=paying.pk).first()
    assert notice is not None
    pdf = ContentFile(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", name="invoice.pdf")
    document = document_upload(claim=paying, file=pdf, actor=customer1, now=T0).document
    survey = survey_assign(claim=deciding, actor=agent1, now=T0, surveyor=surveyor1)
    survey_report_submit(
        survey=survey,
        actor=surveyor1,
        now=T0,
        findings="右腕骨折，住院7天",
        assessed_loss=Decimal("8000"),
        method="住院医疗费 8000 元",
    )
    objection = repair_objection_raise(
        survey=survey,
        actor=agent1,
        now=T0,
        shop="浦东汽修",
        text="工时费偏低",
        amount_claimed=Decimal("500"),
    )
    frozen.move_to(T0 + timedelta(hours=2))
    now = timezone.now()
    complaint = open_ticket("complaint", now=now)
    rca_save(
        ticket=complaint,
        actor=agent1,
        now=now,
        category="timeliness",
        department="理赔部",
        root_cause="夜间报案无人分派",
        corrective_action="夜间自动分派",
        owner=agent1,
        due_date=date(2026, 12, 31),
        verification="抽查",
    )
    action = CorrectiveAction.objects.get(report__ticket=complaint)
    ci = demo_policy(
        number="PCI0001",
        holder=customer1,
        line="critical_illness",
        start=date(2026, 3, 1),
        insured_name="张三",
        products=products,
    )
    premium_schedule_ensure(ci, now=now)
    uw = underwriter_with_authority("uw1", "5000000", 3, manager=manager1)
    r = api(customer1).post("/policy-service", {"policy": "PCI0001", "item": "surrender"})
    assert r.status_code == 201, r.content
    request_no = r.json()["number"]
    application = submit(customer1, now=now, **declared_chronic())
    query = query_raise(
        application=application,
        kind="medical_exam",
        question="请补充体检报告",
        actor=uw,
        now=now,
    )
    (held, *_rest) = notification_queue(
        recipient=customer1, subject="保证100%赔付", now=now, kind="x", case=paying.case
    )
    hold = NotificationHold.objects.get(notification=held)
    conversation = conversation_start(user=customer1, now=now, language="zh-hans")
    # A closed inquiry of customer1 (agent2's), surveyed and answered unhappily: its call-back,
    # and the QA sample of its week.
    closed = closed_ticket(
        customer=customer1, agent=agent2, opened=T0, closed=T0 + timedelta(hours=1)
    )
    sent = feedback.survey_send(case=closed, now=now)
    assert sent is not None
    feedback.survey_answer(token=sent.token, csat=1, nps=0, comment="太慢", now=now)
    callback = feedback.callback_tasks().get(case=closed)
    (review, *_more) = qa_sample(week_start=date(2026, 9, 28), now=now)
    return {
        "claim": deciding,
        "claim_no": deciding.number,
        "paying": paying,
        "document_id": document.pk,
        "decision_id": decision.pk,
        "loss_item_id": loss.pk,
        "checklist_item": deciding.items.first(),
        "task_id": task.pk,
        "survey_id": survey.pk,
        "objection_id": objection.pk,
        "reference": payment.reference,
        "notice_id": notice.pk,
        "ticket_no": complaint.case.number,
        "action_id": action.pk,
        "request_no": request_no,
        "policy_no": "PCI0001",
        "application_no": application.case.number,
        "query_id": query.pk,
        "notification_id": held.pk,
        "hold_id": hold.pk,
        "conversation_id": conversation.pk,
        "callback_id": callback.pk,
        "review_id": review.pk,
        "request": ServiceRequest.objects.get(case__number=request_no),
        "recovery_id": recovery.pk,
        "reserve_request_id": reserve_request.pk,
        "stp_review_id": stp_review.pk,
    }


# Which of customer1's objects each route is tried on: route → (world) → path values.
Values = Callable[[dict], dict[str, object]]


def _claim(w: dict) -> dict:
    return {"claim_no": w["claim_no"], "number": w["claim_no"]}


OBJECTS: dict[str, Values] = {
    "api/v1/cases/<number>": lambda w: {"number": w["claim_no"]},
    "api/v1/cases/<number>/transitions": lambda w: {"number": w["claim_no"]},
    "api/v1/cases/<number>/tasks": lambda w: {"number": w["claim_no"]},
    "api/v1/tasks/<task_id>/complete": lambda w: {"task_id": w["task_id"]},
    "api/v1/claims/<claim_no>/documents": lambda w: {"claim_no": w["paying"].number},
    "api/v1/claims/<claim_no>/documents/<document_id>": lambda w: {
        "claim_no": w["paying"].number,
        "document_id": w["document_id"],
    },
    "api/v1/claims/<claim_no>/documents/<document_id>/file": lambda w: {
        "claim_no": w["paying"].number,
        "document_id": w["document_id"],
    },
    "api/v1/claims/<claim_no>/documents/<document_id>/confirm": lambda w: {
        "claim_no": w["paying"].number,
        "document_id": w["document_id"],
    },
    "api/v1/claims/<claim_no>": _claim,
    "api/v1/claims/<claim_no>/progress": _claim,
    "api/v1/claims/<claim_no>/items/<code>": lambda w: {
        "claim_no": w["claim_no"],
        "code": w["checklist_item"].code,
    },
    "api/v1/claims/<claim_no>/calculation": _claim,
    "api/v1/claims/<claim_no>/loss-items": _claim,
    "api/v1/claims/<claim_no>/loss-items/<item_id>/exclusion": lambda w: {
        "claim_no": w["claim_no"],
        "item_id": w["loss_item_id"],
    },
    "api/v1/claims/<claim_no>/loss-items/<item_id>": lambda w: {
        "claim_no": w["claim_no"],
        "item_id": w["loss_item_id"],
    },
    "api/v1/claims/<claim_no>/decisions": _claim,
    "api/v1/claims/<claim_no>/interim-decisions": _claim,
    "api/v1/claims/<claim_no>/decisions/<decision_id>/approve": lambda w: {
        "claim_no": w["claim_no"],
        "decision_id": w["decision_id"],
    },
    "api/v1/claims/<claim_no>/decisions/<decision_id>/return": lambda w: {
        "claim_no": w["claim_no"],
        "decision_id": w["decision_id"],
    },
    "api/v1/claims/<claim_no>/actions/<action>": lambda w: {
        "claim_no": w["claim_no"],
        "action": "investigate",
    },
    "api/v1/claims/<claim_no>/review": _claim,
    "api/v1/claims/<claim_no>/surveys": _claim,
    "api/v1/claims/<claim_no>/appraisals": _claim,
    "api/v1/surveys/<survey_id>": lambda w: {"survey_id": w["survey_id"]},
    "api/v1/surveys/<survey_id>/report": lambda w: {"survey_id": w["survey_id"]},
    "api/v1/surveys/<survey_id>/objections": lambda w: {"survey_id": w["survey_id"]},
    "api/v1/objections/<objection_id>/resolve": lambda w: {"objection_id": w["objection_id"]},
    "api/v1/claims/<claim_no>/payment": lambda w: {"claim_no": w["paying"].number},
    "api/v1/claims/<claim_no>/payments": lambda w: {"claim_no": w["paying"].number},
    "api/v1/claims/<claim_no>/payment/settle": lambda w: {"claim_no": w["paying"].number},
    "api/v1/payments/<reference>/actions/<action>": lambda w: {
        "reference": w["reference"],
        "action": "send",
    },
    "api/v1/claims/<claim_no>/notices": lambda w: {"claim_no": w["paying"].number},
    "api/v1/notices/<notice_id>/pdf": lambda w: {"notice_id": w["notice_id"]},
    "api/v1/tickets/<ticket_no>": lambda w: {"ticket_no": w["ticket_no"]},
    "api/v1/tickets/<ticket_no>/replies": lambda w: {"ticket_no": w["ticket_no"]},
    "api/v1/tickets/<ticket_no>/notes": lambda w: {"ticket_no": w["ticket_no"]},
    "api/v1/tickets/<ticket_no>/actions/<action>": lambda w: {
        "ticket_no": w["ticket_no"],
        "action": "resolve",
    },
    "api/v1/tickets/<ticket_no>/rca": lambda w: {"ticket_no": w["ticket_no"]},
    "api/v1/tickets/<ticket_no>/rca/actions/<action_id>/done": lambda w: {
        "ticket_no": w["ticket_no"],
        "action_id": w["action_id"],
    },
    "api/v1/claims/<claim_no>/objections": lambda w: {"claim_no": w["paying"].number},
    "api/v1/policy-service/<number>": lambda w: {"number": w["request_no"]},
    "api/v1/policy-service/<number>/materials": lambda w: {"number": w["request_no"]},
    "api/v1/policy-service/<number>/approve": lambda w: {"number": w["request_no"]},
    "api/v1/policy-service/<number>/decline": lambda w: {"number": w["request_no"]},
    "api/v1/policy-service/<number>/payment": lambda w: {"number": w["request_no"]},
    "api/v1/policy-service/<number>/underwriting": lambda w: {"number": w["request_no"]},
    "api/v1/policies/<number>/premiums": lambda w: {"number": w["policy_no"]},
    "api/v1/policies/<number>/premiums/<instalment>/payment": lambda w: {
        "number": w["policy_no"],
        "instalment": 1,
    },
    "api/v1/policies/<number>/as-of": lambda w: {"number": w["policy_no"]},
    "api/v1/policies/<number>/history": lambda w: {"number": w["policy_no"]},
    "api/v1/policies/<number>/survival-benefits": lambda w: {"number": w["policy_no"]},
    "api/v1/policy-service/<number>/notices": lambda w: {"number": w["request_no"]},
    "api/v1/underwriting/applications/<number>/notices": lambda w: {"number": w["application_no"]},
    "claims/<str:number>/recoveries/": lambda w: {"number": w["paying"].number},
    "claims/<str:number>/recoveries/<int:recovery_id>/": lambda w: {
        "number": w["paying"].number,
        "recovery_id": w["recovery_id"],
    },
    "claims/<str:number>/reserve/": _claim,
    "api/v1/claims/<claim_no>/reserve": _claim,
    "api/v1/stp/reviews/<review_id>/confirm": lambda w: {"review_id": w["stp_review_id"]},
    "api/v1/stp/reviews/<review_id>/reopen": lambda w: {"review_id": w["stp_review_id"]},
    "stp/reviews/<int:pk>/<str:action>/": lambda w: {"pk": w["stp_review_id"], "action": "reopen"},
    "api/v1/claims/<claim_no>/reserve/requests/<request_id>/sign": lambda w: {
        "claim_no": w["claim_no"],
        "request_id": w["reserve_request_id"],
    },
    "api/v1/claims/<claim_no>/reserve/requests/<request_id>/refuse": lambda w: {
        "claim_no": w["claim_no"],
        "request_id": w["reserve_request_id"],
    },
    "api/v1/claims/<claim_no>/recoveries": lambda w: {"claim_no": w["paying"].number},
    "api/v1/claims/<claim_no>/recoveries/<recovery_id>": lambda w: {
        "claim_no": w["paying"].number,
        "recovery_id": w["recovery_id"],
    },
    "api/v1/claims/<claim_no>/recoveries/<recovery_id>/letters": lambda w: {
        "claim_no": w["paying"].number,
        "recovery_id": w["recovery_id"],
    },
    "api/v1/claims/<claim_no>/recoveries/<recovery_id>/receipts": lambda w: {
        "claim_no": w["paying"].number,
        "recovery_id": w["recovery_id"],
    },
    "api/v1/claims/<claim_no>/recoveries/<recovery_id>/close": lambda w: {
        "claim_no": w["paying"].number,
        "recovery_id": w["recovery_id"],
    },
    "claims/<str:number>/reserve/requests/<int:request_id>/": lambda w: {
        "number": w["claim_no"],
        "request_id": w["reserve_request_id"],
    },
    "api/v1/underwriting/applications/<number>": lambda w: {"number": w["application_no"]},
    "api/v1/underwriting/applications/<number>/queries": lambda w: {"number": w["application_no"]},
    "api/v1/underwriting/applications/<number>/queries/<query_id>/answer": lambda w: {
        "number": w["application_no"],
        "query_id": w["query_id"],
    },
    "api/v1/underwriting/applications/<number>/decision": lambda w: {"number": w["application_no"]},
    "api/v1/underwriting/applications/<number>/decision/sign": lambda w: {
        "number": w["application_no"]
    },
    "api/v1/compliance/notifications/<notification_id>/release": lambda w: {
        "notification_id": w["notification_id"]
    },
    "api/v1/assistant/conversations/<conversation_id>/handover": lambda w: {
        "conversation_id": w["conversation_id"]
    },
    "api/v1/assistant/conversations/<conversation_id>": lambda w: {
        "conversation_id": w["conversation_id"]
    },
    "investigation/surveys/<int:survey_id>/": lambda w: {"survey_id": w["survey_id"]},
    "investigation/surveys/<int:survey_id>/report/": lambda w: {"survey_id": w["survey_id"]},
    "payments/claims/<str:number>/instruct/": lambda w: {"number": w["paying"].number},
    "payments/<str:reference>/<str:action>/": lambda w: {
        "reference": w["reference"],
        "action": "send",
    },
    "notices/<int:notice_id>/pdf": lambda w: {"notice_id": w["notice_id"]},
    "service/tickets/<str:number>/": lambda w: {"number": w["ticket_no"]},
    "service/tickets/<str:number>/reply/": lambda w: {"number": w["ticket_no"]},
    "service/tickets/<str:number>/act/": lambda w: {"number": w["ticket_no"]},
    "service/tickets/<str:number>/handoff/": lambda w: {"number": w["ticket_no"]},
    "service/tickets/<str:number>/rca/": lambda w: {"number": w["ticket_no"]},
    "service/tickets/<str:number>/rca/actions/<int:action_id>/done/": lambda w: {
        "number": w["ticket_no"],
        "action_id": w["action_id"],
    },
    "servicing/requests/<str:number>/": lambda w: {"number": w["request_no"]},
    "servicing/requests/<str:number>/act/": lambda w: {"number": w["request_no"]},
    "servicing/policies/<str:number>/": lambda w: {"number": w["policy_no"]},
    "servicing/policies/<str:number>/premiums/<int:instalment>/paid/": lambda w: {
        "number": w["policy_no"],
        "instalment": 1,
    },
    "underwriting/<str:number>/": lambda w: {"number": w["application_no"]},
    "underwriting/<str:number>/decide/": lambda w: {"number": w["application_no"]},
    "underwriting/<str:number>/sign/": lambda w: {"number": w["application_no"]},
    "underwriting/<str:number>/query/": lambda w: {"number": w["application_no"]},
    "underwriting/<str:number>/queries/<int:query_id>/answer/": lambda w: {
        "number": w["application_no"],
        "query_id": w["query_id"],
    },
    "compliance/held/<int:pk>/release/": lambda w: {"pk": w["hold_id"]},
    "compliance/qa/<int:pk>/": lambda w: {"pk": w["review_id"]},
    "feedback/callbacks/<int:pk>/": lambda w: {"pk": w["callback_id"]},
    "cases/<str:number>/": lambda w: {"number": w["claim_no"]},
    "cases/<str:number>/act/": lambda w: {"number": w["claim_no"]},
    "claims/<str:number>/": _claim,
    "claims/<str:number>/documents/": _claim,
    "claims/<str:number>/items/<int:item_id>/": lambda w: {
        "number": w["claim_no"],
        "item_id": w["checklist_item"].pk,
    },
    "claims/<str:number>/loss-items/": _claim,
    "claims/<str:number>/loss-items/<int:item_id>/exclusion/": lambda w: {
        "number": w["claim_no"],
        "item_id": w["loss_item_id"],
    },
    "claims/<str:number>/decisions/": _claim,
    "claims/<str:number>/interim-decisions/": _claim,
    "claims/<str:number>/decisions/<int:decision_id>/": lambda w: {
        "number": w["claim_no"],
        "decision_id": w["decision_id"],
    },
}


def test_every_route_with_an_object_in_its_path_has_an_object_to_try():
    routes = {r.route for r in object_routes()}
    unknown = sorted(routes - OBJECTS.keys() - NOT_OBJECTS.keys() - TRIED_ELSEWHERE.keys())
    assert not unknown, (
        "These routes take an object in their path but tests/staff/test_object_access.py "
        "has no object to try them on (add one to OBJECTS, built through the services, or "
        f"say in NOT_OBJECTS why the path names no one's object): {unknown}"
    )
    gone = sorted((OBJECTS.keys() | NOT_OBJECTS.keys() | TRIED_ELSEWHERE.keys()) - routes)
    assert not gone, f"OBJECTS names routes that no longer exist: {gone}"


def _request(client: Client, method: str, path: str):
    if method == "GET":
        return client.get(path)
    return client.generic(method, path, b"{}", content_type="application/json")


@pytest.mark.django_db
def test_no_one_reads_or_changes_someone_elses_object(world, customer2):
    tried_as = {"another customer": customer2} | {
        role.value: person(role) for role in sorted(STAFF_ROLES | {Role.PARTNER})
    }
    clients = {}
    for who, user in tried_as.items():
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        clients[who] = client
    failures: list[str] = []
    baseline = fingerprint()
    routes = [r for r in object_routes() if r.route in OBJECTS]
    assert len(routes) >= 80
    for route in routes:
        path = route.path(OBJECTS[route.route](world)) + QUERY.get(route.route, "")
        for method in route.methods:
            for who, client in clients.items():
                role = None if who == "another customer" else Role(who)
                # Each try is rolled back, so what an overseer may do leaves the next try
                # the same world.
                with transaction.atomic(), Writes(baseline) as writes:
                    with translation.override("en"):
                        r = _request(client, method, path)
                    transaction.set_rollback(True)
                after = writes.tables
                status = r.status_code
                where = f"{method} {path} as {who}: {status}"
                if status >= 500:
                    failures.append(f"{where} (server error)")
                    continue
                sees = role in OVERSIGHT or role in SEES.get(route.route, set())
                if method == "GET":
                    if not sees and status not in REFUSED:
                        failures.append(f"{where} (someone else's object shown)")
                    continue
                if role in ACTS_ON_ANY:
                    continue
                # A write: refused (a schema error before the object is looked at counts,
                # it shows nothing; a page may send the refusal back as a redirect with its
                # message), and nothing changed; an overseer may get the page.
                page_refusal = status == 302 and not route.route.startswith("api/")
                if status < 400 and not sees and not page_refusal:
                    failures.append(f"{where} (answered someone else's object)")
                if after:
                    failures.append(f"{where} changed {after}")
    assert not failures, "\n".join(failures)
