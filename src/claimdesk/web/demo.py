"""Demo data: named accounts in every role and a few hundred cases with a believable past.

Every case is built through the real services (``case_open``, ``case_transition``,
``task_assign``, ``task_complete``, ``deadline_sweep``) with ``now`` moving forward, so the
timeline, the clocks (running, paused, met, breached), the alerts and the notifications are
what the product itself would have written. Each case's history is first planned as a list of
timed steps (a seeded ``random.Random``: same seed, same data relative to the anchor time);
then all steps of all cases run in time order, with an SLA sweep every couple of simulated
hours, and a last sweep at the real current time.

Everything happens in one transaction: the demo is there completely or not at all.
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import transaction
from django.db.models import Count
from django.test.utils import override_settings
from django.utils import timezone

from claimdesk.cases import selectors, services
from claimdesk.cases.models import Case, Deadline, DeadlineAlert, Task, TaskStatus
from claimdesk.claims.models import Claim, DecisionStatus, ItemState
from claimdesk.claims.services import (
    claim_item_set_state,
    claim_report,
    decision_approve,
    decision_propose,
    loss_item_add,
    loss_item_exclude,
)
from claimdesk.feedback.services import survey_answer, survey_send
from claimdesk.investigation.models import AppraisalInstitution
from claimdesk.investigation.services import survey_assign, survey_report_submit
from claimdesk.notify.models import Notification
from claimdesk.notify.services import notifications_deliver
from claimdesk.payments.services import payment_confirm, payment_instruct, payment_send
from claimdesk.policies.demo import demo_bank_account, demo_policy, demo_products
from claimdesk.policies.models import Clause, Policy
from claimdesk.service.models import Ticket
from claimdesk.service.services import (
    rca_save,
    ticket_act,
    ticket_customer_message,
    ticket_open,
    ticket_reply,
)
from claimdesk.staff.models import StaffProfile
from claimdesk.staff.roles import Role
from claimdesk.staff.services import certification_grant, user_create
from claimdesk.workdays.clocks import SHANGHAI

User = get_user_model()

DEMO_PASSWORD = "demo12345"
DEFAULT_SEED = 20260930
HISTORY_DAYS = 90
SWEEP_EVERY = timedelta(hours=3)

# The accounts the README promises; their presence is what "the demo exists" means.
NAMED_USERS = (
    "customer1",
    "customer2",
    "agent1",
    "surveyor1",
    "adjuster1",
    "finance1",
    "underwriter1",
    "manager1",
    "admin",
)

SH, BJ = "上海分公司", "北京分公司"
# username, role, name, team, branch, region (manager1 is everyone's manager)
STAFF = (
    ("manager1", Role.MANAGER, "林峰", "运营管理部", SH, "上海"),
    ("admin", Role.ADMIN, "系统管理员", "信息技术部", "总公司", ""),
    ("agent1", Role.AGENT, "王芳", "客服一组", SH, "浦东新区"),
    ("agent2", Role.AGENT, "陈静", "客服一组", SH, "徐汇区"),
    ("agent3", Role.AGENT, "刘洋", "客服二组", BJ, "朝阳区"),
    ("surveyor1", Role.SURVEYOR, "赵磊", "查勘定损组", SH, "浦东新区"),
    ("surveyor2", Role.SURVEYOR, "孙浩", "查勘定损组", BJ, "海淀区"),
    ("adjuster1", Role.ADJUSTER, "周敏", "核赔组", SH, "上海"),
    ("adjuster2", Role.ADJUSTER, "吴刚", "核赔组", BJ, "北京"),
    ("finance1", Role.FINANCE, "郑丽", "财务结算组", SH, "上海"),
    ("finance2", Role.FINANCE, "冯涛", "财务结算组", BJ, "北京"),
    ("underwriter1", Role.UNDERWRITER, "何婷", "核保保全组", SH, "上海"),
)

# 核赔权限: what each decider may approve alone (the last signature of a decision).
APPROVAL_LIMITS = {
    "adjuster1": Decimal(50_000),
    "adjuster2": Decimal(200_000),
    "manager1": Decimal(1_000_000),
}
# Qualified appraisal institutions (伤残鉴定), chosen by the published rotation rule.
APPRAISERS = (
    ("上海华东司法鉴定中心", "上海"),
    ("上海市伤残鉴定所", "上海"),
    ("北京正阳司法鉴定所", "北京"),
)

CUSTOMER_NAMES = (
    "张伟",
    "李娜",
    "王秀英",
    "李强",
    "刘敏",
    "陈杰",
    "杨洋",
    "黄丽",
    "赵军",
    "吴霞",
    "周涛",
    "徐明",
    "孙磊",
    "马超",
    "朱琳",
    "胡斌",
    "郭婷",
    "何勇",
    "高燕",
    "林浩",
    "罗娟",
    "郑刚",
    "梁晨",
    "谢欣",
    "宋佳",
    "唐亮",
    "许静",
    "韩梅",
    "冯雪",
    "邓辉",
    "曹颖",
    "彭飞",
)


class _DemoHasher(PBKDF2PasswordHasher):
    """PBKDF2 with few rounds, for the demo's published password only.

    Django's full iteration count costs ~0.35 s per account (15 s for the demo's users);
    Django notices the low count at each account's first login and re-hashes at full
    strength (its documented password upgrading).
    """

    iterations = 1_000


@contextmanager
def _quick_demo_setup() -> Iterator[None]:
    """Cheap password hashing, and background tasks run inline (after the commit)."""
    from claimdesk.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    trace_log = logging.getLogger("celery.app.trace")  # "Task … succeeded" for inline runs
    level = trace_log.level
    trace_log.setLevel(logging.WARNING)
    try:
        with override_settings(PASSWORD_HASHERS=[f"{__name__}._DemoHasher"]):
            yield
    finally:
        app.conf.task_always_eager = eager
        trace_log.setLevel(level)


def demo_users_present() -> list[str]:
    """The named demo accounts that already exist (empty: the demo was never loaded)."""
    return sorted(User.objects.filter(username__in=NAMED_USERS).values_list("username", flat=True))


# --- people -------------------------------------------------------------------------------


@dataclass
class People:
    by_name: dict[str, object]
    customers: list

    def __getitem__(self, username: str):
        return self.by_name[username]

    @classmethod
    def from_db(cls) -> People:
        """The demo's people as they are in the database (to plan again, e.g. in tests)."""
        by_name = {u.username: u for u in User.objects.all()}
        customers = [by_name["customer1"], by_name["customer2"]]
        customers += [by_name[f"customer{i:02d}"] for i in range(3, len(CUSTOMER_NAMES) + 1)]
        return cls(by_name, customers)


