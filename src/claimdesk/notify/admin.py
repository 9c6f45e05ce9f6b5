from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from claimdesk.notify import services
from claimdesk.notify.models import Notification, Status, WebhookEndpoint


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "recipient",
        "channel",
        "kind",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    )
    list_filter = ("status", "channel", "kind")
    search_fields = ("subject", "recipient__username", "phone", "case__number")
    raw_id_fields = ("recipient", "case", "endpoint")
    readonly_fields = ("status", "attempts", "claimed_at", "next_attempt_at", "sent_at")
    actions = ["requeue"]

    @admin.action(description=_("Re-queue failed notifications"))
    def requeue(self, request, queryset):
        ids = list(queryset.filter(status=Status.FAILED).values_list("pk", flat=True))
        count = services.notification_requeue(ids=ids, now=timezone.now())
        self.message_user(
            request,
            ngettext(
                "%(count)d notification re-queued.", "%(count)d notifications re-queued.", count
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "kinds", "active")
    list_filter = ("active",)
    search_fields = ("name", "url")
