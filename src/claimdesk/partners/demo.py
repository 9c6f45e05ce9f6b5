"""Demo partners: a hospital and a repair shop under contract, each with a user (used by
``claimdesk demo`` and by the tests, built like any partner)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from claimdesk.partners.models import PartnerKind, PartnerOrganisation, PartnerStaff
from claimdesk.policies.models import BankAccount, Product
from claimdesk.staff.roles import Role
from claimdesk.staff.services import user_create
from claimdesk.types import Actor
from claimdesk.workdays.clocks import to_local

HOSPITAL = "上海市第一人民医院"
REPAIR_SHOP = "上海安达汽车维修有限公司"
# username, kind, name, licence, contract, bank, account, products, coverages
PARTNERS = (
    (
        "hospital1",
        PartnerKind.HOSPITAL,
        HOSPITAL,
        "PDY00001231010011A1001",
        "ZP-2026-H001",
        "中国工商银行上海市分行",
        "6222080000001234567",
        ("medical-plus", "accident-care"),
        "inpatient,outpatient,accident-medical",
    ),
    (
        "garage1",
        PartnerKind.REPAIR_SHOP,
        REPAIR_SHOP,
        "沪交运管许可字310115000123号",
        "ZP-2026-R001",
        "中国建设银行上海市分行",
        "6227000000007654321",
        ("auto-comp",),
        "vehicle-damage",
    ),
)


@dataclass(frozen=True)
class DemoPartner:
    organisation: PartnerOrganisation
    user: Actor


def demo_partner_user(username: str, password: str, org: PartnerOrganisation) -> Actor:
    user = user_create(username=username, password=password, role=Role.PARTNER, first_name=org.name)
    PartnerStaff.objects.create(user=user, organisation=org)
    return user


def demo_partners(*, password: str, now: datetime) -> dict[str, DemoPartner]:
    """The partners, their settlement accounts and users, contracts running this year."""
    today = to_local(now).date()
    made = {}
    for username, kind, name, licence, contract, bank, number, products, services in PARTNERS:
        account = BankAccount.objects.create(
            owner=None, bank_name=bank, account_name=name, account_number=number
        )
        org = PartnerOrganisation.objects.create(
            kind=kind,
            name=name,
            licence_no=licence,
            contract_no=contract,
            contract_from=date(today.year, 1, 1) - timedelta(days=365),
            contract_until=date(today.year + 2, 12, 31),
            settlement_account=account,
            services=services,
        )
        org.products.set(Product.objects.filter(code__in=products))
        made[username] = DemoPartner(org, demo_partner_user(username, password, org))
    return made


def bill_scan() -> bytes:
    """A scanned bill for the demo and the tests: a small white page (PNG)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (240, 160), "white").save(out, "PNG")
    return out.getvalue()