def _people_create() -> People:
    by_name: dict[str, object] = {}
    for username, role, name, team, branch, region in STAFF:
        by_name[username] = user_create(
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            first_name=name,
            manager=None if username == "manager1" else by_name.get("manager1"),
            team=team,
            branch=branch,
            region=region,
        )
    for username, limit in APPROVAL_LIMITS.items():
        StaffProfile.objects.filter(user=by_name[username]).update(approval_limit=limit)
    today = timezone.localdate()
    for username in ("surveyor1", "surveyor2"):
        certification_grant(
            user=by_name[username],
            code="nev",
            name="新能源汽车查勘定损资格",
            issued_on=today - timedelta(days=400),
            expires_on=today + timedelta(days=700),
        )
    for name, region in APPRAISERS:
        AppraisalInstitution.objects.get_or_create(
            name=name, defaults={"qualifications": "disability", "region": region}
        )
    admin = by_name["admin"]
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    customers = []
    for i, name in enumerate(CUSTOMER_NAMES, start=1):
        username = f"customer{i}" if i <= 2 else f"customer{i:02d}"
        customers.append(
            user_create(
                username=username,
                password=DEMO_PASSWORD,
                role=Role.CUSTOMER,
                first_name=name,
                email="customer1@example.com" if i == 1 else "",
            )
        )
        by_name[username] = customers[-1]
    return People(by_name, customers)


# --- policies ----------------------------------------------------------------------------

LINES = ("auto", "medical", "critical_illness", "accident", "property")
POLICY_PREFIX = {
    "auto": "AUT",
    "medical": "MED",
    "critical_illness": "CIL",
    "accident": "ACC",
    "property": "PRP",
}
# customer1 holds the three the README shows off; customer2 one of their own.
HOLDINGS = {0: ("auto", "medical", "critical_illness"), 1: ("auto",)}
POLICY_AGE_DAYS = 200  # every demo policy was in force through the whole history window


def _holdings(index: int) -> tuple[str, ...]:
    """The lines customer number ``index`` (0-based) holds: one or two for the others."""
    if index in HOLDINGS:
        return HOLDINGS[index]
    first = LINES[index % len(LINES)]
    second = LINES[(index + 2) % len(LINES)]
    return (first, second) if index % 2 == 0 else (first,)


def _policies_create(people: People, now: datetime) -> dict[str, list[Policy]]:
    """The five demo products and every demo customer's policies, by line."""
    products = demo_products()
    start = (timezone.localtime(now, SHANGHAI) - timedelta(days=POLICY_AGE_DAYS)).date()
    for i, customer in enumerate(people.customers):
        for line in _holdings(i):
            demo_policy(
                number=f"{POLICY_PREFIX[line]}{start:%Y}{i + 1:05d}",
                holder=customer,
                line=line,
                start=start,
                insured_name=customer.first_name,
                id_number=f"3101151980{(i % 12) + 1:02d}{(i % 28) + 1:02d}{i:04d}"[:18],
                phone=f"1380021{i:04d}",
                plate=f"沪A{52000 + i}" if line == "auto" else "",
                products=products,
            )
        demo_bank_account(customer, customer.first_name, f"62220210010{i:08d}")
    return _policies_by_line()


def _policies_by_line() -> dict[str, list[Policy]]:
    by_line: dict[str, list[Policy]] = {line: [] for line in LINES}
    for policy in (
        Policy.objects.select_related("product", "holder")
        .filter(holder__username__startswith="customer")
        .order_by("number")
    ):
        by_line[policy.product.line].append(policy)
    return by_line


# --- stories: one case's history as timed steps -------------------------------------------

Action = Callable[[datetime], None]


