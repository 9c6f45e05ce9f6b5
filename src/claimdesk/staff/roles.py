"""Roles as Django groups, and what each may do. Pure data: ``apps.ensure_roles`` applies it."""

from enum import StrEnum


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    SURVEYOR = "surveyor"
    ADJUSTER = "adjuster"
    FINANCE = "finance"
    UNDERWRITER = "underwriter"
    MANAGER = "manager"
    ADMIN = "admin"


STAFF_ROLES = frozenset(Role) - {Role.CUSTOMER}

# Work permissions live on cases.Case (see its Meta). Admin also gets every model permission
# of the ClaimDesk apps, for the reference data in the Django admin.
ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.CUSTOMER: ("cases.act_as_customer",),
    Role.AGENT: (
        "cases.handle_intake",
        "cases.handle_followup",
        "cases.handle_ticket",
        "cases.assign_task",
    ),
    Role.SURVEYOR: ("cases.handle_survey",),
    Role.ADJUSTER: ("cases.decide_claim", "cases.assign_task"),
    Role.FINANCE: ("cases.handle_payment",),
    Role.UNDERWRITER: ("cases.handle_policy_service", "cases.decide_underwriting"),
    Role.MANAGER: (
        "cases.view_all_cases",
        "cases.decide_claim",
        "cases.override_compliance",
        "cases.score_quality",
        "cases.view_analytics",
        "cases.assign_task",
        "cases.reassign_case",
        "cases.handle_ticket",
        "cases.handle_intake",
        "cases.handle_followup",
    ),
    Role.ADMIN: ("cases.view_all_cases", "cases.reassign_case"),
}

ADMIN_APPS = (
    "workdays",
    "cases",
    "ledger",
    "staff",
    "notify",
    "policies",
    "claims",
    "documents",
    "investigation",
    "payments",
    "notices",
    "service",
    "compliance",
    "assistant",
    "feedback",
    "analytics",
)
