from django.contrib import admin

from claimdesk.ledger.models import LedgerEntry, LedgerHead


class ReadOnlyAdmin(admin.ModelAdmin):
    """The ledger is written only by the application; the admin may look, never touch."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("case", "seq", "record_type", "record_id", "at", "entry_hash")
    list_filter = ("record_type",)
    search_fields = ("case__number", "entry_hash")
    list_select_related = ("case",)
    ordering = ("-case_id", "-seq")


@admin.register(LedgerHead)
class LedgerHeadAdmin(ReadOnlyAdmin):
    list_display = ("case", "seq", "last_hash")
    search_fields = ("case__number",)
    list_select_related = ("case",)