@dataclass
class Story:
    """A case's planned history. Steps run later, interleaved with every other case's."""

    t: datetime
    steps: list[tuple[datetime, Action]] = field(default_factory=list)
    case: Case | None = None
    tasks: dict[str, Task] = field(default_factory=dict)
    claim: Claim | None = None

    def wait(self, hours: float) -> Story:
        self.t += timedelta(hours=hours)
        return self

    def do(self, action: Action) -> Story:
        self.steps.append((self.t, action))
        return self

    # -- the services, bound to this story's case --

    def open(self, *, actor, customer, kind: str, title: str, **extra) -> Story:
        category = extra.pop("category", "")

        def run(now: datetime) -> None:
            self.case = services.case_open(
                kind=kind,
                title=title,
                actor=actor,
                customer=customer,
                category=category,
                now=now,
                data=extra,
            )

        return self.do(run)

    def report(self, *, reporter, channel: str, report: dict, loss_hours_ago: float) -> Story:
        """Report a real claim through ``claim_report`` (portal, API or hotline)."""

        def run(now: datetime) -> None:
            loss = {**report, "loss_time": now - timedelta(hours=loss_hours_ago)}
            result = claim_report(reporter=reporter, report=loss, channel=channel, now=now)
            self.claim, self.case = result.claim, result.claim.case

        return self.do(run)

    def items(
        self,
        state: str,
        *,
        by: str,
        states: tuple[str, ...],
        core_only: bool = False,
        limit: int | None = None,
        reason: str = "",
    ) -> Story:
        """Move the claim's checklist items now in ``states`` to ``state``; ``by`` is
        "customer" (an upload) or "owner" (the handler's review). No-op without a claim."""

        def run(now: datetime) -> None:
            if self.claim is None:
                return
            assert self.case is not None
            actor = self.case.customer if by == "customer" else self.case.owner
            chosen = [
                i for i in self.claim.items.all() if i.state in states and (i.core or not core_only)
            ]
            for item in chosen[:limit]:
                claim_item_set_state(item=item, state=state, actor=actor, now=now, reason=reason)

        return self.do(run)

    def act(self, action: str, actor=None, **data) -> Story:
        """``actor`` None means the case's owner (known only once the case is open)."""

        def run(now: datetime) -> None:
            assert self.case is not None
            self.case = services.case_transition(
                case=self.case, action=action, actor=actor or self.case.owner, now=now, data=data
            )

        return self.do(run)

    def assign(self, key: str, *, kind: str, title: str, assignee, rule: str | None = None):
        def run(now: datetime) -> None:
            assert self.case is not None
            self.tasks[key] = services.task_assign(
                case=self.case,
                kind=kind,
                title=title,
                assignee=assignee,
                actor=self.case.owner,
                now=now,
                rule_code=rule,
            )

        return self.do(run)

    def complete(self, key: str, result: str) -> Story:
        def run(now: datetime) -> None:
            task = self.tasks[key]
            services.task_complete(task=task, actor=task.assignee, now=now, result=result)

        return self.do(run)

    def ticket_open(self, *, customer, actor, category: str, pick: float, **fields) -> Story:
        """A service-desk ticket; an objection is about one of the customer's decided
        claims (the objecting customer is the holder of a claim decided by then)."""

        def run(now: datetime) -> None:
            claim, who = None, customer
            if category == "objection":
                decided = list(
                    Claim.objects.filter(decided_at__lte=now).order_by("pk").select_related("case")
                )
                if decided:
                    claim = decided[int(pick * len(decided))]
                    who = claim.case.customer
            if claim is None and category == "objection":
                return
            ticket = ticket_open(
                customer=who,
                actor=who if actor.pk == customer.pk else actor,
                category=category,
                body=fields["subject"],
                now=now,
                claim=claim,
                **fields,
            )
            self.case = ticket.case

        return self.do(run)

    def ticket_step(self, step: str, **data) -> Story:
        """Work a ticket through the service desk (replies pass the compliance gate)."""

        def run(now: datetime) -> None:
            if self.case is None:  # an objection with no decided claim to object to
                return
            ticket = Ticket.objects.get(pk=self.case.pk)
            owner = self.case.owner
            if step == "reply":
                ticket_reply(ticket=ticket, actor=owner, now=now, body=data["message"])
            elif step == "customer":
                ticket_customer_message(
                    ticket=ticket, customer=self.case.customer, now=now, body=data["message"]
                )
            elif step == "rca":
                due = (now + timedelta(days=30)).date()
                rca_save(ticket=ticket, actor=owner, now=now, owner=owner, due_date=due, **data)
            else:
                ticket_act(ticket=ticket, action=step, actor=owner, now=now, data=data)
            self.case.refresh_from_db()

        return self.do(run)

    def survey(self, surveyor) -> Story:
        """The owner sends a surveyor (investigation's assignment: region, load, licence)."""

        def run(now: datetime) -> None:
            assert self.claim is not None and self.case is not None
            self.tasks["survey"] = survey_assign(
                claim=self.claim, actor=self.case.owner, now=now, surveyor=surveyor
            ).task

        return self.do(run)

    def survey_report(self, amount: int) -> Story:
        """The surveyor closes the investigation and files the written result."""

        def run(now: datetime) -> None:
            assert self.claim is not None
            task = self.tasks["survey"]
            self.case = services.case_transition(
                case=self.case, action="assessment_done", actor=task.assignee, now=now
            )
            survey_report_submit(
                survey=task.survey,
                actor=task.assignee,
                now=now,
                findings="现场查勘属实，损失与报案描述一致。",
                assessed_loss=Decimal(amount),
                method="按维修/医疗票据逐项核定，扣除残值。",
            )

        return self.do(run)

    def decide(
        self, adjuster, *, product: str, amount: int, reject: str = "", sign: bool = True
    ) -> Story:
        """The adjuster enters the loss, proposes the calculator's decision (a rejection
        rests on an exclusion clause) and the approvers sign it, lowest level first."""

        def run(now: datetime) -> None:
            assert self.claim is not None
            coverage, illness = DEMO_COVERAGE[product](amount)
            item = loss_item_add(
                claim=self.claim,
                actor=adjuster,
                now=now,
                coverage=coverage,
                label=self.claim.loss_cause,
                amount=amount,
                illness=illness,
            )
            if reject:
                clause = Clause.objects.get(
                    product=self.claim.policy.product, article=EXCLUSION_ARTICLE[product]
                )
                loss_item_exclude(item=item, clause=clause, reason=reject, actor=adjuster, now=now)
            decision = decision_propose(claim=self.claim, actor=adjuster, now=now)
            while sign and decision.status == DecisionStatus.PENDING:
                task = self.case.tasks.get(kind="approve_decision", status=TaskStatus.OPEN)
                decision = decision_approve(decision=decision, actor=task.assignee, now=now)
            self.case.refresh_from_db()

        return self.do(run)

    def pay(self, upto: str) -> Story:
        """Finance pays the approved amount: instructed, sent, then confirmed."""

        def run(now: datetime) -> None:
            assert self.claim is not None and self.case is not None
            if self.case.status != "paying":  # nothing payable after all (e.g. the deductible)
                return
            task = self.case.tasks.get(kind="payment", status=TaskStatus.OPEN)
            payment = payment_instruct(claim=self.claim, actor=task.assignee, now=now)
            if upto == "instructed":
                return
            payment = payment_send(payment=payment, actor=task.assignee, now=now)
            if upto == "sent":
                return
            payment_confirm(payment=payment, actor=task.assignee, now=now)
            self.case.refresh_from_db()

        return self.do(run)

    def survey_customer(self, answer: tuple[int, int, str] | None) -> Story:
        """The satisfaction survey is the follow-up; some customers answer it."""

        def run(now: datetime) -> None:
            assert self.case is not None
            sent = survey_send(case=self.case, now=now)
            if sent is not None and answer is not None:
                csat, nps, comment = answer
                survey_answer(
                    token=sent.token,
                    csat=csat,
                    nps=nps,
                    comment=comment,
                    now=now + timedelta(hours=2),
                )

        return self.do(run)


