from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "claimdesk.staff"
    default = True  # this module also holds the lockout app's config
    verbose_name = _("Staff")

    def ready(self) -> None:
        # Not limited to this app's signal: the permissions of later apps (cases) only
        # exist once their own post_migrate has run. roles_ensure is idempotent.
        post_migrate.connect(_ensure_roles_after_migrate, dispatch_uid="claimdesk-roles")
        # Connects the receivers that end a user's API tokens on a new password or a
        # deactivation, whichever way the user is saved (admin, changepassword, shell).
        from claimdesk.staff import services  # noqa: F401

        # Work permissions come from roles only (segregation of duties).
        from claimdesk.staff.access import install

        install()


def _ensure_roles_after_migrate(**kwargs) -> None:
    from claimdesk.staff.services import roles_ensure

    roles_ensure(using=kwargs.get("using", "default"))


class LoginLockoutConfig(AxesAppConfig):
    """django-axes (failed logins and lockouts) under a name the admin shows in Chinese."""

    verbose_name = _("Login lockouts")
