"""Writes for staff: roles (groups and their permissions) and user accounts."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from claimdesk.staff.licences import Need
from claimdesk.staff.lockout import LoginLocked, locked_out, login_succeeded
from claimdesk.staff.models import ApiToken, Certification, RoleGrant, StaffProfile, TokenRevoked
from claimdesk.staff.roles import ADMIN_APPS, ROLE_PERMISSIONS, STAFF_ROLES, Role
from claimdesk.types import Actor, Viewer

User = get_user_model()


def _configuration_permissions(using: str) -> list[Permission]:
    """The Django admin's add/change/delete/view of the admin apps' models and of users and
    groups: configuration, never a work permission (``staff.access``)."""
    from django.apps import apps

    codenames: set[tuple[str, str]] = set()
    for label in (*ADMIN_APPS, "auth"):
        for model in apps.get_app_config(label).get_models():
            for action in model._meta.default_permissions:
                codenames.add((label, f"{action}_{model._meta.model_name}"))
    rows = (
        Permission.objects.using(using)
        .filter(content_type__app_label__in=(*ADMIN_APPS, "auth"))
        .select_related("content_type")
    )
    return [p for p in rows if (p.content_type.app_label, p.codename) in codenames]


def roles_ensure(*, using: str = "default") -> None:
    """Create the role groups and give them exactly their permissions (idempotent): the
    admin group loses any work permission an earlier version gave it."""
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role.value)
        wanted: list[Permission] = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            wanted.extend(
                Permission.objects.using(using).filter(
                    content_type__app_label=app_label, codename=codename
                )
            )
        if role is Role.ADMIN:
            wanted.extend(_configuration_permissions(using))
        group.permissions.set(wanted)


# --- who holds which role: every change recorded ---------------------------------------------

_granted_by: ContextVar[Actor | None] = ContextVar("claimdesk_role_granted_by", default=None)


@contextmanager
def granting_as(actor: Actor | None) -> Iterator[None]:
    """Role changes made inside are recorded as ``actor``'s (the admin's user form, a
    service called on someone's behalf); outside, as the system's."""
    token = _granted_by.set(actor)
    try:
        yield
    finally:
        _granted_by.reset(token)


def _record_role_changes(users: Iterable, roles: Iterable[str], *, granted: bool) -> None:
    from claimdesk.staff.access import business_roles

    business = {r.value for r in business_roles()}
    by = _granted_by.get()
    now = timezone.now()
    RoleGrant.objects.bulk_create(
        RoleGrant(
            user=user,
            username=user.username,
            role=role,
            granted=granted,
            business=role in business,
            by=by if by is not None and by.pk else None,
            by_username=by.username if by is not None else "",
            at=now,
        )
        for user in users
        for role in sorted(roles)
    )


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="claimdesk-role-grants")
def _role_grants(sender, instance, action, reverse, model, pk_set, using, **kwargs) -> None:
    """Every change of a person's groups, forward (``user.groups``) or reverse
    (``group.user_set``), add, remove or clear, leaves its ``RoleGrant`` rows."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    granted = action == "post_add"
    if reverse:  # instance is the group, pk_set the users
        if action == "pre_clear":
            users = list(instance.user_set.using(using).all())
        else:
            users = list(User.objects.using(using).filter(pk__in=pk_set or ()))
        _record_role_changes(users, [instance.name], granted=granted)
    else:
        if action == "pre_clear":
            names = list(instance.groups.using(using).values_list("name", flat=True))
        else:
            names = list(
                Group.objects.using(using)
                .filter(pk__in=pk_set or ())
                .values_list("name", flat=True)
            )
        _record_role_changes([instance], names, granted=granted)


@transaction.atomic
def role_grant(*, user, role: Role, by: Actor | None) -> None:
    """Give ``user`` a further role (an administrator who must also pay: finance);
    recorded with ``by``. Giving a role held already records nothing."""
    with granting_as(by):
        user.groups.add(Group.objects.get(name=role.value))