# --- what cases are about -----------------------------------------------------------------

PLATE_LETTERS = "ABCDEFGHJKLMN"
PRODUCTS = {
    "auto": {
        "titles": (
            "追尾事故",
            "单方事故",
            "停车场剐蹭",
            "前挡风玻璃破碎",
            "暴雨水淹车",
            "倒车撞墙",
        ),
        "label": "车险",
        "materials": "事故认定书、维修发票、行驶证",
        "amount": (1_500, 60_000),
        "investigate": 0.7,
        "reject": ("驾驶人饮酒后驾驶，属责任免除（条款第十条）", "无有效驾驶证驾驶（条款第十条）"),
    },
    "critical_illness": {
        "titles": ("甲状腺癌", "急性心肌梗死", "乳腺癌", "脑中风后遗症", "肺癌", "终末期肾病"),
        "label": "重疾险",
        "materials": "诊断证明、病理报告、出院小结",
        "amount": (100_000, 500_000),
        "investigate": 0.3,
        "reject": (
            "遗传性疾病，属责任免除（条款第2.7条）",
            "先天性畸形，属责任免除（条款第2.7条）",
        ),
    },
    "medical": {
        "titles": ("肺炎住院", "阑尾炎手术", "骨折内固定手术", "胆囊切除术", "冠脉支架植入"),
        "label": "医疗险",
        "materials": "住院费用清单、发票原件、出院小结",
        "amount": (12_000, 120_000),
        "investigate": 0.15,
        "reject": (
            "既往症：投保前已确诊（条款第2.6条）",
            "美容整形手术不在保障范围（条款第2.6条）",
        ),
    },
    "accident": {
        "titles": ("骨折 伤残鉴定", "交通意外 住院津贴", "烫伤 门诊医疗", "攀岩摔伤"),
        "label": "意外险",
        "materials": "伤残鉴定书、病历、事故证明",
        "amount": (2_000, 200_000),
        "investigate": 0.6,
        "reject": ("从事攀岩等高风险运动，属责任免除（条款第2.6条）",),
    },
    "property": {
        "titles": ("台风 屋顶受损", "水管爆裂 地板浸泡", "楼上漏水 墙面受损", "厨房火灾"),
        "label": "家财险",
        "materials": "损失清单、现场照片、物业证明",
        "amount": (3_000, 90_000),
        "investigate": 0.9,
        "reject": ("保管不善导致的受潮霉烂，属责任免除（条款第八条）",),
    },
}
# What a demo loss is claimed under: coverage code and whether it is an illness (waiting
# periods apply), by product line and amount; and the exclusion clause a rejection cites.
DEMO_COVERAGE: dict[str, Callable[[int], tuple[str, bool]]] = {
    "auto": lambda amount: ("vehicle-damage", False),
    "critical_illness": lambda amount: ("critical", True),
    "medical": lambda amount: ("inpatient", True),
    "accident": lambda amount: (
        ("accident-medical", False) if amount <= 50_000 else ("death-disability", False)
    ),
    "property": lambda amount: ("contents", False),
}
EXCLUSION_ARTICLE = {
    "auto": "10",
    "critical_illness": "2.7",
    "medical": "2.6",
    "accident": "2.6",
    "property": "8",
}
RETURN_REASONS = (
    "照片不清晰，请重新拍摄上传",
    "缺少医院盖章，请补盖后上传",
    "发票抬头与被保险人不符",
)
LOSS_PLACES = {
    "auto": (
        ("上海市浦东新区世纪大道与张杨路路口", "上海市徐汇区漕溪北路", "上海市闵行区莘庄立交"),
        ("北京市朝阳区建国路", "北京市海淀区中关村大街"),
    ),
    "medical": (("复旦大学附属中山医院", "上海交通大学医学院附属瑞金医院"), ("北京协和医院",)),
    "critical_illness": (("复旦大学附属肿瘤医院", "上海市胸科医院"), ("中国医学科学院肿瘤医院",)),
    "accident": (("上海市静安区南京西路", "上海市浦东新区张江镇"), ("北京市海淀区西二旗",)),
    "property": (("上海市浦东新区世纪大道100号", "上海市长宁区虹桥路"), ("北京市朝阳区望京街",)),
}
LOSS_STORY = {
    "auto": "{detail}，车辆受损，已拍照留存现场，无人员受伤。",
    "medical": "因{detail}入院治疗，已产生住院及手术费用。",
    "critical_illness": "经医院检查确诊{detail}，目前住院治疗中。",
    "accident": "{detail}，事发后即到医院就诊。",
    "property": "{detail}，室内财产受损，已采取措施防止损失扩大。",
}
PRODUCT_WEIGHTS = {
    "auto": 40,
    "critical_illness": 15,
    "medical": 20,
    "accident": 12,
    "property": 13,
}

