"""Analytics reference data an admin tunes: the KPI targets the dashboard colours against."""

from django.contrib import admin

from claimdesk.analytics.models import KpiTarget


@admin.register(KpiTarget)
class KpiTargetAdmin(admin.ModelAdmin):
    list_display = ("code", "direction", "target", "warning", "min_sample", "active")
    list_editable = ("target", "warning", "min_sample", "active")
    list_filter = ("active", "direction")
    fields = ("code", "direction", "target", "warning", "min_sample", "basis", "active")
