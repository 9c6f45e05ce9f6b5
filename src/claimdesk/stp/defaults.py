"""The shipped straight-through lines (保险小额理赔服务指引: motor ≤ ¥5,000, medical ≤ ¥3,000),
seeded into an empty table."""

from decimal import Decimal

# product code ("" = every product of the line), line, limit, coverage, materials
LINES = (
    ("", "auto", Decimal("5000"), "", "repair_invoice"),
    ("", "medical", Decimal("3000"), "", "medical_invoice"),
    ("auto-comp", "auto", None, "vehicle-damage", ""),
    ("medical-plus", "medical", None, "outpatient", ""),
    ("accident-care", "medical", None, "accident-medical", ""),
)


def seed(apps, using: str = "default") -> None:
    StpLine = apps.get_model("stp", "StpLine")
    if StpLine.objects.using(using).exists():
        return
    StpLine.objects.using(using).bulk_create(
        StpLine(
            product_code=product,
            loss_type=line,
            small_claim_limit=limit,
            coverage_code=coverage,
            materials=materials,
        )
        for product, line, limit, coverage, materials in LINES
    )
