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
    # A partner hospital's or repair shop's staff: checks cover and submits its own bills.
    PARTNER = "partner"


# Partners are outside users like customers: never in a pool of staff, no staff pages.
STAFF_ROLES = frozenset(Role) - {Role.CUSTOMER, Role.PARTNER}

# Work permissions live on the model of the app that owns the work (its Meta): cases.Case
# for any case, claims.Claim, service.Ticket, policies.Policy, compliance, analytics.
# Segregation of duties: the admin configures (the Django admin's add/change/delete/view of
# the ClaimDesk apps' reference data, users and roles) and holds no work permission; an
# administrator who must also decide, approve, pay or release is given that business role as
# well (a second group), and the grant is recorded (``staff.RoleGrant``). A work permission
# comes only from this table, never from a group's rows edited in the admin, a permission given
# to one user, or superuser status (``staff.access``).
ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.CUSTOMER: ("cases.act_as_customer",),
    Role.AGENT: (
        "claims.handle_intake",
        "claims.handle_followup",
        "service.handle_ticket",
        "cases.assign_task",
    ),
    Role.SURVEYOR: ("claims.handle_survey",),
    Role.ADJUSTER: ("claims.decide_claim", "cases.assign_task", "recoveries.handle_recovery"),
    Role.FINANCE: ("claims.handle_payment",),
    # assign_task: a request or decision above one's authority goes up as a signature task;
    # a servicing approval hands the surrender's payment to finance.
    Role.UNDERWRITER: (
        "policies.handle_policy_service",
        "policies.decide_underwriting",
        "cases.assign_task",
    ),
    Role.MANAGER: (
        "cases.view_all_cases",
        "claims.decide_claim",
        "compliance.override_compliance",
        "compliance.score_quality",
        "analytics.view_analytics",
        "cases.assign_task",
        "cases.reassign_case",
        "service.handle_ticket",
        "service.extend_complaint",  # approves an especially complex complaint's +30 days
        "claims.handle_intake",
        "claims.handle_followup",
        "policies.handle_policy_service",  # signs servicing requests above a clerk's limit
        "recoveries.handle_recovery",
        "staff.view_rolegrant",  # audits who was given which role
    ),
    Role.ADMIN: ("cases.view_all_cases", "cases.reassign_case"),
    Role.PARTNER: ("partners.act_as_partner",),
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
    "recoveries",
    "notices",
    "service",
    "compliance",
    "assistant",
    "feedback",
    "analytics",
    "partners",
    "axes",  # failed logins and lockouts: an administrator reviews and lifts them
)


def role_work_permissions(roles: frozenset[str] | set[str]) -> frozenset[str]:
    """The work permissions the named roles hold together (unknown names hold none)."""
    known = {r.value: r for r in Role}
    return frozenset(p for name in roles if name in known for p in ROLE_PERMISSIONS[known[name]])


def holders_of(permission: str) -> tuple[Role, ...]:
    """The roles whose work includes ``permission``."""
    return tuple(role for role, perms in ROLE_PERMISSIONS.items() if permission in perms)
