"""Payments in the admin: read-only. Payments change through their services (with the
claim's lock, the timeline and the customer's notification), never by editing a row."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from claimdesk.payments.models import Payment, PaymentAttempt


class PaymentAttemptInline(admin.TabularInline):
    model = PaymentAttempt
    extra = 0
    fields = (
        "number",
        "masked",
        "amount",
        "sent_at",
        "sent_by",
        "outcome",
        "outcome_at",
        "bank_ref",
        "failure_reason",
        "via_reconciliation",
    )
    readonly_fields = fields

    @admin.display(description=_("payee account"))
    def masked(self, obj: PaymentAttempt) -> str:
        return obj.masked_account

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "claim",
        "amount",
        "state",
        "attempts",
        "masked",
        "instructed_at",
        "confirmed_at",
    )
    list_filter = ("state",)
    search_fields = ("reference", "claim__case__number", "bank_ref")
    date_hierarchy = "instructed_at"
    list_select_related = ("claim__case", "account")
    fields = (
        "reference",
        "claim",
        "amount",
        "masked",
        "state",
        "attempts",
        "instructed_at",
        "instructed_by",
        "sent_at",
        "confirmed_at",
        "confirmed_by",
        "failed_at",
        "failure_reason",
        "escalated_at",
        "escalated_to",
        "bank_ref",
        "updated_at",
    )
    readonly_fields = fields
    inlines = [PaymentAttemptInline]

    @admin.display(description=_("payee account"))
    def masked(self, obj: Payment) -> str:
        return f"{obj.account.bank_name} {obj.account.account_name} {obj.masked_account}"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
