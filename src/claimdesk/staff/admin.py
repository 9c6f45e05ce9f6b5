from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from claimdesk.staff.lockout import login_unlock
from claimdesk.staff.models import (
    ApiToken,
    Certification,
    RoleGrant,
    StaffProfile,
    TokenRevoked,
    TrainingRecord,
)
from claimdesk.staff.services import granting_as, profile_move, tokens_revoke


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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API tokens: whose, since when, last used, until when. The secret is never stored (only
    its digest) and never shown; the first characters tell a holder's tokens apart."""

    list_display = (
        "user",
        "shown_prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
        "revoked_reason",
    )
    list_filter = ("revoked_reason",)
    search_fields = ("user__username", "prefix")
    list_select_related = ("user",)
    fields = (
        "user",
        "shown_prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
        "revoked_reason",
    )
    readonly_fields = fields
    actions = ["revoke"]

    @admin.display(description=_("token starts with"))
    def shown_prefix(self, obj: ApiToken) -> str:
        return f"{obj.prefix}…" if obj.prefix else "—"

    def has_add_permission(self, request) -> bool:
        return False  # a token is issued to its holder by POST /api/v1/auth/token

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # revoke instead: the row stays as a record
        return actions

    @admin.action(description=_("Revoke the selected API tokens"), permissions=["delete"])
    def revoke(self, request, queryset):
        count = tokens_revoke(queryset, reason=TokenRevoked.ADMIN, now=timezone.now())
        self.message_user(
            request,
            ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", count) % {"n": count},
            messages.SUCCESS,
        )


User = get_user_model()


class UserAdmin(DjangoUserAdmin):
    """Django's user admin whose changes of roles (groups) are recorded as the signed-in
    administrator's (``RoleGrant``), with the two things an administrator does after an
    incident: lift a login lockout, end every API token."""

    actions = ["unlock_login", "revoke_api_tokens"]  # with the admin's own delete action

    def save_related(self, request, form, formsets, change):
        with granting_as(request.user):
            super().save_related(request, form, formsets, change)

    def save_model(self, request, obj, form, change):
        with granting_as(request.user):
            super().save_model(request, obj, form, change)

    @admin.action(description=_("Unlock login (forget failed attempts)"), permissions=["change"])
    def unlock_login(self, request, queryset):
        removed = sum(login_unlock(user.get_username()) for user in queryset)
        self.message_user(
            request,
            _("Logins unlocked for %(users)d user(s); %(removed)d lockout record(s) removed.")
            % {"users": queryset.count(), "removed": removed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Revoke all API tokens"), permissions=["change"])
    def revoke_api_tokens(self, request, queryset):
        count = tokens_revoke(
            ApiToken.objects.filter(user__in=queryset),
            reason=TokenRevoked.ADMIN,
            now=timezone.now(),
        )
        self.message_user(
            request,
            ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", count) % {"n": count},
            messages.SUCCESS,
        )


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, UserAdmin)


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
