"""Claim services, one module per concern; every write is one business action in one
transaction, through the kernel's public API.

- ``intake``: reporting a claim (every channel), its checklist and possible duplicates;
- ``materials``: the checklist item by item, materials complete, reminders (容缺受理);
- ``assessment``: loss items and the clause-cited calculation;
- ``decisions``: proposals, four eyes, authority and escalation, applying a decision;
- ``interim``: 先予支付: a task well before day 60, the interim decision;
- ``accumulators``: policy-year deductibles, limits and sum insured, reserved at approval;
- ``reserves``: the case reserve (未决赔款准备金), moved by each step, its authority and flags.
"""

from claimdesk.claims.services.accumulators import (
    LimitsChanged,
    accumulators_of,
    accumulators_release,
    accumulators_release_unpaid,
    accumulators_retake,
)
from claimdesk.claims.services.assessment import (
    ASSESSORS,
    DECIDING,
    claim_calculation,
    loss_item_add,
    loss_item_exclude,
    loss_item_remove,
)
from claimdesk.claims.services.decisions import (
    FOLLOW_UP_SUGGESTIONS,
    AboveAuthority,
    NotAutomatic,
    approval_limit,
    approval_steps,
    decision_approve,
    decision_automatic,
    decision_notice_context,
    decision_propose,
    decision_return,
    interim_decided,
)
from claimdesk.claims.services.intake import (
    ALL_CAUTIONS,
    CHECKLIST_COLUMNS,
    MAX_LENGTHS,
    PHONE,
    IntakeCaution,
    ReportInvalid,
    ReportNeedsConfirmation,
    ReportResult,
    checklist_build,
    checklist_rows,
    checklist_templates,
    claim_build,
    claim_case_fields,
    claim_report,
    duplicates_among,
    registered_notice,
    report_check,
    report_flags,
)
from claimdesk.claims.services.interim import (
    INTERIM_TASK,
    claims_interim_payment_tasks,
    interim_open,
    interim_propose,
)
from claimdesk.claims.services.materials import (
    CHASE_LIMIT,
    CHASED_STATES,
    claim_item_set_state,
    claims_chase_missing_items,
    materials_complete,
)
from claimdesk.claims.services.reserves import (
    AboveReserveAuthority,
    claim_reserve_flags,
    reserve_adjust,
    reserve_history,
    reserve_on_payment,
    reserve_on_recovery,
    reserve_on_survey,
    reserve_pending,
    reserve_request_refuse,
    reserve_request_sign,
    reserve_totals,
)

__all__ = [
    "ALL_CAUTIONS",
    "ASSESSORS",
    "CHASED_STATES",
    "CHASE_LIMIT",
    "CHECKLIST_COLUMNS",
    "DECIDING",
    "FOLLOW_UP_SUGGESTIONS",
    "INTERIM_TASK",
    "MAX_LENGTHS",
    "PHONE",
    "AboveAuthority",
    "AboveReserveAuthority",
    "IntakeCaution",
    "LimitsChanged",
    "NotAutomatic",
    "ReportInvalid",
    "ReportNeedsConfirmation",
    "ReportResult",
    "accumulators_of",
    "accumulators_release",
    "accumulators_release_unpaid",
    "accumulators_retake",
    "approval_limit",
    "approval_steps",
    "checklist_build",
    "checklist_rows",
    "checklist_templates",
    "claim_build",
    "claim_calculation",
    "claim_case_fields",
    "claim_item_set_state",
    "claim_report",
    "claim_reserve_flags",
    "claims_chase_missing_items",
    "claims_interim_payment_tasks",
    "decision_approve",
    "decision_automatic",
    "decision_notice_context",
    "decision_propose",
    "decision_return",
    "duplicates_among",
    "interim_decided",
    "interim_open",
    "interim_propose",
    "loss_item_add",
    "loss_item_exclude",
    "loss_item_remove",
    "materials_complete",
    "registered_notice",
    "report_check",
    "report_flags",
    "reserve_adjust",
    "reserve_history",
    "reserve_on_payment",
    "reserve_on_recovery",
    "reserve_on_survey",
    "reserve_pending",
    "reserve_request_refuse",
    "reserve_request_sign",
    "reserve_totals",
]
