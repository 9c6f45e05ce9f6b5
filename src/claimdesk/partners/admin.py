from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from claimdesk.partners.models import (
    DirectBill,
    PartnerOrganisation,
    PartnerStaff,
    PreAuthorisation,
)
from claimdesk.policies.rules import mask_account


class PartnerStaffInline(admin.TabularInline):
    model = PartnerStaff
    raw_id_fields = ("user",)
    extra = 0


@admin.register(PartnerOrganisation)
class PartnerOrganisationAdmin(admin.ModelAdmin):
    """The settlement account's number never reaches the page: only its last four digits
    (the number itself is entered on the bank account, as for any account)."""

    list_display = ("name", "kind", "contract_no", "contract_until", "masked_account", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "licence_no", "contract_no")
    raw_id_fields = ("settlement_account",)
    filter_horizontal = ("products",)
    readonly_fields = ("masked_account",)
    inlines = [PartnerStaffInline]

    @admin.display(description=_("settlement account"))
    def masked_account(self, obj: PartnerOrganisation) -> str:
        if obj.pk is None:
            return "-"
        account = obj.settlement_account
        return f"{account.bank_name} {mask_account(account.account_number)}"


@admin.register(PreAuthorisation)
class PreAuthorisationAdmin(admin.ModelAdmin):
    list_display = ("reference", "organisation", "insured_name", "coverage", "amount", "status")
    list_filter = ("status",)
    readonly_fields = [f.name for f in PreAuthorisation._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(DirectBill)
class DirectBillAdmin(admin.ModelAdmin):
    list_display = ("bill_no", "organisation", "claim", "total", "submitted_at")
    search_fields = ("bill_no",)
    readonly_fields = [f.name for f in DirectBill._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
