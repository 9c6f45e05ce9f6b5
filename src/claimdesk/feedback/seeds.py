"""Default proactive-service rules and demo partner shops (seeded by a data migration)."""

from __future__ import annotations

DEFAULT_RULES = [
    {
        "code": "auto_report_partners",
        "name": "车险报案后推送附近合作修理厂与代步车预约",
        "event": "claim_reported",
        "parameters": {"loss_type": "auto", "lookback_days": 7},
        "subject_zh": "{claim_no}：{city}附近的合作修理厂与代步车预约",
        "body_zh": (
            "{name}您好，您的车险报案（{claim_no}）已受理。{city}附近的合作修理厂：\n{shops}\n"
            "可提供代步车的门店：{courtesy_shops}。如需预约代步车，请直接致电门店或回复本消息。"
        ),
        "subject_en": "{claim_no}: partner repair shops near {city} and courtesy cars",
        "body_en": (
            "Dear {name}, your motor claim {claim_no} is registered. Partner repair shops "
            "near {city}:\n{shops}\nShops offering a courtesy car: {courtesy_shops}. Call the "
            "shop or reply to this message to book one."
        ),
    },
    {
        "code": "claim_free_3y",
        "name": "连续三年未出险：保障检视服务",
        "event": "claim_free",
        "parameters": {"years": 3},
        "subject_zh": "感谢{years}年的信任：为您免费检视保障",
        "body_zh": (
            "{name}您好，您已连续{years}年未发生理赔。我们为您提供一次免费的保障检视（保单"
            "{policy_no}，{product}），帮助您确认保障是否仍然匹配当前需要。回复本消息即可预约。"
        ),
        "subject_en": "Thank you for {years} years: a free review of your cover",
        "body_en": (
            "Dear {name}, you have not needed to claim for {years} years. We offer you a free "
            "review of your cover (policy {policy_no}, {product}) to check it still fits your "
            "needs. Reply to this message to book it."
        ),
    },
    {
        "code": "timeliness_walkthrough",
        "name": "曾投诉时效的客户：保单周年日前 7 天讲解理赔流程",
        "event": "before_anniversary",
        "parameters": {"days_before": 7, "complaint_topic": "timeliness", "lookback_days": 365},
        "subject_zh": "保单{policy_no}周年日前：理赔流程与时效说明",
        "body_zh": (
            "{name}您好，您的保单{policy_no}将于{anniversary}迎来周年日。我们为您整理了理赔"
            "流程：报案后 1 个工作日内联系您，材料齐全后 30 日内作出核定，达成协议后按约定"
            "时限支付；每个环节都可在客户门户查看进度。如需一对一讲解，请回复本消息。"
        ),
        "subject_en": "Before your policy anniversary: how claims work and how long they take",
        "body_en": (
            "Dear {name}, policy {policy_no} reaches its anniversary on {anniversary}. Here is "
            "how a claim runs: we contact you within 1 working day of the report, decide within "
            "30 days of complete materials and pay within the agreed time; you can follow every "
            "step in the portal. Reply to this message for a personal walkthrough."
        ),
    },
]

DEMO_SHOPS = [
    ("上海", "安信汽车维修（浦东店）", "上海市浦东新区张杨路1200号", "021-58880001", True),
    ("上海", "申城钣喷中心", "上海市徐汇区漕溪北路88号", "021-64440002", False),
    ("北京", "京安汽修（朝阳店）", "北京市朝阳区东三环中路15号", "010-65550003", True),
    ("北京", "首都车友维修中心", "北京市海淀区中关村大街27号", "010-82220004", False),
    ("广州", "羊城汽车服务中心", "广州市天河区天河路385号", "020-38880005", True),
    ("深圳", "鹏城钣喷维修", "深圳市南山区深南大道9678号", "0755-86660006", True),
]


def seed_rules(Rule, using: str = "default") -> None:
    for spec in DEFAULT_RULES:
        Rule.objects.using(using).get_or_create(code=spec["code"], defaults=spec)


def seed_shops(Shop, using: str = "default") -> None:
    for city, name, address, phone, courtesy in DEMO_SHOPS:
        Shop.objects.using(using).get_or_create(
            name=name,
            city=city,
            defaults={"address": address, "phone": phone, "courtesy_car": courtesy},
        )
