from django.contrib import admin

from claimdesk.recoveries.models import Recovery, RecoveryLetter, RecoveryReceipt


class ReceiptInline(admin.TabularInline):
    model = RecoveryReceipt
    extra = 0
    can_delete = False
    readonly_fields = ("amount", "reference", "received_on", "recorded_by", "recorded_at")


class LetterInline(admin.TabularInline):
    model = RecoveryLetter
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "text", "issued_by", "issued_at", "overridden")


@admin.register(Recovery)
class RecoveryAdmin(admin.ModelAdmin):
    list_display = ("case", "claim", "kind", "counterparty", "expected_amount", "opened_at")
    list_filter = ("kind",)
    readonly_fields = ("case", "claim", "opened_at")
    inlines = (ReceiptInline, LetterInline)

    def has_add_permission(self, request):  # opened through the service only
        return False
