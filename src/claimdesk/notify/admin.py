from django.contrib import admin

from claimdesk.notify.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "channel", "kind", "subject", "sent_at", "read_at")
    list_filter = ("channel", "kind")
    search_fields = ("subject", "recipient__username")
    raw_id_fields = ("recipient", "case")
