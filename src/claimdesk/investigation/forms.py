"""Forms of the surveyor's page: the report, a repair shop's objection, the re-check."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class SurveyReportForm(forms.Form):
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 4}))
    assessed_loss = forms.DecimalField(
        label=_("Assessed loss (yuan)"), min_value=Decimal(0), max_digits=14, decimal_places=2
    )
    method = forms.CharField(
        label=_("How the loss was computed"), widget=forms.Textarea(attrs={"rows": 3})
    )
    basis = forms.CharField(
        label=_("Basis (clauses); empty: the product's coverage clauses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    photos = forms.TypedMultipleChoiceField(
        label=_("Photos"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        photos = self.fields["photos"]
        assert isinstance(photos, forms.TypedMultipleChoiceField)
        photos.choices = [(d.pk, d.original_name) for d in documents]


class ObjectionForm(forms.Form):
    shop = forms.CharField(label=_("Repair shop"), max_length=100)
    text = forms.CharField(label=_("Objection"), widget=forms.Textarea(attrs={"rows": 3}))
    amount_claimed = forms.DecimalField(
        label=_("Amount the shop claims (yuan)"),
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
    )


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("Re-check result"), widget=forms.Textarea(attrs={"rows": 2})
    )
    rechecked_amount = forms.DecimalField(
        label=_("Amount after re-check (yuan)"),
        required=False,
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
    )
