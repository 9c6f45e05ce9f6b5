"""Types every app may import: who acts, and the request an authenticated page or API call has.

Nothing here is imported at run time from Django's auth app, so any module (rules included)
can use these names without an import cycle or a ready app registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from typing_extensions import TypeIs

# The person an action is done by: always a signed-in user (the project's AUTH_USER_MODEL).
# The page and API edge narrows ``request.user`` to it; ``Actor | None`` is "the system".
Actor: TypeAlias = "User"

# Whoever looks at a page: signed in or not. Visibility checks take this, actions take Actor.
Viewer: TypeAlias = "User | AnonymousUser"


class AuthedRequest(HttpRequest):
    """A request behind ``login_required`` or the API's authentication: ``user`` is an Actor."""

    user: User


def signed_in(user: Viewer | None) -> TypeIs[Actor]:
    """Is ``user`` a signed-in person? Narrows a Viewer to an Actor for the type checker."""
    return user is not None and user.is_authenticated
