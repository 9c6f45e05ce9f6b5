"""Default proactive-service rules and demo partner shops (``data/proactive_rules.json``,
``data/partner_shops.json``), seeded by a data migration."""

from __future__ import annotations

from claimdesk.seeddata import seed_data

DEFAULT_RULES: list[dict] = seed_data("claimdesk.feedback", "proactive_rules.json")
DEMO_SHOPS: list[dict] = seed_data("claimdesk.feedback", "partner_shops.json")


def seed_rules(Rule, using: str = "default") -> None:
    for spec in DEFAULT_RULES:
        Rule.objects.using(using).get_or_create(code=spec["code"], defaults=spec)


def seed_shops(Shop, using: str = "default") -> None:
    for shop in DEMO_SHOPS:
        Shop.objects.using(using).get_or_create(
            name=shop["name"],
            city=shop["city"],
            defaults={
                "address": shop["address"],
                "phone": shop["phone"],
                "courtesy_car": shop["courtesy_car"],
            },
        )
