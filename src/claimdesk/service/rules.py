"""Service-desk rules: pure Python, no ORM, no I/O.

Template rendering (话术 with ``{variables}``), which claims may use the green channel, what
a complete root-cause report holds, and the key that makes two root causes "the same".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

SCENARIO_LABELS = {
    "consultation": _("Consultation"),
    "purchase": _("Purchase"),
    "claim_report": _("Claim report"),
    "material_request": _("Material request"),
    "progress": _("Progress"),
    "decision": _("Decision"),
    "rejection": _("Rejection"),
    "payment": _("Payment"),
    "complaint": _("Complaint"),
    "objection": _("Objection"),
    "renewal": _("Renewal"),
    "follow_up": _("Follow-up"),
}

LANGUAGES = ("zh-hans", "en")

# Loss types whose claims may go through the green channel (重疾、意外绿色通道).
GREEN_LOSS_TYPES = frozenset({"critical_illness", "accident"})

# Ticket actions whose text reaches the customer and therefore passes the compliance gate.
CUSTOMER_TEXT_FIELDS = {"reply": "message", "ask_customer": "message", "resolve": "resolution"}

# Root-cause report fields that must all be filled before a complaint may be resolved.
RCA_FIELDS = (
    "category",
    "department",
    "root_cause",
    "corrective_action",
    "owner",
    "due_date",
    "verification",
)
RCA_FIELD_LABELS = {
    "category": _("category"),
    "department": _("responsible department"),
    "root_cause": _("root cause"),
    "corrective_action": _("corrective action"),
    "owner": _("owner"),
    "due_date": _("due date"),
    "verification": _("verification"),
}

_VARIABLE = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")


class MissingVariables(ValueError):
    """The template names variables the caller did not give; ``missing`` lists them."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__(_("Missing template variables: %(names)s") % {"names": ", ".join(missing)})


def template_variables(body: str) -> list[str]:
    """The ``{name}`` variables of a template body, in order of first use."""
    seen: list[str] = []
    for m in _VARIABLE.finditer(body):
        if m.group(1) and m.group(1) not in seen:
            seen.append(m.group(1))
    return seen


def render_text(body: str, variables: Mapping[str, Any]) -> str:
    """Fill ``{name}`` placeholders (``{{``/``}}`` are literal braces).

    Only plain names are substituted (no attribute or index access), so an admin-edited
    template can never reach into the objects it is given. Every missing or blank variable
    is named in one error.
    """
    missing = [
        name for name in template_variables(body) if str(variables.get(name) or "").strip() == ""
    ]
    if missing:
        raise MissingVariables(missing)

    def fill(m: re.Match) -> str:
        token = m.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        return str(variables[m.group(1)])

    return _VARIABLE.sub(fill, body)


def green_allowed(loss_type: str | None, green_reason: str) -> bool:
    """The green channel is for critical illness and accident: by the linked claim's loss
    type, or by the reason the agent records."""
    return (loss_type in GREEN_LOSS_TYPES) or green_reason in GREEN_LOSS_TYPES


def rca_missing(report: Mapping[str, Any] | None) -> list[str]:
    """The fields a root-cause report still lacks (all of them when there is none)."""
    if report is None:
        return list(RCA_FIELDS)
    return [f for f in RCA_FIELDS if not str(report.get(f) or "").strip()]


