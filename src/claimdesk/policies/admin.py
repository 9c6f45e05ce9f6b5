from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from claimdesk.policies.models import (
    BankAccount,
    Beneficiary,
    Clause,
    Coverage,
    InsuredPerson,
    Policy,
    Product,
)
from claimdesk.policies.rules import mask_account


class CoverageInline(admin.TabularInline):
    model = Coverage
    extra = 0


class ClauseInline(admin.StackedInline):
    model = Clause
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "line", "active")
    list_filter = ("line", "active")
    search_fields = ("code", "name")
    inlines = [CoverageInline, ClauseInline]


@admin.register(Clause)
class ClauseAdmin(admin.ModelAdmin):
    list_display = ("product", "article", "title", "kind")
    list_filter = ("product", "kind")
    search_fields = ("title", "text")


class InsuredInline(admin.TabularInline):
    model = InsuredPerson
    extra = 0


class BeneficiaryInline(admin.TabularInline):
    model = Beneficiary
    extra = 0


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ("number", "product", "holder", "start", "end", "sum_insured", "status")
    list_filter = ("product", "status")
    search_fields = ("number", "holder__username", "holder__last_name", "vehicle_plate")
    raw_id_fields = ("holder",)
    inlines = [InsuredInline, BeneficiaryInline]


class BankAccountForm(forms.ModelForm):
    """The account number is never sent to the page: the form shows its last four digits
    and takes a new number to replace it (required when the account is added)."""

    new_account_number = forms.CharField(
        label=_("new account number"),
        max_length=34,
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Leave empty to keep the account number; type a new one to replace it."),
    )

    class Meta:
        model = BankAccount
        fields = ("owner", "bank_name", "account_name", "is_default")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields["new_account_number"].required = True
            self.fields["new_account_number"].label = _("account number")
            self.fields["new_account_number"].help_text = ""

    def clean_new_account_number(self) -> str:
        number = "".join(self.cleaned_data["new_account_number"].split())
        if number and not number.isdigit():
            raise forms.ValidationError(_("An account number has digits only."))
        return number

    def save(self, commit: bool = True):
        if self.cleaned_data.get("new_account_number"):
            self.instance.account_number = self.cleaned_data["new_account_number"]
        return super().save(commit=commit)


@admin.register(BankAccount)
class BankAccountAdmin(admin.ModelAdmin):
    form = BankAccountForm
    list_display = ("owner", "bank_name", "account_name", "masked", "is_default")
    search_fields = ("owner__username", "account_name")
    raw_id_fields = ("owner",)
    fields = ("owner", "bank_name", "account_name", "masked", "new_account_number", "is_default")
    readonly_fields = ("masked",)

    @admin.display(description=_("account number"))
    def masked(self, obj: BankAccount) -> str:
        return mask_account(obj.account_number) if obj.pk else "-"
