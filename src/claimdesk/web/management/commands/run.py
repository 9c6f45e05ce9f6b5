"""``claimdesk run``: the whole product on one machine, for ``make run``.

Migrates, loads the demo once, then runs two children side by side: a Celery worker with
an embedded beat (the SLA sweep every minute, notifications) on the broker from the
settings (a SQLite file by default), and gunicorn serving the site. Ctrl-C or SIGTERM stops
both cleanly; if either dies, the other is stopped and the command fails.

Each step prints one line as it starts, and "ready: URL" once the site answers, so a first
start never sits silent. The workers start loading the slow components (the assistant's
model, the OCR engine) as they start (``claimdesk.warmup``), not on a customer's question.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from claimdesk.demo.people import demo_licences_ensure, demo_users_present
from claimdesk.env import envbool

STOP_TIMEOUT = 30.0  # seconds a child gets to finish its work after SIGTERM
PROBE_EVERY = 0.5  # seconds between "does the site answer yet?"


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, Linux only
    """Have the kernel send SIGTERM to the child if the parent dies (even by SIGKILL)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Command(BaseCommand):
    help = (
        "Migrate, load the demo data once, start a Celery worker with beat and serve the "
        "site with gunicorn (Ctrl-C stops everything)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-worker", action="store_true", help="serve only; no Celery worker or beat"
        )
        parser.add_argument("--no-demo", action="store_true", help="never load demo data")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")

    def handle(self, *args, **opts):
        self._started = time.monotonic()
        self._step("migrating the database")
        call_command("migrate", interactive=False, verbosity=0)
        self._demo_once(skip=opts["no_demo"])
        # WhiteNoise serves app static files through the finders; an empty STATIC_ROOT
        # just keeps it from warning that the directory is missing.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)

        children: dict[str, subprocess.Popen] = {}
        if not opts["no_worker"]:
            self._step("starting the Celery worker with beat")
            children["worker"] = self._spawn(self._worker_command())
        self._step(f"starting the web server ({opts['workers']} workers)")
        children["web"] = self._spawn(self._web_command(opts))
        if opts["host"] not in settings.ALLOWED_HOSTS:
            self.stdout.write(
                f"Note: {opts['host']} is not in CLAIMDESK_ALLOWED_HOSTS; set it to the name "
                "clients use."
            )
        self._supervise(children, opts)

    def _elapsed(self) -> str:
        return f"[{time.monotonic() - getattr(self, '_started', time.monotonic()):5.1f} s]"

    def _step(self, text: str) -> None:
        self.stdout.write(f"{self._elapsed()} {text}…")
        self.stdout.flush()

    def _demo_once(self, *, skip: bool) -> None:
        if skip:
            return
        if not envbool("CLAIMDESK_INSECURE_DEV", True):
            self.stdout.write("Production settings (CLAIMDESK_INSECURE_DEV=0): no demo data.")
            return
        present = demo_users_present()
        if present:
            granted = demo_licences_ensure()
            renewed = f"; {granted} demo licences granted or renewed" if granted else ""
            self.stdout.write(f"Demo data present ({len(present)} demo accounts{renewed}).")
            return
        self._step("loading the demo data (first start only)")
        call_command("demo", stdout=self.stdout)

    # --- children ------------------------------------------------------------------------

    def _worker_command(self) -> list[str]:
        schedule = Path(settings.VAR_DIR) / "celerybeat-schedule"
        return [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "claimdesk",
            "worker",
            "--beat",
            "--pool=solo",
            "--loglevel=INFO",
            "--schedule",
            str(schedule),
        ]

    def _web_command(self, opts) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "claimdesk.wsgi:application",
            "--config",
            "python:claimdesk.gunicorn_conf",  # workers load the slow components at start
            "--bind",
            f"{opts['host']}:{opts['port']}",
            "--workers",
            str(opts["workers"]),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
            # No control socket in $HOME: nothing here uses it, and two checkouts would share it.
            "--no-control-socket",
        ]

    def _spawn(self, command: list[str]) -> subprocess.Popen:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "claimdesk.settings"}
        # Own session: a Ctrl-C reaches only this process, which then stops the children
        # in order instead of all of them at once.
        return subprocess.Popen(
            command,
            env=env,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )

    def _supervise(self, children: dict[str, subprocess.Popen], opts=None) -> None:
        """Watch the children until a signal or a death; say "ready" once the site answers
        (``opts`` gives its address; without them nothing is probed)."""
        stopping: list[int] = []

        def on_signal(signum, frame):
            stopping.append(signum)

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        failed = None
        ready = opts is None
        try:
            while not stopping and failed is None:
                for name, proc in children.items():
                    if proc.poll() is not None:
                        failed = (name, proc.returncode)
                        break
                else:
                    if not ready and (ready := self._answers(opts)):
                        self._ready(f"http://{opts['host']}:{opts['port']}/")
                    time.sleep(PROBE_EVERY if not ready else 0.3)
        finally:
            self._stop(children)
            for s, handler in previous.items():
                signal.signal(s, handler)
        if failed is not None:
            name, code = failed
            raise CommandError(f"the {name} process exited with status {code}; stopped the rest")
        self.stdout.write("Stopped.")

    def _answers(self, opts) -> bool:
        """Whether the login page answers (any HTTP status: a 400 for a host name that is
        not allowed is still a server that is up)."""
        host = "127.0.0.1" if opts["host"] in ("0.0.0.0", "::", "") else opts["host"]
        if ":" in host:
            host = f"[{host}]"
        try:
            with urllib.request.urlopen(f"http://{host}:{opts['port']}/login/", timeout=5):
                return True
        except urllib.error.HTTPError:
            return True
        except (OSError, ValueError):
            return False

    def _ready(self, url: str) -> None:
        self.stdout.write(
            self.style.SUCCESS(f"{self._elapsed()} ready: {url}")
            + " (log in as agent1 / demo12345; Ctrl-C stops)"
        )
        self.stdout.flush()

    def _stop(self, children: dict[str, subprocess.Popen]) -> None:
        """SIGTERM to each child (web first, so no new work arrives), then wait, then kill."""
        for proc in reversed(children.values()):
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        for name, proc in children.items():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{name} did not stop in {STOP_TIMEOUT:.0f} s; killing it")
                proc.kill()
                proc.wait()