def root_cause_key(text: str) -> str:
    """Normalise a root cause so that spelling variants count as one cause: NFKC (full and
    half width), lower case, no spaces or punctuation."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    kept = [ch for ch in text if unicodedata.category(ch)[0] in ("L", "N")]
    return "".join(kept)[:200]


@dataclass(frozen=True)
class TemplateSeed:
    scenario: str
    title: str
    body_zh: str
    body_en: str


# One good template per scenario. No absolute promises (保证, 一定, 100%, 最快 …): they are
# what the compliance check forbids.
DEFAULT_TEMPLATES: tuple[TemplateSeed, ...] = (
    TemplateSeed(
        "consultation",
        "一般咨询答复",
        "{customer}您好，感谢您的咨询。关于您提出的问题，我们的答复如下：{answer}。"
        "如还有疑问，欢迎随时联系我们。",
        "Dear {customer}, thank you for your question. Our answer: {answer}. "
        "Please contact us if anything is still unclear.",
    ),
    TemplateSeed(
        "purchase",
        "投保咨询",
        "{customer}您好，您关注的{product}的保障责任、责任免除和等待期请以保险合同条款为准，"
        "投保前请仔细阅读条款内容，如有需要我们可为您逐条说明。",
        "Dear {customer}, the cover, exclusions and waiting period of {product} are those "
        "of the policy wording; please read it before you buy. We can go through it with "
        "you clause by clause.",
    ),
    TemplateSeed(
        "claim_report",
        "报案受理",
        "{customer}您好，您的报案已受理，案件号为{claim_no}。我们将在1个工作日内与您联系，"
        "请留意来电。",
        "Dear {customer}, your claim has been registered under number {claim_no}. We will "
        "contact you within one working day.",
    ),
    TemplateSeed(
        "material_request",
        "补充材料通知",
        "{customer}您好，案件{claim_no}还需要补充以下材料：{items}。请于{due}前提交，"
        "材料齐全后我们将继续处理。",
        "Dear {customer}, claim {claim_no} still needs: {items}. Please send them by {due}; "
        "we continue as soon as the materials are complete.",
    ),
    TemplateSeed(
        "progress",
        "进度查询答复",
        "{customer}您好，案件{claim_no}目前处于“{status}”阶段，预计{due}前完成当前环节，"
        "如有进展我们会及时通知您。",
        "Dear {customer}, claim {claim_no} is at the stage “{status}”; we expect this step "
        "to be done by {due} and will tell you of any progress.",
    ),
    TemplateSeed(
        "decision",
        "理赔决定通知",
        "{customer}您好，案件{claim_no}已审核完毕，核定赔付金额为人民币{amount}元，"
        "计算依据请见理赔决定通知书。",
        "Dear {customer}, claim {claim_no} has been decided: the approved amount is "
        "CNY {amount}. The calculation is set out in the decision notice.",
    ),
    TemplateSeed(
        "rejection",
        "拒赔说明",
        "{customer}您好，根据保险合同第{article}条的约定，此类情形不属于保障范围，"
        "具体条款内容是：{clause}。如您对结果有异议，可在收到通知后提出，我们将安排他人复核。",
        "Dear {customer}, under article {article} of the policy this situation is not "
        "covered; the clause reads: {clause}. If you disagree you may object and the case "
        "will be reviewed again by someone else.",
    ),
    TemplateSeed(
        "payment",
        "赔款支付通知",
        "{customer}您好，案件{claim_no}的赔款人民币{amount}元已安排支付，"
        "预计{due}前到账，实际以银行入账时间为准。",
        "Dear {customer}, the payment of CNY {amount} for claim {claim_no} has been made; "
        "it is expected in your account by {due}, depending on the bank.",
    ),
    TemplateSeed(
        "complaint",
        "投诉受理",
        "{customer}您好，您的投诉已受理，编号{ticket_no}。我们将在15日内作出处理决定并告知您，"
        "给您带来的不便，敬请谅解。",
        "Dear {customer}, your complaint has been registered as {ticket_no}. We will decide "
        "on it within 15 days and tell you. We are sorry for the inconvenience.",
    ),
    TemplateSeed(
        "objection",
        "异议答复",
        "{customer}您好，您对案件{claim_no}提出的异议已由其他审核人员复核，复核意见为：{answer}。",
        "Dear {customer}, your objection to claim {claim_no} has been reviewed by another "
        "reviewer. The result of the review: {answer}.",
    ),
    TemplateSeed(
        "renewal",
        "续保提醒",
        "{customer}您好，您的保单{policy_no}将于{due}到期，如需续保请在到期前办理，"
        "续保条件以届时核保结果为准。",
        "Dear {customer}, your policy {policy_no} ends on {due}. Please renew before then; "
        "renewal terms depend on underwriting at that time.",
    ),
    TemplateSeed(
        "follow_up",
        "结案回访",
        "{customer}您好，案件{claim_no}已结案。感谢您的信任，欢迎对我们的服务提出宝贵意见。",
        "Dear {customer}, claim {claim_no} is closed. Thank you for your trust; we welcome "
        "your comments on our service.",
    ),
)
