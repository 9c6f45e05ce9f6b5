"""Browser tests: Playwright's sync API driving Debian's chromium against ``live_server``.

No browser here means a skip with the reason, unless CLAIMDESK_REQUIRE_BROWSER=1 (CI), where it
means a failure: CI must never pass by skipping the browser.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio loop in this thread; Django would otherwise refuse
# ORM calls from fixtures and tests ("You cannot call this from an async context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"


def _no_browser(reason: str):
    if os.environ.get("CLAIMDESK_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (CLAIMDESK_REQUIRE_BROWSER=1: browser tests must run)")
    pytest.skip(f"{reason}; install Debian's chromium (apt-get install chromium) to run them")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _no_browser(f"browser tests need {CHROMIUM}, which is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - it is a dev dependency
        _no_browser("the playwright package is not installed")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser profile per test, as a user in Shanghai with a Chinese browser."""
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 860}
    )
    from playwright.sync_api import expect

    page = context.new_page()
    page.set_default_timeout(20_000)
    # Assertions wait as long as actions: on a loaded machine a first answer (the assistant
    # loading its model, WeasyPrint its fonts) can take longer than Playwright's 5 s.
    expect.set_options(timeout=20_000)
    yield page
    context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
