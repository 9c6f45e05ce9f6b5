from django.contrib import admin

from claimdesk.staff.models import Certification, StaffProfile, TrainingRecord
from claimdesk.staff.services import profile_move


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "team", "branch", "region", "manager")
    list_filter = ("team", "branch")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ("user", "manager")

    def save_model(self, request, obj, form, change):
        # A move of team or branch goes through the service, which moves what is counted by
        # the owner's team with it.
        if change and {"team", "branch"} & set(form.changed_data):
            profile_move(profile=obj, team=obj.team, branch=obj.branch)
        super().save_model(request, obj, form, change)


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ("user", "code", "grade", "name", "issued_on", "expires_on")
    list_filter = ("code",)
    search_fields = ("user__username", "user__first_name", "code", "name")
    autocomplete_fields = ("user",)
    date_hierarchy = "expires_on"


@admin.register(TrainingRecord)
class TrainingRecordAdmin(admin.ModelAdmin):
    list_display = ("user", "course", "hours", "completed_on")
    search_fields = ("user__username", "user__first_name", "course")
    autocomplete_fields = ("user",)
