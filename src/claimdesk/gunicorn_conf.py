"""gunicorn settings of ``claimdesk run`` (``--config python:claimdesk.gunicorn_conf``)."""

import threading


def post_worker_init(worker):
    """Warm the slow components before this worker accepts its first request. In a thread,
    with the main thread telling the arbiter it is alive: on a loaded machine the load may
    take longer than gunicorn's worker timeout, and the worker must not be killed for it."""
    from django.db import connections

    from claimdesk.warmup import WEB, warm_up

    done = threading.Event()

    def run():
        try:
            warm_up(WEB)
        finally:
            connections.close_all()  # this thread's; requests open their own
            done.set()

    threading.Thread(target=run, name="warm-up", daemon=True).start()
    while not done.wait(1.0):
        worker.notify()
