from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from claimdesk.assistant.models import AssistantSettings, Conversation, FaqEntry, Turn


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    list_display = ("question_zh", "question_en", "category", "active", "updated_at")
    list_filter = ("category", "active")
    search_fields = ("slug", "question_zh", "question_en", "alternates", "keywords", "answer_zh")
    readonly_fields = ("updated_at",)
    fieldsets = (
        (None, {"fields": ("slug", "category", "active", "updated_at")}),
        (_("Chinese"), {"fields": ("question_zh", "answer_zh")}),
        (_("English"), {"fields": ("question_en", "answer_en")}),
        (_("Matching"), {"fields": ("alternates", "keywords")}),
    )


@admin.register(AssistantSettings)
class AssistantSettingsAdmin(admin.ModelAdmin):
    """One row of tuning: it can be changed, not added twice or deleted."""

    list_display = ("__str__", "threshold", "use_embeddings")

    def has_add_permission(self, request):
        return not AssistantSettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


class TurnInline(admin.TabularInline):
    model = Turn
    extra = 0
    can_delete = False
    fields = ("asked_at", "question", "entry", "confidence", "handed_over", "ticket_no", "answer")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    """Read-only: what customers asked is evidence for improving the knowledge base."""

    list_display = ("started_at", "user", "language", "ticket_no")
    list_filter = ("language",)
    search_fields = ("user__username", "ticket_no", "turns__question")
    readonly_fields = ("id", "user", "session_key", "language", "started_at", "ticket_no")
    inlines = [TurnInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