@transaction.atomic
def role_revoke(*, user, role: Role, by: Actor | None) -> None:
    """Take a role from ``user``; recorded with ``by``."""
    with granting_as(by):
        user.groups.remove(Group.objects.get(name=role.value))


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: Role,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    manager: Actor | None = None,
    team: str = "",
    branch: str = "",
    region: str = "",
    approval_limit: Decimal | None = None,
    reserve_limit: Decimal | None = None,
    by: Actor | None = None,
):
    """A user in one role; staff get a profile (and Django admin access for admins).
    The role is recorded as granted by ``by`` (None: the system)."""
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=role is Role.ADMIN,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    with granting_as(by):
        user.groups.add(Group.objects.get(name=role.value))
    if role in STAFF_ROLES:
        StaffProfile.objects.create(
            user=user,
            manager=manager,
            team=team,
            branch=branch,
            region=region,
            approval_limit=approval_limit,
            reserve_limit=reserve_limit,
        )
    return user


# A reader of the owner's team and branch (analytics' day counts) is told when a member of
# staff moves: (user id, (team, branch) before, (team, branch) after).
PlaceReader = Callable[[int, tuple[str, str], tuple[str, str]], None]
_PLACE_READERS: list[PlaceReader] = []


def subscribe_place_changed(reader: PlaceReader) -> None:
    """Tell ``reader`` whenever ``profile_move`` moves someone (from an app's ``ready``)."""
    if reader not in _PLACE_READERS:
        _PLACE_READERS.append(reader)


@transaction.atomic
def profile_move(*, profile: StaffProfile, team: str, branch: str) -> StaffProfile:
    """Move a member of staff to another team or branch; what is counted by the owner's
    team follows in the same transaction."""
    locked = StaffProfile.objects.select_for_update().get(pk=profile.pk)
    before = (locked.team or "", locked.branch or "")
    locked.team, locked.branch = team, branch
    locked.save(update_fields=["team", "branch"])
    after = (team or "", branch or "")
    if before != after:
        for reader in _PLACE_READERS:
            reader(locked.user_id, before, after)
    profile.team, profile.branch = locked.team, locked.branch
    return locked


_ROLES_CACHE = "_claimdesk_roles_cache"
_STAFF_ROLE_NAMES = frozenset(r.value for r in STAFF_ROLES)


def user_roles(user: Viewer) -> set[str]:
    """The user's role names, read once per user object (like Django's permission cache:
    a request loads its user afresh; ``user.groups`` changes on this object clear it)."""
    roles = getattr(user, _ROLES_CACHE, None)
    if roles is None:
        roles = frozenset(user.groups.values_list("name", flat=True))
        setattr(user, _ROLES_CACHE, roles)
    return set(roles)


@receiver(m2m_changed, sender=User.groups.through)
def _groups_changed(sender, instance, **kwargs) -> None:
    instance.__dict__.pop(_ROLES_CACHE, None)


def role_pool(role: Role) -> QuerySet:
    """The active people holding ``role`` whom work can be handed to. An account nobody
    signs in as (the straight-through system account holds the roles of the work it does
    itself) is in no pool: it would always look the least loaded."""
    return User.objects.filter(is_active=True, groups__name=role.value).exclude(
        password__startswith=UNUSABLE_PASSWORD_PREFIX
    )


def is_staff_member(user: Viewer) -> bool:
    return user.is_authenticated and (
        user.is_superuser or not _STAFF_ROLE_NAMES.isdisjoint(user_roles(user))
    )


def token_lifetime() -> timedelta:
    """How long a new API token lasts (CLAIMDESK_TOKEN_LIFETIME_HOURS, default 30 days)."""
    return timedelta(hours=settings.CLAIMDESK_TOKEN_LIFETIME_HOURS)


TOKEN_PREFIX_CHARS = 8


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_issue(
    *, username: str, password: str, now: datetime, request: HttpRequest | None = None
) -> str | None:
    """A new API token for valid credentials, else None (no hint which part was wrong).

    The login counts towards the lockout like the login page's (``request`` gives the
    address; a caller on the server without one is counted under no address); a
    locked-out login raises ``LoginLocked``, even with the right password.
    """
    if request is None:
        request = HttpRequest()
    user = authenticate(request, username=username, password=password)
    if locked_out(request):
        raise LoginLocked()
    if user is None or not user.is_active:
        return None
    login_succeeded(request, username)
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        digest=_digest(token),
        prefix=token[:TOKEN_PREFIX_CHARS],
        created_at=now,
        expires_at=now + token_lifetime(),
    )
    return token


