"""Admin: each underwriter's authority is set here; applications are read-mostly."""

from django.contrib import admin

from claimdesk.underwriting.models import (
    Application,
    UnderwritingAuthority,
    UnderwritingDecision,
    UnderwritingQuery,
)


@admin.register(UnderwritingAuthority)
class UnderwritingAuthorityAdmin(admin.ModelAdmin):
    list_display = ("user", "grade", "max_sum_insured")
    search_fields = ("user__username", "user__first_name")


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("case", "insured_name", "product", "sum_insured", "route", "premium")
    list_filter = ("route", "product")
    readonly_fields = [f.name for f in Application._meta.fields]


admin.site.register(UnderwritingQuery)
admin.site.register(UnderwritingDecision)
