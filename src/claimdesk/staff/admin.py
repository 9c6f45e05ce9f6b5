from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from claimdesk.staff.models import Certification, RoleGrant, StaffProfile, TrainingRecord
from claimdesk.staff.services import granting_as, profile_move

User = get_user_model()


class ClaimDeskUserAdmin(UserAdmin):
    """Django's user admin whose changes of roles (groups) are recorded as the signed-in
    administrator's (``RoleGrant``)."""

    def save_related(self, request, form, formsets, change):
        with granting_as(request.user):
            super().save_related(request, form, formsets, change)

    def save_model(self, request, obj, form, change):
        with granting_as(request.user):
            super().save_model(request, obj, form, change)


admin.site.unregister(User)
admin.site.register(User, ClaimDeskUserAdmin)


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    """Who gave or took which role from whom, and when: shown, never changed."""

    list_display = ("at", "username", "role", "granted", "business", "by_username")
    list_filter = ("business", "granted", "role")
    search_fields = ("username", "role", "by_username")
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