def token_lookup(*, token: str, now: datetime) -> ApiToken | None:
    """The live token row (not expired, not revoked, its user active) for a bearer token,
    else None; its user is loaded with it."""
    row = (
        ApiToken.objects.select_related("user")
        .filter(
            digest=_digest(token),
            expires_at__gt=now,
            revoked_at__isnull=True,
            user__is_active=True,
        )
        .first()
    )
    if row is None:
        return None
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row


def token_user(*, token: str, now: datetime):
    """The active user behind a bearer token that has not expired nor been revoked, else None."""
    row = token_lookup(token=token, now=now)
    return None if row is None else row.user


def tokens_revoke(tokens: QuerySet[ApiToken], *, reason: TokenRevoked, now: datetime) -> int:
    """Revoke the live tokens among ``tokens`` (already revoked ones keep their first
    reason); how many were revoked."""
    return tokens.filter(revoked_at__isnull=True).update(revoked_at=now, revoked_reason=reason)


def user_tokens_revoke(user_id: int, *, reason: TokenRevoked, now: datetime) -> int:
    """Revoke every live token of one user."""
    return tokens_revoke(ApiToken.objects.filter(user_id=user_id), reason=reason, now=now)


@receiver(pre_save, sender=User)
def _credentials_changing(sender, instance, update_fields=None, raw=False, **kwargs) -> None:
    """A new password or a deactivation ends the user's API tokens (read before the save:
    what changes is known only against the stored row)."""
    instance.__dict__.pop("_claimdesk_revoke", None)
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return
    stored = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if stored is None:
        return
    if stored["is_active"] and not instance.is_active:
        instance.__dict__["_claimdesk_revoke"] = TokenRevoked.DEACTIVATED
    elif stored["password"] != instance.password:
        instance.__dict__["_claimdesk_revoke"] = TokenRevoked.PASSWORD


@receiver(post_save, sender=User)
def _credentials_changed(sender, instance, created=False, raw=False, **kwargs) -> None:
    reason = instance.__dict__.pop("_claimdesk_revoke", None)
    if reason is not None and not created and not raw:
        user_tokens_revoke(instance.pk, reason=reason, now=timezone.now())


# --- certifications and training -----------------------------------------------------------


def certificate_valid(user: Actor, code: str, on: date, grade: int = 0) -> bool:
    """Whether ``user`` holds certificate ``code`` (of at least ``grade``) valid on day
    ``on`` (issued, not expired).

    The gate for work that needs a certificate (``cases.services.task_assign``,
    ``cases.licences.licence_gate``): an expired certificate counts as none.
    """
    if not getattr(user, "pk", None) or not code:
        return False
    return Certification.objects.filter(
        user=user, code=code, grade__gte=grade, issued_on__lte=on, expires_on__gte=on
    ).exists()


def certified_user_ids(code: str, on: date, grade: int = 0) -> set[int]:
    """Ids of everyone holding a valid ``code`` certificate (of at least ``grade``) on
    ``on`` (one query for a pool)."""
    return set(
        Certification.objects.filter(
            code=code, grade__gte=grade, issued_on__lte=on, expires_on__gte=on
        )
        .values_list("user_id", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class Lapse:
    """A certificate an act needs that ``user`` lacks on the day: ``expired_on`` is the
    last day of the one they held (None: they never held one good enough)."""

    need: Need
    expired_on: date | None


def licence_lapses(user: Actor, needs: Iterable[Need], on: date) -> list[Lapse]:
    """What ``user`` lacks for an act on day ``on``, each with the expiry of the certificate
    that lapsed, if one did."""
    lapses = []
    for need in needs:
        if certificate_valid(user, need.code, on, need.grade):
            continue
        expired = (
            Certification.objects.filter(
                user=user, code=need.code, grade__gte=need.grade, expires_on__lt=on
            )
            .order_by("-expires_on")
            .values_list("expires_on", flat=True)
            .first()
        )
        lapses.append(Lapse(need, expired))
    return lapses


def certification_grant(
    *, user: Actor, code: str, name: str, issued_on: date, expires_on: date, grade: int = 0
) -> Certification:
    """Record a certificate someone obtained (admin or HR); the dates are checked."""
    cert = Certification(
        user=user, code=code, name=name, issued_on=issued_on, expires_on=expires_on, grade=grade
    )
    cert.full_clean()
    cert.save()
    return cert
