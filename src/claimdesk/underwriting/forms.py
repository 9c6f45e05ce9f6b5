"""Forms of the underwriting pages: they only parse input; the rules are in ``services``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from claimdesk.policies.models import Product
from claimdesk.underwriting.models import OUTCOME_LABELS, QUERY_LABELS
from claimdesk.underwriting.rules import HEALTH_QUESTIONS, MAX_EXTRA_PREMIUM_PERCENT

YES_NO = [("no", _("No")), ("yes", _("Yes"))]


class ApplicationForm(forms.Form):
    product = forms.ModelChoiceField(
        Product.objects.filter(active=True), label=_("Product"), to_field_name="code"
    )
    sum_insured = forms.DecimalField(
        label=_("Sum insured (¥)"), min_value=Decimal("0.01"), max_digits=14, decimal_places=2
    )
    standard_premium = forms.DecimalField(
        label=_("Annual premium quoted (¥)"),
        min_value=Decimal("0.01"),
        max_digits=14,
        decimal_places=2,
    )
    insured_name = forms.CharField(label=_("Insured person"), max_length=60)
    insured_id_number = forms.CharField(label=_("ID number"), max_length=30)
    insured_birth_date = forms.DateField(
        label=_("Birth date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    relation_to_applicant = forms.CharField(
        label=_("Relation to you"), max_length=20, initial="本人"
    )
    occupation = forms.CharField(label=_("Occupation"), max_length=60)
    occupation_class = forms.TypedChoiceField(
        label=_("Occupation class"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 7)],
        help_text=_("1 office work … 6 the most hazardous work, from the occupation table."),
    )
    occupation_details = forms.CharField(
        label=_("What your work involves"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    health_details = forms.CharField(
        label=_("Details of every yes answer"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Diagnosis, when, treatment and your condition today."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, text in HEALTH_QUESTIONS.items():
            self.fields[f"q_{code}"] = forms.ChoiceField(
                label=str(text), choices=YES_NO, widget=forms.RadioSelect
            )

    def health_answers(self) -> dict[str, bool]:
        return {code: self.cleaned_data[f"q_{code}"] == "yes" for code in HEALTH_QUESTIONS}

    def health_fields(self) -> list[forms.BoundField]:
        return [self[f"q_{code}"] for code in HEALTH_QUESTIONS]


class QueryForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What to ask for"), choices=[(k.value, v) for k, v in QUERY_LABELS.items()]
    )
    question = forms.CharField(
        label=_("Question"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=pgettext_lazy("underwriting", "Decision"),
        choices=[(o.value, v) for o, v in OUTCOME_LABELS.items()],
    )
    extra_premium_percent = forms.DecimalField(
        label=_("Extra premium (%)"),
        required=False,
        min_value=Decimal("0.01"),
        max_value=MAX_EXTRA_PREMIUM_PERCENT,
        max_digits=5,
        decimal_places=2,
    )
    exclusion = forms.CharField(
        label=pgettext_lazy("underwriting", "Exclusion clause"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reason = forms.CharField(
        label=pgettext_lazy("underwriting", "Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
