"""Browser tests: Playwright's sync API driving Debian's chromium against ``live_server``.

No browser here means a skip with the reason, unless CLAIMDESK_REQUIRE_BROWSER=1 (CI), where it
means a failure: CI must never pass by skipping the browser.

Built to hold on a loaded machine: the live server loads its slow components (the assistant's
model, the OCR engine) and answers a page before the first test; every wait is for a
condition, with room for a slow machine; and a test's tables are flushed only once the
server has finished the requests that test started.
"""

import os
import threading
import time
import urllib.error
import urllib.request
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
# How long an action or an assertion may wait for its condition: a page that takes 1 s on an
# idle machine takes many times that at load 10, and a wait ends as soon as the page is there.
WAIT_MS = 60_000
READY_S = 120  # the live server's first page, and its last requests after a test


def _no_browser(reason: str):
    if os.environ.get("CLAIMDESK_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (CLAIMDESK_REQUIRE_BROWSER=1: browser tests must run)")
    pytest.skip(f"{reason}; install Debian's chromium (apt-get install chromium) to run them")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class InFlight:
    """WSGI wrapper counting the live server's requests that have not finished (their
    response closed): a test's teardown waits for none, so the flush of its tables never
    runs under a request still writing to them."""

    def __init__(self, app):
        self.app = app
        self.count = 0
        self.changed = threading.Condition()

    def __call__(self, environ, start_response):
        with self.changed:
            self.count += 1
        try:
            result = self.app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return _Closing(result, self._done)

    def _done(self) -> None:
        with self.changed:
            self.count -= 1
            self.changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.count == 0, timeout)


class _Closing:
    """The response as the server iterates it; ``close`` (after the last byte, when
    Django's request_finished runs) marks the request done, once."""

    def __init__(self, result, done):
        self.result = result
        self.done = done

    def __iter__(self):
        return iter(self.result)

    def close(self) -> None:
        try:
            if hasattr(self.result, "close"):
                self.result.close()
        finally:
            done, self.done = self.done, None
            if done:
                done()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status == 200
    except urllib.error.HTTPError:
        return False
    except OSError:
        return False


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server, django_db_blocker):
    """pytest-django's live server, counting its requests in flight, with its slow
    components loaded and its login page answering before the first test uses it. After the
    test database exists (the warm-up reads the knowledge base, the login page a session)."""
    from claimdesk.warmup import warm_up

    httpd = live_server.thread.httpd
    live_server.in_flight = InFlight(httpd.get_app())
    httpd.set_app(live_server.in_flight)
    with django_db_blocker.unblock():  # for this thread and the server's
        warm_up()  # the server thread shares this process: one load serves every test
        deadline = time.monotonic() + READY_S
        while not _answers(f"{live_server.url}/login/"):
            if time.monotonic() > deadline:
                pytest.fail(f"the live server did not answer /login/ within {READY_S} s")
            time.sleep(0.2)  # polling a condition, not waiting a fixed time
    return live_server


@pytest.fixture(autouse=True)
def _server_quiet_before_flush(request):
    """After each browser test (its page closed first), wait until the live server has
    finished every request before pytest-django flushes the tables. Set up after the database
    fixture (an autouse fixture of this directory), so torn down before it."""
    if "live_server" not in request.fixturenames:
        yield
        return
    server = request.getfixturevalue("live_server")
    yield
    if not server.in_flight.wait_idle(READY_S):
        pytest.fail(
            f"the live server still had {server.in_flight.count} requests after {READY_S} s"
        )


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
    page.set_default_timeout(WAIT_MS)
    page.set_default_navigation_timeout(WAIT_MS)
    # Assertions wait as long as actions (Playwright's own 5 s is an idle machine's figure).
    expect.set_options(timeout=WAIT_MS)
    yield page
    context.close()  # no new requests from this test; the fixture above waits for the rest


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
