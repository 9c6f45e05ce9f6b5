"""A Content-Security-Policy on every response: scripts and styles only from the site itself.

Every script and style sheet of the pages is a static file (htmx included); the few inline
``<script>``/``<style>`` elements carry the response's nonce (``{{ csp_nonce }}`` in a
template, from the ``nonce`` context processor). No inline event handlers, no ``eval``:
htmx's ``hx-on`` attributes and its injected indicator style are not used (see
``web/site.js``). A response that sets its own policy (the white paper, a self-contained
document) keeps it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

HEADER = "Content-Security-Policy"


def policy(nonce: str) -> str:
    """The site's policy for a response whose inline elements carry ``nonce``."""
    directives = [
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src 'self' 'nonce-{nonce}'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    if settings.CLAIMDESK_CSP_REPORT_URI:
        directives.append(f"report-uri {settings.CLAIMDESK_CSP_REPORT_URI}")
    return "; ".join(directives)


class ContentSecurityPolicyMiddleware:
    """Gives each request a fresh nonce and each response the site's policy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        value = secrets.token_urlsafe(16)
        request.csp_nonce = value  # type: ignore[attr-defined]
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = policy(value)
        return response


def nonce(request: HttpRequest) -> dict[str, object]:
    """Template context: ``csp_nonce`` for an inline ``<script>`` or ``<style>``."""
    return {"csp_nonce": SimpleLazyObject(lambda: getattr(request, "csp_nonce", ""))}
