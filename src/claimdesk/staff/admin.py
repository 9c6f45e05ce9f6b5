from django.contrib import admin

from claimdesk.staff.models import StaffProfile


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "team", "branch", "region", "manager")
    list_filter = ("team", "branch")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ("user", "manager")
