"""``claimdesk run``: what it starts, how it stops, and a real start against a scratch var dir."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management.base import CommandError

from claimdesk.web.management.commands.run import Command


def sleeper(seconds: float = 60) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", f"import time; time.sleep({seconds})"])


def test_the_worker_runs_beat_on_the_configured_broker():
    command = Command()._worker_command()
    assert command[1:6] == ["-m", "celery", "-A", "claimdesk", "worker"]
    assert "--beat" in command and "--pool=solo" in command
    schedule = command[command.index("--schedule") + 1]
    assert Path(schedule) == Path(settings.VAR_DIR) / "celerybeat-schedule"


def test_gunicorn_serves_the_wsgi_app_on_the_chosen_address():
    command = Command()._web_command({"host": "127.0.0.1", "port": 8123, "workers": 3})
    assert command[1:4] == ["-m", "gunicorn", "claimdesk.wsgi:application"]
    assert command[command.index("--bind") + 1] == "127.0.0.1:8123"
    assert command[command.index("--workers") + 1] == "3"
    # Its workers load the assistant's model as they start, not on the first question.
    assert command[command.index("--config") + 1] == "python:claimdesk.gunicorn_conf"


def test_when_one_child_dies_the_other_is_stopped_and_the_command_fails():
    worker = sleeper()
    web = subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(3)"])
    with pytest.raises(CommandError, match="web process exited with status 3"):
        Command(stdout=StringIO())._supervise({"worker": worker, "web": web})
    assert worker.poll() is not None


def test_sigterm_stops_both_children_cleanly():
    children = {"worker": sleeper(), "web": sleeper()}
    out = StringIO()
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        Command(stdout=out)._supervise(children)
    finally:
        timer.cancel()
    assert all(p.poll() is not None for p in children.values())
    assert "Stopped." in out.getvalue()
    assert signal.getsignal(signal.SIGTERM) is not None  # the previous handler is back


@pytest.mark.django_db
def test_demo_data_is_loaded_only_when_absent_and_never_in_production(agent1, monkeypatch):
    out = StringIO()
    Command(stdout=out)._demo_once(skip=False)
    assert "Demo data present" in out.getvalue()
    monkeypatch.setenv("CLAIMDESK_INSECURE_DEV", "0")
    out = StringIO()
    Command(stdout=out)._demo_once(skip=False)
    assert "no demo data" in out.getvalue()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(predicate, timeout: float, what: str, proc: subprocess.Popen, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc.poll() is not None:
            break
        time.sleep(0.3)
    pytest.fail(f"{what} (exit {proc.poll()}); log:\n{log.read_text()[-4000:]}")


def test_run_serves_pages_and_the_embedded_beat_delivers_the_sweep(tmp_path):
    """The real thing: migrate, gunicorn, a worker with beat on the SQLite broker."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BROKER_URL")} | {
        "CLAIMDESK_VAR_DIR": str(tmp_path),
        "CLAIMDESK_SWEEP_SECONDS": "1",
    }
    log = tmp_path / "run.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "claimdesk.cli", "run", "--no-demo", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:

        def login_page_ok() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as r:
                    return r.status == 200 and "登录" in r.read().decode()
            except OSError:
                return False

        _wait_for(login_page_ok, 90, "the login page never answered", proc, log)
        # The command says so itself, once its own probe has had an answer.
        ready = f"ready: http://127.0.0.1:{port}/"
        _wait_for(lambda: ready in log.read_text(), 90, "no ready line", proc, log)

        def swept() -> bool:
            text = log.read_text()
            return "claimdesk.cases.tasks.deadline_sweep" in text and "succeeded" in text

        _wait_for(swept, 90, "beat's deadline_sweep never succeeded", proc, log)
        # The web workers loaded the assistant at start (in the background: pages came first).
        warmed = "warmed up: assistant"
        _wait_for(lambda: warmed in log.read_text(), 300, "no web worker warmed up", proc, log)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = log.read_text()
    steps = ["migrating the database", "starting the Celery worker", "starting the web server"]
    assert all(step in text for step in steps)
    assert "Stopped." in text
    assert (tmp_path / "broker.sqlite3").exists()
