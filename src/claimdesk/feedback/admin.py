from django.contrib import admin

from claimdesk.feedback.models import PartnerShop, ProactiveFiring, ProactiveRule, Survey


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the sweep and by customers: for reading, never for editing."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdmin):
    list_display = (
        "case",
        "customer",
        "staff",
        "sent_at",
        "reminded_at",
        "answered_at",
        "csat",
        "nps",
    )
    list_filter = ("answered_at",)
    search_fields = ("case__number", "customer__username", "staff__username")
    exclude = ("token",)
    list_select_related = ("case", "customer", "staff")


@admin.register(ProactiveRule)
class ProactiveRuleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "event", "active", "scanned_until")
    list_filter = ("event", "active")
    readonly_fields = ("scanned_until",)


@admin.register(PartnerShop)
class PartnerShopAdmin(admin.ModelAdmin):
    list_display = ("name", "city", "address", "phone", "courtesy_car", "active")
    list_filter = ("city", "courtesy_car", "active")
    search_fields = ("name", "address")


@admin.register(ProactiveFiring)
class ProactiveFiringAdmin(ReadOnlyAdmin):
    list_display = ("rule", "customer", "occasion_key", "fired_at", "subject")
    list_filter = ("rule",)
    search_fields = ("occasion_key", "customer__username")
    list_select_related = ("rule", "customer")
