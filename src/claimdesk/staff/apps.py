from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "claimdesk.staff"
    verbose_name = _("Staff")

    def ready(self) -> None:
        # Not limited to this app's signal: the permissions of later apps (cases) only
        # exist once their own post_migrate has run. roles_ensure is idempotent.
        post_migrate.connect(_ensure_roles_after_migrate, dispatch_uid="claimdesk-roles")
        # Work permissions come from roles only (segregation of duties).
        from claimdesk.staff.access import install

        install()


def _ensure_roles_after_migrate(**kwargs) -> None:
    from claimdesk.staff.services import roles_ensure

    roles_ensure(using=kwargs.get("using", "default"))