# How many claims end in each state, and how long ago their last step was (days, lo-hi).
CLAIM_PLAN = {
    "reported": (20, 0, 3),
    "reviewing": (22, 0, 6),
    "awaiting_materials": (16, 0, 12),
    "investigating": (18, 0, 4),
    "adjudicating": (20, 0, 8),
    "paying": (16, 0, 6),
    "rejected": (6, 0, 4),
    "closed": (18, 0, 4),
    "followed_up": (50, 1, 70),
    "withdrawn": (10, 1, 70),
}
TICKET_CATEGORIES = {
    "inquiry": (
        "理赔进度查询",
        "理赔材料清单咨询",
        "保单现金价值咨询",
        "发票丢失如何理赔",
        "赔款到账时间",
    ),
    "complaint": ("理赔时效过长", "客服态度", "定损金额异议", "多次补交材料"),
    "green": ("重疾 急需住院押金", "意外 重伤抢救", "急性心梗 手术垫付"),
    "objection": ("对核赔金额有异议", "对免赔额计算有异议"),
}
TICKET_TOPICS = {
    "理赔时效过长": "timeliness",
    "赔款到账时间": "timeliness",
    "客服态度": "service_attitude",
    "定损金额异议": "amount",
    "对核赔金额有异议": "amount",
    "对免赔额计算有异议": "amount",
    "多次补交材料": "materials",
}
# The root-cause analysis a demo complaint closes with, by what it was about.
RCA_BY_TOPIC = {
    topic: {
        "category": category,
        "department": department,
        "root_cause": cause,
        "corrective_action": action,
        "verification": "下月抽检同类案件复核效果",
    }
    for topic, category, department, cause, action in (
        ("timeliness", "流程", "理赔部", "核赔环节排队积压", "增设核赔岗并启用时效预警"),
        ("service_attitude", "人员", "客服中心", "坐席未按话术安抚客户", "开展服务礼仪培训"),
        ("amount", "规则", "理赔部", "定损依据未向客户解释", "定损结果书面告知计算方法"),
        ("materials", "流程", "理赔部", "材料清单未一次性告知", "启用一次性告知清单"),
        ("other", "其他", "客服中心", "客户诉求理解偏差", "完善首问记录模板"),
    )
}
TICKET_PLAN = {
    "inquiry": {"new": 5, "in_progress": 5, "resolved": 4, "closed": 16},
    "complaint": {"new": 2, "in_progress": 3, "waiting_customer": 3, "resolved": 2, "closed": 6},
    "green": {"new": 2, "in_progress": 3, "resolved": 2, "closed": 4},
    "objection": {"in_progress": 2, "waiting_customer": 1, "closed": 3},
}
REQUEST_PLAN = {
    "policy_service": (
        ("变更受益人", "变更联系方式", "退保申请", "增加保额", "变更缴费账户"),
        {"submitted": 3, "reviewing": 3, "approved": 5, "declined": 1, "withdrawn": 1},
    ),
    "underwriting": (
        (
            "投保重疾险 既往甲状腺结节",
            "高额寿险 体检血压偏高",
            "医疗险 BMI 超标",
            "意外险 高危职业",
        ),
        {"submitted": 2, "reviewing": 3, "approved": 3, "declined": 2, "withdrawn": 1},
    ),
}


