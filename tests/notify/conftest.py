"""A real HTTP server on 127.0.0.1 for the SMS gateway and webhook tests (no mocked transport)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    path: str
    headers: Message  # case-insensitive, as HTTP header names are
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """What the server got, and the statuses it answers with (200 once the list is empty)."""

    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    always: int = 200
    delay: float = 0.0  # seconds each answer takes


@pytest.fixture
def receiver():
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append(Received(self.path, self.headers, body))
            time.sleep(state.delay)
            status = state.statuses.pop(0) if state.statuses else state.always
            payload = b"ok" if status < 300 else b"gateway trouble"
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture(autouse=True)
def _sms_log(settings, tmp_path, monkeypatch):
    """Every test writes its SMS log into its own directory, and no proxy sits in between."""
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    settings.CLAIMDESK_SMS_URL = ""
    settings.CLAIMDESK_SMS_KEY = ""
    settings.CLAIMDESK_SMS_LOG = tmp_path / "sms-outbox.log"
    settings.CLAIMDESK_NOTIFY_TIMEOUT = 5
    settings.CLAIMDESK_NOTIFY_RETRY_SECONDS = 60
    settings.CLAIMDESK_NOTIFY_LEASE_SECONDS = 300
