"""The broker transports as reportal configures them (reportal/celery.py), against real servers: a Redis worker
whose connection was lost does not die restoring or acknowledging its messages, and they come back later; the
embedded SQLite broker deletes what it delivers."""

from __future__ import annotations

import sqlite3

import redis
from kombu import Connection, Exchange, Producer, Queue

import reportal.celery  # noqa: F401 - installs the transport fixes

QUEUE = Queue("celery", Exchange("celery"), "celery")


def _publish_and_take(connection: Connection):
    channel = connection.channel()
    Producer(channel).publish({"task": "x"}, exchange=QUEUE.exchange, routing_key="celery", declare=[QUEUE])
    message = QUEUE(channel).get(no_ack=False)
    assert message is not None and message.payload == {"task": "x"}
    return channel, message


def test_a_redis_channel_that_lost_its_connection_does_not_crash_restoring_unacked_messages(private_redis) -> None:
    channel, _message = _publish_and_take(Connection(private_redis.url(0)))
    # What a worker's lost connection leaves: the channel's pools dropped, the connection's client gone. kombu's
    # own restore then raises AttributeError: 'NoneType' object has no attribute 'hostname', and the worker exits.
    channel._disconnect_pools()
    channel.connection.client = None
    channel.qos.restore_unacked()

    server = redis.Redis.from_url(private_redis.url(0))
    assert server.hlen("unacked") == 1  # kept, not lost
    with Connection(private_redis.url(0), transport_options={"visibility_timeout": 0}) as later:
        worker = later.channel()
        worker.qos.restore_visible(num=10, interval=1)
        again = QUEUE(worker).get(no_ack=True)
        assert again is not None and again.payload == {"task": "x"}


def test_a_task_that_finishes_after_the_connection_was_lost_does_not_crash_acknowledging(private_redis) -> None:
    channel, message = _publish_and_take(Connection(private_redis.url(0)))
    # What a lost connection leaves on the old channel: no pools, no connection. kombu's ack then raises
    # AttributeError: 'NoneType' object has no attribute 'client' inside the worker's loop, and the worker exits.
    channel._disconnect_pools()
    channel.connection = None
    message.ack()

    server = redis.Redis.from_url(private_redis.url(0))
    assert server.hlen("unacked") == 1  # still owed: Redis gives it to a worker again after the visibility timeout
    with Connection(private_redis.url(0), transport_options={"visibility_timeout": 0}) as later:
        worker = later.channel()
        worker.qos.restore_visible(num=10, interval=1)
        again = QUEUE(worker).get(no_ack=True)
        assert again is not None and again.payload == {"task": "x"}


def test_the_embedded_broker_deletes_each_message_it_delivers(tmp_path) -> None:
    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    with Connection(url) as connection:
        channel, message = _publish_and_take(connection)
        message.ack()
        channel.close()
    with sqlite3.connect(tmp_path / "broker.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM kombu_message").fetchone()[0] == 0
