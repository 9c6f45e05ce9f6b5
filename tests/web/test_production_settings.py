"""Production settings from the environment: `check --deploy` clean, a weak key refused,
the proxy's HTTPS header trusted only when named, and a Content-Security-Policy on every
page whose inline elements carry its nonce."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from claimdesk.env import secret_key_weakness

SRC = Path(__file__).resolve().parents[2] / "src"


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CLAIMDESK_", "DJANGO_"))}
    clean.update(
        PYTHONPATH=str(SRC),
        CLAIMDESK_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env,
    )
    return subprocess.run(
        [sys.executable, *args], env=clean, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {
    "CLAIMDESK_INSECURE_DEV": "0",
    "CLAIMDESK_ALLOWED_HOSTS": "claims.example.com",
    "CLAIMDESK_PROXY_SSL_HEADER": "X-Forwarded-Proto",
}


def test_the_deployment_check_is_clean_with_production_values(tmp_path):
    key = secrets.token_urlsafe(50)
    done = _run(
        ["-m", "claimdesk.cli", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        CLAIMDESK_SECRET_KEY=key,
        **PRODUCTION,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
    assert "security." not in done.stdout + done.stderr


def test_without_production_values_the_check_names_what_is_missing(tmp_path):
    done = _run(["-m", "claimdesk.cli", "check", "--deploy"], tmp_path)
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in done.stdout + done.stderr


@pytest.mark.parametrize("key", ["abc", "a" * 60, "django-insecure-" + "x1y2z3" * 10])
def test_production_refuses_to_start_with_a_weak_secret_key(tmp_path, key):
    done = _run(["-m", "claimdesk.cli", "check"], tmp_path, CLAIMDESK_SECRET_KEY=key, **PRODUCTION)
    assert done.returncode != 0
    assert "CLAIMDESK_SECRET_KEY is too weak for production" in done.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    done = _run(["-m", "claimdesk.cli", "check"], tmp_path, **PRODUCTION)
    assert done.returncode != 0
    assert "CLAIMDESK_SECRET_KEY must be set in production" in done.stderr


def test_the_weakness_of_a_key_is_said_plainly():
    assert secret_key_weakness("abc") == "3 characters, at least 50 are needed"
    assert "different characters" in secret_key_weakness("ab" * 30)
    assert secret_key_weakness(secrets.token_urlsafe(50)) == ""


def _settings(tmp_path, *names: str, **env: str) -> list[str]:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'claimdesk.settings'; "
        "django.setup(); from django.conf import settings; "
        + "; ".join(f"print(repr(getattr(settings, {n!r}, None)))" for n in names)
    )
    done = _run(["-c", code], tmp_path, **env)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_production_turns_https_only_transport_on_and_each_switch_can_turn_it_off(tmp_path):
    names = (
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
    )
    key = secrets.token_urlsafe(50)
    assert _settings(tmp_path, *names, CLAIMDESK_SECRET_KEY=key, **PRODUCTION) == [
        "True",
        "31536000",
        "True",
        "True",
        "('HTTP_X_FORWARDED_PROTO', 'https')",
    ]
    assert _settings(tmp_path, *names) == ["False", "0", "False", "False", "None"]
    off = _settings(
        tmp_path,
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        CLAIMDESK_SECRET_KEY=key,
        CLAIMDESK_SSL_REDIRECT="0",
        CLAIMDESK_HSTS_SECONDS="3600",
        **PRODUCTION,
    )
    assert off == ["False", "3600"]


def test_a_proxy_header_that_is_no_header_name_is_refused(tmp_path):
    done = _run(["-m", "claimdesk.cli", "check"], tmp_path, CLAIMDESK_PROXY_SSL_HEADER="X: y")
    assert done.returncode != 0
    assert "CLAIMDESK_PROXY_SSL_HEADER" in done.stderr


# --- Content-Security-Policy -------------------------------------------------------------


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in header.split("; ")}


def _check_page(response) -> None:
    assert response.status_code == 200
    policy = _policy(response)
    nonce = re.search(r"'nonce-([^']+)'", policy["script-src"]).group(1)
    assert policy["default-src"] == "'self'"
    assert "'unsafe-inline'" not in policy["script-src"] + policy["style-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["frame-ancestors"] == "'none'"
    html = response.content.decode()
    # Every inline script and style carries this response's nonce; no inline handlers.
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", html):
        assert "src=" in tag or f'nonce="{nonce}"' in tag, tag
    assert not re.search(r"\son(change|click|submit|load|input)=", html)
    assert "hx-on" not in html
    assert not re.search(r"<[a-z]+[^>]*\sstyle=", html)


def test_pages_carry_a_strict_policy_with_a_fresh_nonce(client, customer1):
    first = client.get("/login/")
    _check_page(first)
    second = client.get("/login/")
    assert _policy(first)["script-src"] != _policy(second)["script-src"]
    client.force_login(customer1)
    for path in ("/", "/assistant/", "/cases/", "/work/", "/claims/new/"):
        response = client.get(path, follow=True)
        _check_page(response)


def test_the_dashboard_and_its_charts_carry_the_policy(client, manager1):
    client.force_login(manager1)
    response = client.get("/analytics/")
    _check_page(response)
    assert "<svg" in response.content.decode()


def test_api_answers_and_error_pages_carry_the_policy_too(client, customer1):
    assert "default-src 'self'" in client.get("/api/v1/me")["Content-Security-Policy"]
    client.force_login(customer1)
    assert "default-src 'self'" in client.get("/no-such-page/")["Content-Security-Policy"]
