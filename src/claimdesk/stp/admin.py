from django.contrib import admin

from claimdesk.stp.models import StpCheck, StpLine, StpReview, StpSettings


@admin.register(StpLine)
class StpLineAdmin(admin.ModelAdmin):
    list_display = (
        "loss_type",
        "product_code",
        "enabled",
        "small_claim_limit",
        "coverage_code",
        "materials",
    )
    list_editable = ("enabled",)
    list_filter = ("loss_type", "enabled")


@admin.register(StpSettings)
class StpSettingsAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "min_ocr_confidence",
        "invoice_days",
        "sample_percent",
        "review_all_above",
        "minutes_saved",
    )

    def has_add_permission(self, request) -> bool:
        # One row of settings: edit it, do not add a second.
        return not StpSettings.objects.exists()


@admin.register(StpCheck)
class StpCheckAdmin(admin.ModelAdmin):
    list_display = ("claim", "outcome", "checked_at", "runs")
    list_filter = ("outcome",)
    readonly_fields = (
        "claim",
        "outcome",
        "results",
        "checked_at",
        "last_upload_at",
        "runs",
        "decision",
    )

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(StpReview)
class StpReviewAdmin(admin.ModelAdmin):
    list_display = ("claim", "why", "status", "queued_at", "reviewer", "difference")
    list_filter = ("status", "why")
    readonly_fields = [f.name for f in StpReview._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
