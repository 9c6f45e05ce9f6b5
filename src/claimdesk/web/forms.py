"""Forms of the portal and the workbench. They check the shape of the input only; what a
report must say for its loss type, and whether the policy and the insured person fit, is
``claims.services.claim_report``'s to decide — its errors come back onto these fields."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from claimdesk.claims.rules import COMMON_REQUIRED, FIELD_LABELS, REQUIRED_BY_TYPE
from claimdesk.claims.services import IntakeCaution
from claimdesk.policies.models import LOSS_TYPE_LABELS, Policy
from claimdesk.workdays.clocks import SHANGHAI

# The order the report form asks its questions in.
REPORT_FIELDS = (
    "policy_no",
    "insured_name",
    "loss_type",
    "loss_time",
    "loss_place",
    "loss_cause",
    "description",
    "estimated_amount",
    "contact_phone",
)


class LocalDateTimeInput(forms.DateTimeInput):
    """``<input type="datetime-local">``, which sends ``2026-09-30T10:00``."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class ShanghaiDateTimeField(forms.DateTimeField):
    """A wall-clock time typed by someone in China: read as Asia/Shanghai whatever the
    server's or the request's active time zone."""

    def to_python(self, value: Any) -> datetime | None:
        with timezone.override(SHANGHAI):
            return super().to_python(value)


class ClaimReportForm(forms.Form):
    """The portal's report form: the customer picks one of their own policies."""

    policy_no = forms.ChoiceField(label=FIELD_LABELS["policy_no"])
    insured_name = forms.CharField(label=FIELD_LABELS["insured_name"], max_length=60)
    loss_type = forms.ChoiceField(
        label=FIELD_LABELS["loss_type"], choices=[("", "---------"), *LOSS_TYPE_LABELS.items()]
    )
    loss_time = ShanghaiDateTimeField(
        label=FIELD_LABELS["loss_time"],
        widget=LocalDateTimeInput(),
        help_text=_("Beijing time."),
    )
    loss_place = forms.CharField(label=FIELD_LABELS["loss_place"], max_length=200, required=False)
    loss_cause = forms.CharField(
        label=FIELD_LABELS["loss_cause"],
        max_length=200,
        help_text=_("In a few words, e.g. rear-ended at a red light."),
    )
    description = forms.CharField(
        label=FIELD_LABELS["description"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    estimated_amount = forms.DecimalField(
        label=FIELD_LABELS["estimated_amount"],
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("Yuan; leave empty if you cannot say yet."),
    )
    contact_phone = forms.CharField(label=FIELD_LABELS["contact_phone"], max_length=30)

    def __init__(self, *args: Any, policies: Iterable[Policy] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        # What claim_report asked the reporter to confirm about this report (the confirm step).
        self.cautions: list[IntakeCaution] = []
        policies = list(policies)
        self.policies = {p.number: p for p in policies}
        if isinstance(self.fields["policy_no"], forms.ChoiceField):
            self.fields["policy_no"].choices = [("", "---------")] + [
                (p.number, policy_label(p)) for p in policies
            ]
        for name in REPORT_FIELDS:
            field = self.fields[name]
            if name in COMMON_REQUIRED:
                field.required = True
            field.widget.attrs.setdefault("data-field", name)

    def report(self) -> dict[str, Any]:
        """The cleaned values as ``claim_report`` takes them."""
        data = {name: self.cleaned_data.get(name) for name in REPORT_FIELDS}
        data["policy_no"] = (data["policy_no"] or "").strip()
        return data

    def add_service_errors(self, errors: dict[str, str]) -> None:
        """Put ``ReportInvalid.errors`` on their fields; anything else on the form."""
        for name, message in errors.items():
            self.add_error(name if name in self.fields else None, message)


class HotlineReportForm(ClaimReportForm):
    """The agent's hotline entry: any policy, looked up by its number."""

    policy_no = forms.CharField(
        label=FIELD_LABELS["policy_no"],
        max_length=40,
        help_text=_("As the caller reads it out; the policy is looked up on submit."),
    )


def hotline_initial(policy: Policy | None, *, phone: str = "") -> dict[str, Any]:
    """The hotline form filled from what the caller look-up found: the chosen policy, its
    insured person (the one with the caller's phone when there are several), the loss type
    of its product and the caller's phone as the contact."""
    initial: dict[str, Any] = {"contact_phone": phone} if phone else {}
    if policy is None:
        return initial
    insured = list(policy.insured.all())
    person = next((i for i in insured if phone and i.phone == phone), None)
    person = person or (insured[0] if insured else None)
    initial.update({"policy_no": policy.number, "loss_type": policy.product.line})
    if person is not None:
        initial["insured_name"] = person.name
        if not phone and person.phone:
            initial["contact_phone"] = person.phone
    return initial


def policy_label(p: Policy) -> str:
    insured = "、".join(i.name for i in p.insured.all())
    return f"{p.number} · {p.product.name}" + (f" · {insured}" if insured else "")


def required_by_type() -> list[tuple[str, str]]:
    """(loss type label, fields it needs beyond the common ones) for the form's hint."""
    return [
        (
            str(LOSS_TYPE_LABELS[t]),
            "、".join(str(FIELD_LABELS[f]) for f in fields),
        )
        for t, fields in REQUIRED_BY_TYPE.items()
    ]
