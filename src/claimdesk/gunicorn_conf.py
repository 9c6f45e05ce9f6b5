"""gunicorn settings of ``claimdesk run`` (``--config python:claimdesk.gunicorn_conf``)."""

import threading


def post_worker_init(worker):
    """Start loading the slow components (the assistant's model and vectors) as this worker
    starts, in a thread: the worker serves pages meanwhile, and a question that comes before
    the load is done waits only for the rest of it. Not before accepting requests: on a
    loaded machine that held the first page back by minutes and past gunicorn's timeout."""
    from django.db import connections

    from claimdesk.warmup import WEB, warm_up

    def run():
        try:
            warm_up(WEB)
        finally:
            connections.close_all()  # this thread's; requests open their own

    threading.Thread(target=run, name="warm-up", daemon=True).start()
