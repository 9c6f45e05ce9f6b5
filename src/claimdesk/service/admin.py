"""Admin: templates are edited here; tickets and root-cause reports are read-mostly."""

from django.contrib import admin

from claimdesk.service.models import (
    CorrectiveAction,
    ReplyTemplate,
    RootCauseReport,
    Ticket,
    TicketMessage,
)


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ("scenario", "title", "active")
    list_filter = ("scenario", "active")
    search_fields = ("title", "body_zh", "body_en")


class TicketMessageInline(admin.TabularInline):
    model = TicketMessage
    fk_name = "ticket"
    extra = 0
    can_delete = False
    readonly_fields = (
        "author",
        "body",
        "internal",
        "from_customer",
        "override_by",
        "created_at",
    )

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-mostly: tickets change through the service desk (clocks, compliance gate)."""

    list_display = ("case", "channel", "topic", "claim", "green_reason", "complex")
    list_filter = ("channel", "topic", "case__category", "case__status")
    search_fields = ("case__number", "subject")
    readonly_fields = ("case", "channel", "claim", "green_reason", "subject", "complex")
    fields = ("case", "subject", "channel", "claim", "topic", "green_reason", "complex")
    inlines = [TicketMessageInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CorrectiveActionInline(admin.TabularInline):
    model = CorrectiveAction
    extra = 0


@admin.register(RootCauseReport)
class RootCauseReportAdmin(admin.ModelAdmin):
    list_display = ("ticket", "category", "department", "owner", "due_date")
    list_filter = ("category", "department")
    search_fields = ("root_cause", "ticket__case__number")
    readonly_fields = ("ticket", "cause_key", "author", "created_at", "updated_at")
    inlines = [CorrectiveActionInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(admin.ModelAdmin):
    list_display = ("description", "report", "owner", "due_date", "done_at")
    list_filter = ("done_at",)
    search_fields = ("description",)
