"""Pure intake rules: what a report must say, what flags it, which reports look like the
same event, and what the customer is told at once. No ORM, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from difflib import SequenceMatcher

from django.utils.translation import gettext_lazy as _

from claimdesk.policies.rules import LossType

# Fields a report of each loss type cannot do without (beyond the common ones).
COMMON_REQUIRED = (
    "policy_no",
    "insured_name",
    "loss_time",
    "loss_cause",
    "loss_type",
    "contact_phone",
)
REQUIRED_BY_TYPE: Mapping[LossType, tuple[str, ...]] = {
    LossType.AUTO: ("loss_place", "description"),
    LossType.PROPERTY: ("loss_place", "description", "estimated_amount"),
    LossType.ACCIDENT: ("loss_place", "description"),
    LossType.MEDICAL: ("description",),
    LossType.CRITICAL_ILLNESS: ("description",),
}

FIELD_LABELS = {
    "policy_no": _("policy number"),
    "insured_name": _("insured person"),
    "loss_time": _("time of loss"),
    "loss_place": _("place of loss"),
    "loss_cause": _("cause"),
    "description": _("course of events"),
    "loss_type": _("loss type"),
    "estimated_amount": _("estimated amount"),
    "contact_phone": _("contact phone"),
}

DUPLICATE_WINDOW = timedelta(days=1)
DUPLICATE_SIMILARITY = 0.5
SMALL_AUTO_CLAIM = Decimal("5000")


class Flag:
    """Reasons a registered report needs a closer look; shown to staff with the claim."""

    BEFORE_POLICY_START = "loss_before_policy_start"
    AFTER_POLICY_END = "loss_after_policy_end"
    POLICY_NOT_IN_FORCE = "policy_not_in_force"
    LOSS_TYPE_MISMATCH = "loss_type_not_covered_by_product"
    POSSIBLE_DUPLICATE = "possible_duplicate"


FLAG_LABELS = {
    Flag.BEFORE_POLICY_START: _("The loss happened before the policy started."),
    Flag.AFTER_POLICY_END: _("The loss happened after the policy ended."),
    Flag.POLICY_NOT_IN_FORCE: _("The policy is not in force."),
    Flag.LOSS_TYPE_MISMATCH: _("The product does not cover this type of loss."),
    Flag.POSSIBLE_DUPLICATE: _("Another report looks like the same event."),
}


def missing_fields(report: Mapping[str, object]) -> list[str]:
    """Required fields that are empty, in a stable order."""
    try:
        needed = COMMON_REQUIRED + REQUIRED_BY_TYPE[LossType(str(report.get("loss_type")))]
    except ValueError:
        needed = COMMON_REQUIRED
    return [f for f in needed if report.get(f) in (None, "") or str(report.get(f)).strip() == ""]


def cover_flags(
    *, loss_day: date, start: date, end: date, in_force: bool, product_line: str, loss_type: str
) -> list[str]:
    """Flags about the policy at the loss date; the claim is still registered."""
    flags = []
    if loss_day < start:
        flags.append(Flag.BEFORE_POLICY_START)
    elif loss_day > end:
        flags.append(Flag.AFTER_POLICY_END)
    elif not in_force:
        flags.append(Flag.POLICY_NOT_IN_FORCE)
    if product_line != loss_type and not (
        product_line == LossType.ACCIDENT and loss_type == LossType.MEDICAL
    ):
        flags.append(Flag.LOSS_TYPE_MISMATCH)
    return flags


def similar_cause(a: str, b: str) -> bool:
    """Two descriptions of a cause read like the same event (character-level similarity)."""
    a, b = "".join(a.split()), "".join(b.split())
    if not a or not b:
        return False
    return a in b or b in a or SequenceMatcher(None, a, b).ratio() >= DUPLICATE_SIMILARITY


def looks_duplicate(
    *, loss_time: datetime, cause: str, other_time: datetime, other_cause: str
) -> bool:
    return abs(loss_time - other_time) <= DUPLICATE_WINDOW and similar_cause(cause, other_cause)


def is_small_claim(loss_type: str, estimated_amount: Decimal | None) -> bool:
    """Small auto cases are assessed online and paid on the 24-hour commitment."""
    return (
        loss_type == LossType.AUTO
        and estimated_amount is not None
        and estimated_amount < SMALL_AUTO_CLAIM
    )


EMERGENCY_GUIDANCE: Mapping[str, str] = {
    LossType.AUTO: _(
        "Switch on the hazard lights and place the warning triangle 50–150 m behind the car. "
        "If anyone is hurt call 120 and 122. Take photos of the scene, the vehicles and the "
        "plates before moving the cars; move them off the road if nobody is hurt."
    ),
    LossType.ACCIDENT: _(
        "Get medical help first (120). Keep all medical records, invoices and the police or "
        "accident report; go to a public hospital of level two or above where you can."
    ),
    LossType.PROPERTY: _(
        "Make sure everyone is safe; cut off water, power and gas where it is safe to do so. "
        "Take photos of the damage and keep damaged items for the surveyor; take reasonable "
        "steps to stop the loss growing — those costs are covered."
    ),
}

RIGHTS_NOTICE = _(
    "Your rights: we will contact you within 1 working day and tell you at once everything we "
    "need (保险法第二十二条). Once the materials are complete we decide within the statutory "
    "time limits and pay within the committed time. If you disagree with a review or "
    "assessment result you may object: we answer in writing within 3 working days. You may "
    "also complain to us (hotline 95500), to the regulator (12378), or go to arbitration or "
    "court. Privacy: your personal data is used only to handle this claim, masked for staff "
    "who do not need it, and never sold."
)


@dataclass(frozen=True)
class ChecklistItemSpec:
    code: str
    name: str
    core: bool
    lasting: bool = False  # an identity or bank document reused on later claims


@dataclass(frozen=True)
class ChecklistSpec:
    loss_type: LossType
    items: tuple[ChecklistItemSpec, ...] = field(default_factory=tuple)


_ID = ChecklistItemSpec("id_card", "被保险人身份证", core=True, lasting=True)
_BANK = ChecklistItemSpec("bank_card", "收款银行卡", core=True, lasting=True)
_FORM = ChecklistItemSpec("claim_form", "理赔申请书", core=True)

DEFAULT_CHECKLISTS: tuple[ChecklistSpec, ...] = (
    ChecklistSpec(
        LossType.AUTO,
        (
            _FORM,
            ChecklistItemSpec("accident_report", "事故认定书", core=True),
            ChecklistItemSpec("repair_invoice", "维修发票", core=True),
            ChecklistItemSpec("vehicle_license", "行驶证", core=True, lasting=True),
            ChecklistItemSpec("driver_license", "驾驶证", core=True, lasting=True),
            ChecklistItemSpec("scene_photos", "现场及车损照片", core=False),
            _BANK,
        ),
    ),
    ChecklistSpec(
        LossType.CRITICAL_ILLNESS,
        (
            _FORM,
            ChecklistItemSpec("diagnosis", "诊断证明", core=True),
            ChecklistItemSpec("pathology", "病理报告", core=True),
            ChecklistItemSpec("discharge_summary", "出院小结", core=False),
            ChecklistItemSpec("medical_records", "病历资料", core=False),
            _ID,
            _BANK,
        ),
    ),
    ChecklistSpec(
        LossType.MEDICAL,
        (
            _FORM,
            ChecklistItemSpec("medical_invoice", "医疗费用发票", core=True),
            ChecklistItemSpec("expense_list", "费用清单", core=True),
            ChecklistItemSpec("diagnosis", "诊断证明", core=True),
            ChecklistItemSpec("discharge_summary", "出院小结", core=False),
            _ID,
            _BANK,
        ),
    ),
    ChecklistSpec(
        LossType.ACCIDENT,
        (
            _FORM,
            ChecklistItemSpec("accident_proof", "意外事故证明", core=True),
            ChecklistItemSpec("medical_invoice", "医疗费用发票", core=True),
            ChecklistItemSpec("diagnosis", "诊断证明", core=True),
            ChecklistItemSpec("disability_appraisal", "伤残鉴定书", core=False),
            _ID,
            _BANK,
        ),
    ),
    ChecklistSpec(
        LossType.PROPERTY,
        (
            _FORM,
            ChecklistItemSpec("loss_list", "财产损失清单", core=True),
            ChecklistItemSpec("loss_photos", "受损财产照片", core=True),
            ChecklistItemSpec("purchase_proof", "购买凭证或发票", core=False),
            ChecklistItemSpec("fire_or_weather_proof", "消防或气象证明", core=False),
            _ID,
            _BANK,
        ),
    ),
)
