from django.contrib import admin

from claimdesk.cases.models import Case, CaseEvent, Deadline, DeadlineAlert, SlaRule, Task


@admin.register(SlaRule)
class SlaRuleAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "amount",
        "unit",
        "reminder_percent",
        "escalation_percent",
        "statutory",
        "active",
    )
    list_filter = ("statutory", "unit", "active")
    list_editable = ("amount", "unit", "reminder_percent", "escalation_percent", "active")
    search_fields = ("code", "name")

    def has_delete_permission(self, request, obj=None):
        return False  # clocks refer to rules; switch a rule off instead


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ("at", "actor", "kind", "action", "from_status", "to_status", "data")


class DeadlineInline(ReadOnlyInline):
    model = Deadline
    fields = ("rule", "state", "started_at", "due_at", "assignee", "stopped_at")


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Reference view only: cases change through their workflow, never by editing fields."""

    list_display = (
        "number",
        "kind",
        "category",
        "status",
        "owner",
        "customer",
        "opened_at",
        "next_due_at",
    )
    list_filter = ("kind", "status", "is_open")
    search_fields = ("number", "title", "owner__username", "customer__username")
    inlines = [DeadlineInline, EventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("case", "title", "assignee", "status", "due_at")
    list_filter = ("status", "kind")
    raw_id_fields = ("case", "assignee", "assigned_by", "returns_to")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DeadlineAlert)
class DeadlineAlertAdmin(admin.ModelAdmin):
    list_display = ("raised_at", "kind", "deadline", "recipient")
    list_filter = ("kind",)

    def has_change_permission(self, request, obj=None):
        return False
