from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from claimdesk.cases.services import CaseError
from claimdesk.compliance import services
from claimdesk.compliance.models import (
    CallTranscript,
    ComplianceRule,
    NotificationHold,
    OverrideLog,
    QaReview,
    QaSettings,
)


@admin.register(ComplianceRule)
class ComplianceRuleAdmin(admin.ModelAdmin):
    list_display = ("code", "pattern", "kind", "category", "severity", "active")
    list_filter = ("active", "kind", "category", "severity")
    search_fields = ("code", "pattern", "reason")


class ReadOnlyAdmin(admin.ModelAdmin):
    """An audit record: shown, never added, changed or deleted by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OverrideLog)
class OverrideLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "context", "actor", "manager", "text")
    list_filter = ("manager",)
    search_fields = ("context", "text", "actor__username", "manager__username")
    date_hierarchy = "created_at"


@admin.register(NotificationHold)
class NotificationHoldAdmin(ReadOnlyAdmin):
    list_display = ("held_at", "notification", "released_at", "released_by")
    list_filter = ("released_at",)
    search_fields = ("notification__subject", "notification__recipient__username")
    actions = ["release"]

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and services.can_override(request.user)

    @admin.action(description=_("Release the held messages (logged as an override)"))
    def release(self, request, queryset):
        count = 0
        for hold in queryset.select_related("notification").filter(released_at__isnull=True):
            try:
                count += services.notification_release(
                    hold.notification, request.user, timezone.now()
                )
            except CaseError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return
        self.message_user(
            request,
            ngettext("%(count)d notification released.", "%(count)d notifications released.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(CallTranscript)
class CallTranscriptAdmin(admin.ModelAdmin):
    list_display = ("uploaded_at", "agent", "title", "case", "called_at")
    list_filter = ("agent",)
    search_fields = ("title", "text", "agent__username", "case__number")
    raw_id_fields = ("agent", "case", "uploaded_by")
    readonly_fields = ("uploaded_at", "uploaded_by")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_at = timezone.now()
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(QaReview)
class QaReviewAdmin(admin.ModelAdmin):
    list_display = ("week_start", "agent", "item", "case", "transcript", "status", "scored_by")
    list_filter = ("status", "item", "week_start")
    search_fields = ("agent__username", "case__number", "comment")
    raw_id_fields = ("agent", "case", "transcript", "scored_by")
    readonly_fields = ("item", "case", "transcript", "agent", "week_start", "queued_at", "hits")


@admin.register(QaSettings)
class QaSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "sample_size")

    def has_add_permission(self, request) -> bool:
        return not QaSettings.objects.exists()