class Planner:
    """Draws every case's story from one seeded random stream."""

    def __init__(
        self,
        people: People,
        *,
        now: datetime,
        seed: int,
        policies: dict[str, list[Policy]] | None = None,
    ):
        self.p = people
        self.now = now
        self.rng = random.Random(seed)
        self.policies = _policies_by_line() if policies is None else policies
        self.agents = [people["agent1"], people["agent2"], people["agent3"]]
        self.customers = people.customers

    # -- small draws --

    def hours(self, lo: float, hi: float) -> float:
        return self.rng.uniform(lo, hi)

    def pick(self, weights: dict[str, int]) -> str:
        keys = list(weights)
        return self.rng.choices(keys, weights=[weights[k] for k in keys])[0]

    def agent(self):
        """agent1 takes the largest share of the hotline, so "my work" has depth."""
        return self.rng.choices(self.agents, weights=[50, 30, 20])[0]

    def customer(self):
        # customer1 and customer2 get a handful of cases each; the rest is spread.
        roll = self.rng.random()
        if roll < 0.03:
            return self.customers[0]
        if roll < 0.05:
            return self.customers[1]
        return self.rng.choice(self.customers[2:])

    def plate(self, branch_sh: bool) -> str:
        prefix = "沪" if branch_sh else "京"
        letter = self.rng.choice(PLATE_LETTERS)
        tail = "".join(self.rng.choice("0123456789") for _ in range(5))
        return f"{prefix}{letter}{tail}"

    def start(self) -> datetime:
        """A provisional start: some working-hours moment on the anchor's day."""
        local = timezone.localtime(self.now, SHANGHAI)
        minutes = self.rng.randint(8 * 60, 20 * 60)
        return local.replace(hour=minutes // 60, minute=minutes % 60, second=0, microsecond=0)

    def place(self, story: Story, idle_days: tuple[float, float]) -> None:
        """Move a planned story back in time, by whole days so its hours stay believable,
        until its last step lies ``idle`` before now, and inside the history window."""
        idle = timedelta(days=self.rng.uniform(*idle_days))
        last = story.steps[-1][0]
        days = max(0, -((self.now - idle - last) // timedelta(days=1)))
        shift = timedelta(days=days)
        first = story.steps[0][0] - shift
        oldest = self.now - timedelta(days=HISTORY_DAYS)
        while first < oldest and last - shift + timedelta(days=1) < self.now - timedelta(hours=1):
            shift -= timedelta(days=1)
            first += timedelta(days=1)
        story.steps = [(at - shift, action) for at, action in story.steps]

    # -- claims --

    def claim(self, target: str, idle_days: tuple[float, float]) -> Story:
        rng, p = self.rng, self.p
        product = self.pick(PRODUCT_WEIGHTS)
        spec = PRODUCTS[product]
        shanghai = rng.random() < 0.75
        detail = rng.choice(spec["titles"])
        lo, hi = spec["amount"]
        amount = rng.randrange(lo, hi, 100)
        # A real claim on one of the customers' policies, reported through claim_report; its
        # checklist is worked through claim_item_set_state as the story goes on.
        policies = self.policies[product]
        mine = [p for p in policies if p.holder.username == "customer1"]
        policy = mine[0] if mine and rng.random() < 0.15 else rng.choice(policies)
        small = product == "auto" and amount < 5_000
        channel = rng.choices(("portal", "api", "hotline"), weights=(35, 15, 50))[0]
        story = Story(self.start())
        story.report(
            reporter=self.agent() if channel == "hotline" else policy.holder,
            channel=channel,
            report=self.loss_report(product, detail, policy, amount, shanghai),
            loss_hours_ago=(
                self.hours(24, 24 * 20)
                if product in ("medical", "critical_illness")
                else self.hours(0.5, 20)
            ),
        )
        send_all = rng.random() < 0.3  # the non-core items come with the first upload
        withdraw_at = None
        if target == "withdrawn":
            withdraw_at = rng.choice(
                ["reported", "reviewing", "awaiting_materials", "investigating", "adjudicating"]
            )
        stop = withdraw_at or target

        def done() -> bool:
            return stop == state

        state = "reported"
        if not done():
            # Contact within the working day mostly; sometimes days late (a breach).
            story.wait(self.hours(0.3, 6) if rng.random() < 0.85 else self.hours(30, 90))
            story.act("contact", note="已电话联系客户，告知一次性材料清单")
            state = "reviewing"
            partial = stop == "reviewing" and rng.random() < 0.5
            story.wait(self.hours(0.5, 20)).items(
                ItemState.RECEIVED,
                by="customer",
                states=(ItemState.MISSING,),
                core_only=not send_all,
                limit=2 if partial else None,
            )
        wants_materials = stop == "awaiting_materials" or (
            stop != "reviewing" and rng.random() < 0.35
        )
        if not done() and wants_materials:
            story.wait(self.hours(0.5, 6)).items(
                ItemState.RETURNED,
                by="owner",
                states=(ItemState.RECEIVED,),
                core_only=True,
                limit=1,
                reason=rng.choice(RETURN_REASONS),
            )
            story.wait(self.hours(1, 30)).act("request_materials", items=spec["materials"])
            state = "awaiting_materials"
            if not done():
                story.wait(self.hours(24, 24 * 9)).items(
                    ItemState.RECEIVED,
                    by="customer",
                    states=(ItemState.RETURNED, ItemState.MISSING),
                    core_only=True,
                )
                story.act("materials_received")
                state = "reviewing"
        if done():
            return self._finish(story, target, withdraw_at, idle_days)
        investigate = stop == "investigating" or (not small and rng.random() < spec["investigate"])
        if stop == "adjudicating" and rng.random() < 0.5:
            investigate = False
        story.wait(self.hours(1, 40))
        # 容缺受理: every core item accepted, non-core ones may still be missing.
        story.items(ItemState.ACCEPTED, by="owner", states=(ItemState.RECEIVED,))
        if investigate:
            story.act("send_to_investigation")
            state = "investigating"
            story.wait(0.2).survey(p["surveyor1"] if shanghai else p["surveyor2"])
            if done():
                return self._finish(story, target, withdraw_at, idle_days)
            story.wait(self.hours(4, 40) if rng.random() < 0.85 else self.hours(50, 90))
            story.survey_report(amount)
            state = "adjudicating"
        else:
            story.act("send_to_adjudication")
            state = "adjudicating"
        adjuster = p["adjuster1"] if shanghai or rng.random() < 0.3 else p["adjuster2"]
        story.wait(0.3).assign(
            "review", kind="review", title=f"理赔核定：{detail}", assignee=adjuster
        )
        if done():
            if rng.random() < 0.5:  # a proposal waits for the other adjuster's signature
                story.wait(self.hours(1, 20)).decide(
                    adjuster, product=product, amount=amount, sign=False
                )
            return self._finish(story, target, withdraw_at, idle_days)
        # Now and then a complex case overruns the statutory 30 days (closed ones only, so
        # the open backlog stays believable).
        slow = target in ("closed", "followed_up") and rng.random() < 0.1
        story.wait(self.hours(24 * 25, 24 * 35) if slow else self.hours(2, 24 * 4))
        reject = target == "rejected" or (
            target in ("closed", "followed_up") and rng.random() < 0.15
        )
        reason = rng.choice(spec["reject"]) if reject else ""
        story.decide(adjuster, product=product, amount=amount, reject=reason)
        story.wait(0.1).complete("review", f"拒赔：{reason}" if reject else "核定完成")
        if reject:
            # The approved rejection sends its notice at once and closes the claim.
            state = "closed"
            if target == "rejected":
                return self._finish(story, target, withdraw_at, idle_days)
        else:
            state = "paying"
            if done():
                if rng.random() < 0.6:
                    story.wait(self.hours(0.2, 3)).pay(rng.choice(["instructed", "sent"]))
                return self._finish(story, target, withdraw_at, idle_days)
            if small:
                story.wait(self.hours(1, 20) if rng.random() < 0.8 else self.hours(26, 50))
            else:
                story.wait(
                    self.hours(6, 24 * 5) if rng.random() < 0.85 else self.hours(24 * 8, 24 * 11)
                )
            story.pay("confirmed")
            state = "closed"
        if done():
            return self._finish(story, target, withdraw_at, idle_days)
        story.wait(self.hours(4, 24 * 3) if rng.random() < 0.85 else self.hours(24 * 5, 24 * 7))
        answer = (
            (
                rng.choice([3, 4, 4, 5, 5, 5]),
                rng.randint(5, 10),
                rng.choice(["理赔很快", "客服耐心", "材料有点多", "希望进度通知更及时", ""]),
            )
            if rng.random() < 0.7
            else None
        )
        story.survey_customer(answer)
        assert stop == "followed_up", stop
        return self._finish(story, target, withdraw_at, idle_days)

    def loss_report(self, product: str, detail: str, policy: Policy, amount: int, sh: bool) -> dict:
        """What the caller or the form says about the loss (the time is set when it runs)."""
        places = LOSS_PLACES[product][0 if sh else 1]
        return {
            "policy_no": policy.number,
            "insured_name": policy.holder.first_name,
            "loss_place": self.rng.choice(places),
            "loss_cause": detail,
            "description": LOSS_STORY[product].format(detail=detail),
            "loss_type": product,
            "estimated_amount": str(amount),
            "contact_phone": f"1390021{policy.number[-4:]}",
        }

    def _finish(self, story: Story, target: str, withdraw_at, idle_days) -> Story:
        if target == "withdrawn":
            story.wait(self.hours(1, 48)).act(
                "withdraw",
                reason=self.rng.choice(["客户与对方自行协商解决", "重复报案", "客户决定不再索赔"]),
            )
        self.place(story, idle_days)
        return story

    # -- tickets --

    def ticket(self, category: str, target: str) -> Story:
        rng = self.rng
        customer = self.customer()
        portal = rng.random() < 0.3
        label = {"inquiry": "咨询", "complaint": "投诉", "green": "绿色通道", "objection": "异议"}
        subject = rng.choice(TICKET_CATEGORIES[category])
        story = Story(self.start())
        story.ticket_open(
            customer=customer,
            actor=customer if portal else self.agent(),
            category=category,
            subject=f"{label[category]} {subject}",
            channel="portal" if portal else "hotline",
            topic=TICKET_TOPICS.get(subject, "other"),
            green_reason=(
                "critical_illness" if "重疾" in subject or "心梗" in subject else "accident"
            )
            if category == "green"
            else "",
            pick=rng.random(),
        )
        quick = {
            "inquiry": (0.2, 2.5),
            "green": (0.1, 0.45),
            "complaint": (1, 20),
            "objection": (1, 30),
        }
        slow = {"inquiry": (3, 20), "green": (0.6, 2), "complaint": (24, 60), "objection": (40, 90)}
        if target == "new":
            self.place(story, (0, 0.3) if category in ("inquiry", "green") else (0, 4))
            return story
        lo, hi = quick[category] if rng.random() < 0.8 else slow[category]
        if target != "closed" or rng.random() < 0.8:
            story.wait(self.hours(lo, hi)).ticket_step(
                "reply", message="您好，已收到，正在为您处理"
            )
            if category in ("complaint", "objection") and (
                target == "waiting_customer" or rng.random() < 0.3
            ):
                story.wait(self.hours(2, 48)).ticket_step("ask_customer", message="请补充相关凭证")
                if target == "waiting_customer":
                    self.place(story, (0, 6))
                    return story
                story.wait(self.hours(12, 24 * 5)).ticket_step("customer", message="已补充凭证")
            if target == "in_progress":
                self.place(story, (0, 3) if category != "inquiry" else (0, 0.5))
                return story
        solve = {
            "inquiry": (0.2, 6),
            "green": (3, 30),
            "complaint": (24 * 2, 24 * 18),
            "objection": (24, 24 * 5),
        }
        story.wait(self.hours(*solve[category]))
        if category == "complaint":
            story.ticket_step("rca", **RCA_BY_TOPIC[TICKET_TOPICS.get(subject, "other")])
        story.ticket_step("resolve", resolution="已向客户说明处理结果及依据")
        if target == "resolved":
            self.place(story, (0, 2))
            return story
        story.wait(self.hours(2, 72)).ticket_step("close")
        self.place(story, (1, 80))
        return story

    # -- policy service and underwriting --

    def request(self, kind: str, titles: tuple[str, ...], target: str) -> Story:
        rng, p = self.rng, self.p
        prefix = "保全" if kind == "policy_service" else "核保"
        story = Story(self.start())
        story.open(
            actor=p["underwriter1"],
            customer=self.customer(),
            kind=kind,
            title=f"{prefix} {rng.choice(titles)}",
            channel="counter",
        )
        if target == "withdrawn":
            story.wait(self.hours(2, 48)).act("withdraw", reason="客户撤回申请")
        elif target != "submitted":
            story.wait(self.hours(1, 30)).act("review")
            if target == "approved":
                story.wait(self.hours(4, 72)).act("approve", decision="同意")
            elif target == "declined":
                story.wait(self.hours(4, 72)).act(
                    "decline", reason="超出核保权限范围且风险不可接受"
                )
        self.place(story, (0, 3) if target in ("submitted", "reviewing") else (1, 80))
        return story

    # -- all of it --

    def stories(self) -> list[Story]:
        out = []
        for target, (count, lo, hi) in CLAIM_PLAN.items():
            out += [self.claim(target, (lo, hi)) for _ in range(count)]
        for category, targets in TICKET_PLAN.items():
            for target, count in targets.items():
                out += [self.ticket(category, target) for _ in range(count)]
        for kind, (titles, targets) in REQUEST_PLAN.items():
            for target, count in targets.items():
                out += [self.request(kind, titles, target) for _ in range(count)]
        return out


# --- running it ---------------------------------------------------------------------------


@dataclass
class DemoSummary:
    seconds: float = 0.0
    users: Counter = field(default_factory=Counter)
    cases: Counter = field(default_factory=Counter)
    statuses: dict[str, Counter] = field(default_factory=dict)
    clocks: Counter = field(default_factory=Counter)
    alerts: Counter = field(default_factory=Counter)
    open_tasks: Counter = field(default_factory=Counter)
    notifications: int = 0
    claims: Counter = field(default_factory=Counter)
    sweeps: int = 0
    agent1_work: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        def fmt(c: Counter) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(c.items()))

        out = [
            f"Demo loaded in {self.seconds:.1f} s ({self.sweeps} SLA sweeps over the simulated days).",
            f"Users: {fmt(self.users)}  (password {DEMO_PASSWORD})",
            f"Cases: {sum(self.cases.values())} — {fmt(self.cases)}",
        ]
        out += [f"  {kind}: {fmt(c)}" for kind, c in sorted(self.statuses.items())]
        out += [
            f"Claims with policy and checklist, by channel: {fmt(self.claims)}",
            f"SLA clocks: {fmt(self.clocks)}",
            f"Alerts: {fmt(self.alerts)}",
            f"Open tasks: {fmt(self.open_tasks)}",
            f"Notifications: {self.notifications}",
            "agent1's work, most urgent first:",
            *(f"  {line}" for line in self.agent1_work),
            "Log in at /login/ as agent1 / demo12345.",
        ]
        return out


def _summary(people: People, seconds: float, sweeps: int, now: datetime) -> DemoSummary:
    s = DemoSummary(seconds=seconds, sweeps=sweeps)
    s.users = Counter(dict(User.objects.values_list("groups__name").annotate(n=Count("id"))))
    for kind, status, n in Case.objects.values_list("kind", "status").annotate(n=Count("id")):
        s.cases[kind] += n
        s.statuses.setdefault(kind, Counter())[status] = n
    s.clocks = Counter(dict(Deadline.objects.values_list("state").annotate(n=Count("id"))))
    s.alerts = Counter(dict(DeadlineAlert.objects.values_list("kind").annotate(n=Count("id"))))
    s.open_tasks = Counter(
        dict(
            Task.objects.filter(status=TaskStatus.OPEN)
            .values_list("assignee__username")
            .annotate(n=Count("id"))
        )
    )
    s.notifications = Notification.objects.count()
    s.claims = Counter(dict(Claim.objects.values_list("channel").annotate(n=Count("pk"))))
    for item in selectors.my_work(people["agent1"], limit=6):
        left = item.remaining(now)
        when = "no clock" if left is None else f"{left.total_seconds() / 3600:+.1f} h"
        s.agent1_work.append(f"{when:>10}  {item.case.number}  {item.case.title}")
    return s


def _sweep(now: datetime) -> int:
    """The beat's sweep at ``now``, skipped when no clock has anything due (most ticks)."""
    if not Deadline.objects.filter(next_action_at__lte=now).exists():
        return 0
    services.deadline_sweep(now=now)
    return 1


def demo_create(*, now: datetime | None = None, seed: int = DEFAULT_SEED) -> DemoSummary:
    """Create the demo accounts and cases. The caller checks ``demo_users_present`` first."""
    started = time.monotonic()
    now = now or timezone.now()
    with _quick_demo_setup(), transaction.atomic():
        people = _people_create()
        policies = _policies_create(people, now)
        stories = Planner(people, now=now, seed=seed, policies=policies).stories()
        steps = [(at, n, action) for n, st in enumerate(stories) for at, action in st.steps]
        steps.sort(key=lambda s: (s[0], s[1]))
        sweeps = 0
        next_sweep = steps[0][0] + SWEEP_EVERY
        for at, _n, action in steps:
            while next_sweep <= at:
                sweeps += _sweep(next_sweep)
                next_sweep += SWEEP_EVERY
            action(at)
        while next_sweep <= now:
            sweeps += _sweep(next_sweep)
            next_sweep += SWEEP_EVERY
        services.deadline_sweep(now=timezone.now())
        sweeps += 1
    # Each delivery run sends a batch; empty the demo's outbox (what the worker would do).
    while notifications_deliver(now=timezone.now()):
        pass
    return _summary(people, time.monotonic() - started, sweeps, timezone.now())
