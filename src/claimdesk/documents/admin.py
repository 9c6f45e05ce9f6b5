from django.contrib import admin

from claimdesk.documents.models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    """Reference view: documents change through their services (upload, OCR, confirm)."""

    list_display = (
        "claim",
        "kind",
        "original_name",
        "content_type",
        "size",
        "uploaded_at",
        "ocr_status",
        "suggested_item",
        "confirmed_at",
    )
    list_filter = ("content_type", "ocr_status", "kind")
    search_fields = ("claim__case__number", "sha256", "original_name")
    readonly_fields = [f.name for f in Document._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
