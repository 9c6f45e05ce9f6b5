"""Segregation of duties: a work permission is held only through a role that names it.

A *work permission* is one a model declares in its ``Meta.permissions`` (decide a claim,
execute a payment, decide underwriting, release a held message, …) other than the admin
role's own oversight (``view_all_cases``, ``reassign_case``). Whether someone holds one is
read from ``staff.roles.ROLE_PERMISSIONS`` and the person's roles, and from nothing else:
not from permission rows added to a group or a user in the Django admin, and not from
superuser status, which keeps its meaning for configuration only. So the administrator,
who manages users and roles, pays or approves only when given the business role too, and
that grant is recorded (``staff.RoleGrant``).

``install`` makes ``User.has_perm`` answer this way, so every check (services, views,
templates' ``perms``) reads the same rule.
"""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import PermissionsMixin

from claimdesk.staff.roles import ROLE_PERMISSIONS, Role, role_work_permissions

_django_has_perm = PermissionsMixin.has_perm


@cache
def work_permissions() -> frozenset[str]:
    """Every work permission of the installed apps, as ``app_label.codename``."""
    declared = {
        f"{model._meta.app_label}.{codename}"
        for model in apps.get_models()
        for codename, _label in model._meta.permissions
    }
    return frozenset(declared - set(ROLE_PERMISSIONS[Role.ADMIN]))


def business_roles() -> frozenset[Role]:
    """The roles that hold a work permission (every one but admin's)."""
    work = work_permissions()
    return frozenset(r for r, perms in ROLE_PERMISSIONS.items() if work & set(perms))


def holds_work_permission(user, permission: str) -> bool:
    """Whether ``user``'s roles give them ``permission`` (active accounts only)."""
    from claimdesk.staff.services import user_roles

    if not (user.is_active and user.is_authenticated):
        return False
    return permission in role_work_permissions(frozenset(user_roles(user)))


def _has_perm(self, perm: str, obj=None) -> bool:
    if perm in work_permissions():
        return obj is None and holds_work_permission(self, perm)
    return _django_has_perm(self, perm, obj)


def install() -> None:
    """Make the user model's ``has_perm`` read work permissions from roles only."""
    get_user_model().has_perm = _has_perm  # type: ignore[method-assign]
