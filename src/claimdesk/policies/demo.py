"""Demo products (车险, 医疗险, 重疾险, 意外险, 家财险) with coverages and clause texts, and
policies for demo customers. Used by ``claimdesk demo`` only."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from claimdesk.policies.models import BankAccount, Clause, Coverage, InsuredPerson, Policy, Product
from claimdesk.types import Actor

D = Decimal

# code, name, line, clauses [(article, title, kind, text)], coverages [(code, name, limit,
# deductible, ratio, waiting_days, clause article)]
PRODUCTS = (
    (
        "auto-comp",
        "机动车综合商业保险",
        "auto",
        [
            (
                "6",
                "车辆损失保险责任",
                "coverage",
                "保险期间内，被保险人或被保险机动车驾驶人在使用被保险机动车过程中，因自然灾害、意外事故造成被保险机动车直接损失，且不属于免除保险人责任的范围，保险人依照本保险合同的约定负责赔偿。",
            ),
            (
                "22",
                "第三者责任保险责任",
                "coverage",
                "保险期间内，被保险人或其允许的驾驶人在使用被保险机动车过程中发生意外事故，致使第三者遭受人身伤亡或财产直接损毁，依法应当对第三者承担的损害赔偿责任，保险人依照本保险合同的约定负责赔偿。",
            ),
            (
                "10",
                "责任免除",
                "exclusion",
                "下列情况下，不论任何原因造成被保险机动车的任何损失和费用，保险人均不负责赔偿：（一）驾驶人饮酒、吸食或注射毒品、服用国家管制的精神药品或者麻醉药品；（二）无驾驶证，驾驶证被依法扣留、暂扣、吊销、注销期间。",
            ),
        ],
        [
            ("vehicle-damage", "车辆损失险", D("200000"), D("0"), D("1"), 0, "6"),
            ("third-party", "第三者责任险", D("1000000"), D("0"), D("1"), 0, "22"),
        ],
    ),
    (
        "medical-plus",
        "百万医疗保险",
        "medical",
        [
            (
                "2.3",
                "一般医疗保险金",
                "coverage",
                "被保险人因意外伤害或在等待期后因疾病，在医院接受治疗的，对于被保险人实际发生的合理且必要的住院医疗费用，保险人在扣除免赔额后按约定比例给付一般医疗保险金。",
            ),
            (
                "2.5",
                "门诊医疗保险金",
                "coverage",
                "被保险人因意外伤害或在等待期后因疾病，在医院门诊接受治疗的，对于被保险人实际发生的合理且必要的门诊医疗费用，保险人按约定比例给付门诊医疗保险金。",
            ),
            (
                "2.4",
                "等待期",
                "general",
                "自本合同生效之日起30日为等待期。被保险人在等待期内发生疾病的，保险人不承担给付保险金的责任；因意外伤害发生保险事故的，无等待期。",
            ),
            (
                "2.6",
                "责任免除",
                "exclusion",
                "因下列情形之一导致被保险人发生医疗费用的，保险人不承担给付保险金的责任：（一）投保人对被保险人的故意杀害、故意伤害；（二）被保险人在投保前已患有的既往症；（三）美容、整形手术。",
            ),
        ],
        [
            ("inpatient", "一般住院医疗", D("2000000"), D("10000"), D("1"), 30, "2.3"),
            ("outpatient", "门诊医疗", D("5000"), D("0"), D("1"), 30, "2.5"),
        ],
    ),
    (
        "ci-guard",
        "重大疾病保险",
        "critical_illness",
        [
            (
                "2.4",
                "重大疾病保险金",
                "coverage",
                "被保险人于等待期后初次确诊本合同所定义的重大疾病，保险人按基本保险金额给付重大疾病保险金，本合同终止。",
            ),
            (
                "2.2",
                "等待期",
                "general",
                "自本合同生效之日起90日为等待期。被保险人在等待期内确诊重大疾病的，保险人无息退还已交保险费，本合同终止。",
            ),
            (
                "2.7",
                "责任免除",
                "exclusion",
                "因下列情形之一导致被保险人发生重大疾病的，保险人不承担给付保险金的责任：（一）被保险人故意自伤、故意犯罪或抗拒依法采取的刑事强制措施；（二）被保险人感染艾滋病病毒或患艾滋病；（三）遗传性疾病，先天性畸形、变形或染色体异常。",
            ),
        ],
        [("critical", "重大疾病", D("500000"), D("0"), D("1"), 90, "2.4")],
    ),
    (
        "accident-care",
        "综合意外伤害保险",
        "accident",
        [
            (
                "2.3",
                "意外身故及伤残保险金",
                "coverage",
                "被保险人因遭受意外伤害事故，并自事故发生之日起180日内以该次事故为直接原因身故或伤残的，保险人按约定给付保险金。",
            ),
            (
                "2.4",
                "意外医疗保险金",
                "coverage",
                "被保险人因遭受意外伤害事故在医院接受治疗的，保险人对其实际支出的合理且必要的医疗费用，扣除免赔额后按80%的比例给付意外医疗保险金。",
            ),
            (
                "2.6",
                "责任免除",
                "exclusion",
                "因下列原因造成被保险人身故、伤残或医疗费用支出的，保险人不承担给付保险金责任：（一）被保险人酒后驾驶、无合法有效驾驶证驾驶；（二）被保险人从事潜水、跳伞、攀岩等高风险运动。",
            ),
        ],
        [
            ("death-disability", "意外身故/伤残", D("500000"), D("0"), D("1"), 0, "2.3"),
            ("accident-medical", "意外医疗", D("50000"), D("100"), D("0.8"), 0, "2.4"),
        ],
    ),
    (
        "home-property",
        "家庭财产综合保险",
        "property",
        [
            (
                "5",
                "房屋及室内财产保险责任",
                "coverage",
                "在保险期间内，由于火灾、爆炸、台风、暴雨、洪水等自然灾害或意外事故造成保险标的的直接损失，保险人按照本保险合同的约定负责赔偿。",
            ),
            (
                "8",
                "责任免除",
                "exclusion",
                "下列原因造成的损失、费用，保险人不负责赔偿：（一）投保人、被保险人及其家庭成员的故意或重大过失行为；（二）保险标的本身缺陷、保管不善导致的损毁，变质、霉烂、受潮、虫咬、自然磨损。",
            ),
        ],
        [
            ("building", "房屋主体", D("1000000"), D("500"), D("1"), 0, "5"),
            ("contents", "室内财产", D("200000"), D("500"), D("1"), 0, "5"),
        ],
    ),
)


def cash_value_table(line: str) -> list[dict[str, int | str]]:
    """The demo products' 现金价值表 (one-year products): per 1,000 of sum insured after each
    completed policy month, the unearned premium less a 25 % surrender charge, to the fen."""
    per_mille = PREMIUMS[line] * 1000 / SUMS[line]
    return [
        {"month": m, "per_mille": str((per_mille * (12 - m) / 12 * D("0.75")).quantize(D("0.01")))}
        for m in range(13)
    ]


# 重疾险 is paid yearly (续期保费); the one-year demo policies only ever have their first.
FREQUENCIES = {"critical_illness": "annual"}


@transaction.atomic
def demo_products() -> dict[str, Product]:
    """Create (or find) the five demo products with their clauses and coverages."""
    products = {}
    for code, name, line, clauses, coverages in PRODUCTS:
        product, _ = Product.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "line": line,
                "cash_values": cash_value_table(line),
                "premium_frequency": FREQUENCIES.get(line, "single"),
            },
        )
        by_article = {}
        for article, title, kind, text in clauses:
            by_article[article], _ = Clause.objects.get_or_create(
                product=product,
                article=article,
                defaults={"title": title, "kind": kind, "text": text},
            )
        for cov_code, cov_name, limit, deductible, ratio, waiting, article in coverages:
            Coverage.objects.get_or_create(
                product=product,
                code=cov_code,
                defaults={
                    "name": cov_name,
                    "limit": limit,
                    "deductible": deductible,
                    "reimbursement_ratio": ratio,
                    "waiting_days": waiting,
                    "clause": by_article[article],
                },
            )
        products[line] = product
    return products


SUMS = {
    "auto": D("200000"),
    "medical": D("2000000"),
    "critical_illness": D("500000"),
    "accident": D("500000"),
    "property": D("1200000"),
}
PREMIUMS = {
    "auto": D("4860"),
    "medical": D("368"),
    "critical_illness": D("6200"),
    "accident": D("299"),
    "property": D("580"),
}


def demo_policy(
    *,
    number: str,
    holder,
    line: str,
    start: date,
    insured_name: str,
    id_number: str = "",
    phone: str = "",
    plate: str = "",
    products: dict[str, Product],
) -> Policy:
    """One year's policy of ``line`` for ``holder``, insuring a named person."""
    policy, created = Policy.objects.get_or_create(
        number=number,
        defaults={
            "product": products[line],
            "holder": holder,
            "start": start,
            "end": start + timedelta(days=364),
            "sum_insured": SUMS[line],
            "premium": PREMIUMS[line],
            "vehicle_plate": plate,
            "insured_address": "上海市浦东新区世纪大道100号" if line == "property" else "",
        },
    )
    if created:
        InsuredPerson.objects.create(
            policy=policy, name=insured_name, id_number=id_number, phone=phone
        )
    return policy


def demo_bank_account(owner: Actor, name: str, number: str) -> BankAccount:
    account, _ = BankAccount.objects.get_or_create(
        owner=owner,
        account_number=number,
        defaults={"bank_name": "中国工商银行", "account_name": name, "is_default": True},
    )
    return account
