from django.contrib import admin

from claimdesk.claims.models import ChecklistTemplateItem, Claim, ClaimItem


@admin.register(ChecklistTemplateItem)
class ChecklistTemplateItemAdmin(admin.ModelAdmin):
    list_display = ("loss_type", "product", "position", "code", "name", "core", "lasting", "active")
    list_editable = ("position", "core", "lasting", "active")
    list_filter = ("loss_type", "product", "core")
    search_fields = ("code", "name")


class ClaimItemInline(admin.TabularInline):
    model = ClaimItem
    extra = 0
    fields = ("code", "name", "core", "state", "reason", "updated_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    """Reference view: claims change through their services, not by editing."""

    list_display = ("case", "policy", "insured_name", "loss_type", "loss_time", "channel")
    list_filter = ("loss_type", "channel")
    search_fields = ("case__number", "policy__number", "insured_name")
    inlines = [ClaimItemInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
