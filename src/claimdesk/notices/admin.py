from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from claimdesk.notices.models import Notice


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """Issued letters are evidence: the admin may read and download them, never change them."""

    list_display = ("title", "case", "kind", "language", "created_at", "issued_by", "pdf")
    list_filter = ("kind", "language")
    search_fields = ("case__number", "title", "sha256")
    list_select_related = ("case", "issued_by")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Notice._meta.fields]

    @admin.display(description=_("PDF"))
    def pdf(self, obj: Notice) -> str:
        return format_html('<a href="{}">PDF</a>', reverse("notices:pdf", args=[obj.pk]))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
