"""Forms of the surveyor's pages: the field report (findings, loss items, photos, the on-site
party's signature), a repair shop's objection, the re-check."""

import base64
import binascii
from decimal import Decimal
from typing import cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from claimdesk.investigation import rules, services

SIGNATURE_PREFIX = "data:image/png;base64,"


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos in one input; each must be a JPEG or PNG within the upload limit."""

    widget = MultiplePhotoInput

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            raise forms.ValidationError(_("Add at least one photo of the loss."))
        if len(files) > rules.MAX_FIELD_PHOTOS:
            raise forms.ValidationError(_("At most %(n)s photos.") % {"n": rules.MAX_FIELD_PHOTOS})
        cleaned: list[UploadedFile] = [super(MultiplePhotoField, self).clean(f) for f in files]
        problems = [p for p in (services.field_photo_problem(f) for f in cleaned) if p]
        if problems:
            raise forms.ValidationError(problems)
        return cleaned


class FieldReportForm(forms.Form):
    """The surveyor's report from the site (the loss items come in their own formset)."""

    findings = forms.CharField(
        label=_("Findings on site"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    note = forms.CharField(
        label=_("How the loss was computed (note)"),
        help_text=_("Optional, e.g. salvage deducted. The item list is included already."),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    photos = MultiplePhotoField(
        label=_("Photos of the loss"),
        help_text=_("Several at once; JPEG or PNG."),
        widget=MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png", "class": "file-input"}),
    )
    signer_name = forms.CharField(
        label=_("Name of the person signing on site"),
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    signature = forms.CharField(
        label=_("Signature of the on-site party"),
        widget=forms.HiddenInput,
        error_messages={"required": _("The on-site party has not signed yet.")},
    )

    def clean_signature(self) -> bytes:
        data = self.cleaned_data["signature"]
        if not data.startswith(SIGNATURE_PREFIX):
            raise forms.ValidationError(_("The on-site party has not signed yet."))
        try:
            png = base64.b64decode(data[len(SIGNATURE_PREFIX) :], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise forms.ValidationError(_("The on-site party has not signed yet.")) from exc
        if problem := services.signature_problem(png):
            raise forms.ValidationError(problem)
        return png


class LossItemForm(forms.Form):
    description = forms.CharField(label=_("Damaged item"), max_length=100)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        max_digits=10,
        decimal_places=2,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0"}),
    )
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0"}),
    )

    def clean(self):
        data = super().clean() or {}
        if all(k in data for k in ("description", "quantity", "amount")):
            for name, problem in rules.loss_line_problems(self.line()).items():
                self.add_error(name, problem)
        return data

    def line(self) -> rules.LossLine:
        d = self.cleaned_data
        return rules.LossLine(d["description"], d["quantity"], d["amount"])


class BaseLossItemFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_few_forms": _("List at least one damaged item."),
        "too_many_forms": _("At most %(num)d loss items."),
    }

    def lines(self) -> list[rules.LossLine]:
        """The filled rows (rows added and left blank are skipped)."""
        return [f.line() for f in self.forms if f.has_changed() and f.cleaned_data]


def loss_items_formset(data=None) -> BaseLossItemFormSet:
    """The loss-item rows of the field report (prefix ``loss``)."""
    return cast(BaseLossItemFormSet, LossItemFormSet(data, prefix="loss"))


LossItemFormSet = forms.formset_factory(
    LossItemForm,
    formset=BaseLossItemFormSet,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=rules.MAX_LOSS_ITEMS,
    validate_max=True,
)


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
