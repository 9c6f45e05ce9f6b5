from django.contrib import admin

from claimdesk.claims.models import (
    Accumulator,
    AccumulatorMovement,
    ChecklistTemplateItem,
    Claim,
    ClaimItem,
    CoverageBasis,
    ReserveMovement,
    ReserveRule,
)


@admin.register(ChecklistTemplateItem)
class ChecklistTemplateItemAdmin(admin.ModelAdmin):
    list_display = ("loss_type", "product", "position", "code", "name", "core", "lasting", "active")
    list_editable = ("position", "core", "lasting", "active")
    list_filter = ("loss_type", "product", "core")
    search_fields = ("code", "name")


class ClaimItemInline(admin.TabularInline):
    model = ClaimItem
    extra = 0
    fields = ("code", "name", "core", "state", "reason", "updated_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    """Reference view: claims change through their services, not by editing."""

    list_display = ("case", "policy", "insured_name", "loss_type", "loss_time", "channel")
    list_filter = ("loss_type", "channel")
    search_fields = ("case__number", "policy__number", "insured_name")
    inlines = [ClaimItemInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CoverageBasis)
class CoverageBasisAdmin(admin.ModelAdmin):
    """Whether a coverage's deductible and limit apply per claim or per policy year, its
    sub-limit per event, and the clause each calculation step cites."""

    list_display = (
        "product_code",
        "coverage_code",
        "deductible_period",
        "limit_period",
        "event_limit",
        "day_limit",
        "deductible_article",
        "ratio_article",
        "limit_article",
    )
    list_filter = ("deductible_period", "limit_period")


class AccumulatorMovementInline(admin.TabularInline):
    model = AccumulatorMovement
    extra = 0
    fields = ("at", "kind", "claim", "decision", "payment_reference", "deductible", "amount")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Accumulator)
class AccumulatorAdmin(admin.ModelAdmin):
    """Reference view: accumulators move only through approvals and payments."""

    list_display = (
        "policy",
        "insured_name",
        "coverage",
        "period_start",
        "period_end",
        "deductible_used",
        "limit_used",
    )
    search_fields = ("policy__number", "insured_name")
    inlines = [AccumulatorMovementInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReserveRule)
class ReserveRuleAdmin(admin.ModelAdmin):
    """How a new claim's first reserve is set (average or the reported estimate)."""

    list_display = ("loss_type", "product", "method", "average_amount", "min_sample")
    list_editable = ("method", "average_amount", "min_sample")
    list_filter = ("loss_type", "method")


@admin.register(ReserveMovement)
class ReserveMovementAdmin(admin.ModelAdmin):
    """The reserve history, read-only: movements are appended by the steps only."""

    list_display = ("claim", "at", "step", "amount", "change", "paid", "recovered", "actor")
    list_filter = ("step",)
    search_fields = ("claim__case__number",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
