"""The broker options the settings give each kind of broker: the embedded broker a worker
of ``make run`` connects to accepts them, and Redis gets its visibility timeout."""

from __future__ import annotations

from kombu import Connection

from claimdesk.env import broker_transport_options


def test_the_embedded_broker_accepts_the_options_the_settings_give_it(tmp_path):
    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    options = broker_transport_options(url, 120)
    with Connection(url, transport_options=options) as conn:
        # declaring the queue opens the engine: an unknown keyword raises TypeError there
        queue = conn.SimpleQueue("claimdesk-options")
        queue.put({"n": 1})
        message = queue.get(timeout=5)
        assert message.payload == {"n": 1}
        message.ack()
        queue.close()


def test_redis_and_sqs_redeliver_after_the_visibility_timeout_rabbitmq_on_disconnect():
    assert broker_transport_options("redis://127.0.0.1:6379/0", 120) == {"visibility_timeout": 120}
    assert broker_transport_options("sqs://", 90) == {"visibility_timeout": 90}
    assert broker_transport_options("amqp://guest@127.0.0.1//", 120) == {}
