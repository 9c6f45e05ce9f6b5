"""The demo's people: named accounts in every role (the README's), more staff in two branches,
Chinese-named customers, and the reference rows they work with (appraisal institutions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone

from claimdesk.investigation.models import AppraisalInstitution
from claimdesk.staff.models import Certification
from claimdesk.staff.roles import Role
from claimdesk.staff.services import certification_grant, user_create
from claimdesk.types import Actor

User = get_user_model()

DEMO_PASSWORD = "demo12345"

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
# 未决赔款准备金权限: the largest case reserve each may set alone (above it: their manager).
RESERVE_LIMITS = {
    "agent1": Decimal(50_000),
    "agent2": Decimal(50_000),
    "agent3": Decimal(50_000),
    "surveyor1": Decimal(100_000),
    "surveyor2": Decimal(100_000),
    "adjuster1": Decimal(200_000),
    "adjuster2": Decimal(500_000),
    "manager1": Decimal(5_000_000),
}
# 理赔师 grades (``staff.licences``): each decider's grade covers the band of their limit.
ADJUSTER_GRADES = {"adjuster1": 1, "adjuster2": 2, "manager1": 3}
# Qualified appraisal institutions (伤残鉴定), chosen by the published rotation rule.
APPRAISERS = (
    ("上海华东司法鉴定中心", "上海"),
    ("上海市伤残鉴定所", "上海"),
    ("北京正阳司法鉴定所", "北京"),
)

CUSTOMER_NAMES = (
    *("张伟", "李娜", "王秀英", "李强", "刘敏", "陈杰", "杨洋", "黄丽"),
    *("赵军", "吴霞", "周涛", "徐明", "孙磊", "马超", "朱琳", "胡斌"),
    *("郭婷", "何勇", "高燕", "林浩", "罗娟", "郑刚", "梁晨", "谢欣"),
    *("宋佳", "唐亮", "许静", "韩梅", "冯雪", "邓辉", "曹颖", "彭飞"),
)


class DemoHasher(PBKDF2PasswordHasher):
    """PBKDF2 with few rounds, for the demo's published password only.

    Django's full iteration count costs ~0.35 s per account (15 s for the demo's users);
    Django notices the low count at each account's first login and re-hashes at full
    strength (its documented password upgrading).
    """

    iterations = 1_000


def demo_users_present() -> list[str]:
    """The named demo accounts that already exist (empty: the demo was never loaded)."""
    return sorted(User.objects.filter(username__in=NAMED_USERS).values_list("username", flat=True))


def customer_username(number: int) -> str:
    """customer1 and customer2 as the README names them, then customer03 … customer32."""
    return f"customer{number}" if number <= 2 else f"customer{number:02d}"


@dataclass
class People:
    by_name: dict[str, Actor]
    customers: list[Actor]

    def __getitem__(self, username: str) -> Actor:
        return self.by_name[username]

    @classmethod
    def from_db(cls) -> People:
        """The demo's people as they are in the database (to plan again, e.g. in tests)."""
        by_name = {u.username: u for u in User.objects.all()}
        names = (customer_username(i) for i in range(1, len(CUSTOMER_NAMES) + 1))
        return cls(by_name, [by_name[n] for n in names])


def people_create() -> People:
    """Every demo account, through ``user_create`` (profiles, approval limits, roles)."""
    by_name: dict[str, Actor] = {}
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
            approval_limit=APPROVAL_LIMITS.get(username),
            reserve_limit=RESERVE_LIMITS.get(username),
        )
    _staff_extras(by_name)
    customers: list[Actor] = []
    for i, name in enumerate(CUSTOMER_NAMES, start=1):
        username = customer_username(i)
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


def _staff_extras(by_name: dict[str, Actor]) -> None:
    """Surveyors' licences (查勘定损 and NEV), the deciders' adjuster grades matching their
    approval limits, the appraisal institutions with their licences, and admin as
    superuser (the last two have no service: they are reference rows and an account flag
    an admin sets)."""
    today = timezone.localdate()
    expires = today + timedelta(days=700)
    demo_licences_ensure(by_name)
    for n, (name, region) in enumerate(APPRAISERS, start=1):
        AppraisalInstitution.objects.get_or_create(
            name=name,
            defaults={
                "qualifications": "disability",
                "region": region,
                "licence_no": f"司鉴{n:03d}",
                "licence_expires_on": expires,
            },
        )
    admin = by_name["admin"]
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])


def demo_licences_ensure(by_name: dict[str, Actor] | None = None) -> int:
    """The demo surveyors' and deciders' licences, valid today: granted where missing or
    expired (a demo database made before licences gated the work, or left for years), so
    the README's journeys still work. Returns how many were granted."""
    today = timezone.localdate()
    issued, expires = today - timedelta(days=400), today + timedelta(days=700)
    wanted = [
        (username, code, name, 0)
        for username in ("surveyor1", "surveyor2")
        for code, name in (("surveyor", "查勘定损资格"), ("nev", "新能源汽车查勘定损资格"))
    ] + [
        (username, "adjuster", f"理赔师（{grade}级）", grade)
        for username, grade in ADJUSTER_GRADES.items()
    ]
    if by_name is None:
        names = {username for username, *_rest in wanted}
        by_name = {u.username: u for u in User.objects.filter(username__in=names)}
    granted = 0
    for username, code, name, grade in wanted:
        user = by_name.get(username)
        if user is None:
            continue
        held = Certification.objects.filter(
            user=user, code=code, grade__gte=grade, expires_on__gte=today
        )
        if not held.exists():
            certification_grant(
                user=user, code=code, name=name, grade=grade, issued_on=issued, expires_on=expires
            )
            granted += 1
    return granted
