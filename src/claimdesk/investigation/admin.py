from django.contrib import admin

from claimdesk.investigation.models import (
    AppraisalInstitution,
    AppraisalReferral,
    CriticalIllness,
    Disease,
    ExclusionTerm,
    InvestigationSettings,
    RepairObjection,
    Survey,
    SurveyLossItem,
)


@admin.register(InvestigationSettings)
class InvestigationSettingsAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "online_loss_types",
        "online_limit",
        "early_loss_days",
        "near_sum_percent",
        "repeat_count",
        "repeat_window_days",
        "date_mismatch_days",
    )

    def has_add_permission(self, request) -> bool:
        # One row of thresholds: edit it, do not add a second.
        return super().has_add_permission(request) and not InvestigationSettings.objects.exists()


@admin.register(Disease)
class DiseaseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "synonyms", "active")
    list_editable = ("active",)
    search_fields = ("code", "name", "synonyms")


@admin.register(CriticalIllness)
class CriticalIllnessAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "active")
    list_editable = ("active",)
    search_fields = ("name", "code")


@admin.register(ExclusionTerm)
class ExclusionTermAdmin(admin.ModelAdmin):
    list_display = ("term", "codes", "kind", "loss_type", "product", "clause", "active")
    list_filter = ("kind", "loss_type", "product", "active")
    list_editable = ("active",)
    search_fields = ("term",)
    raw_id_fields = ("clause",)


@admin.register(AppraisalInstitution)
class AppraisalInstitutionAdmin(admin.ModelAdmin):
    list_display = ("name", "qualifications", "region", "active", "last_selected_at")
    list_filter = ("region", "active")
    search_fields = ("name", "region", "qualifications")
    readonly_fields = ("last_selected_at", "times_selected")


@admin.register(AppraisalReferral)
class AppraisalReferralAdmin(admin.ModelAdmin):
    list_display = ("claim", "institution", "qualification", "selected_at")
    readonly_fields = ("claim", "institution", "qualification", "selected_at")


class RepairObjectionInline(admin.TabularInline):
    model = RepairObjection
    extra = 0
    fields = ("shop", "amount_claimed", "status", "raised_at", "resolved_at", "rechecked_amount")
    readonly_fields = fields
    can_delete = False


class SurveyLossItemInline(admin.TabularInline):
    """The surveyor's loss list, as filed (read only: it is part of the report)."""

    model = SurveyLossItem
    extra = 0
    can_delete = False
    readonly_fields = ("position", "description", "quantity", "amount")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("claim", "surveyor", "status", "assigned_at", "reported_at", "assessed_loss")
    list_filter = ("status",)
    search_fields = ("claim__case__number", "surveyor__username")
    # Surveys change only through the services (clocks, timeline, notice).
    readonly_fields = (
        "claim",
        "surveyor",
        "task",
        "certificate",
        "assigned_by",
        "assigned_at",
        "status",
        "findings",
        "assessed_loss",
        "method",
        "basis",
        "photos",
        "signer_name",
        "signature",
        "reported_at",
    )
    inlines = [SurveyLossItemInline, RepairObjectionInline]


@admin.register(RepairObjection)
class RepairObjectionAdmin(admin.ModelAdmin):
    list_display = ("survey", "shop", "amount_claimed", "status", "raised_at", "resolved_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in RepairObjection._meta.fields]
