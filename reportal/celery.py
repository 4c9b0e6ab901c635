"""The Celery app: one for web and workers; the broker comes from CELERY_BROKER_URL.

The embedded broker (`sqla+sqlite:///...`) goes through kombu's SQLAlchemy transport, which never deletes a
message: its `_get` only marks the row `visible = False`, and acknowledgements of its virtual transport live in
the worker's memory, so nothing ever removes the row (the table grows by one row per task, forever). The
transport below deletes the row in the same transaction that takes it. That loses nothing that was not already
lost: a message taken by a worker that is then killed is gone with that worker's memory either way, which is
why every hand-off is also swept from its outbox by beat.
"""

from __future__ import annotations

import logging
import os
from json import loads
from queue import Empty
from typing import Any

import kombu.transport
from celery import Celery
from kombu.transport import sqlalchemy as kombu_sqlalchemy
from kombu.utils.encoding import bytes_to_str
from sqlalchemy import text

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportal.settings")
logger = logging.getLogger(__name__)


class DeletingSQLAlchemyChannel(kombu_sqlalchemy.Channel):
    """kombu's SQLAlchemy channel, but a consumed message is deleted instead of hidden."""

    _swept: set[str] = set()

    def _open(self) -> Any:
        engine, session_class = super()._open()
        hostname = self.connection.client.hostname
        if hostname not in self._swept:
            # Rows hidden by the stock transport (or by an earlier version of this one) are consumed messages.
            self._swept.add(hostname)
            with engine.begin() as connection:
                hidden = text(f"DELETE FROM {self.message_tablename} WHERE visible = :hidden")  # noqa: S608
                connection.execute(hidden, {"hidden": False})
        return engine, session_class

    def _get(self, queue: Any, timeout: Any = None) -> Any:
        obj = self._get_or_create(queue)
        if self.session.bind.name == "sqlite":
            self.session.execute(text("BEGIN IMMEDIATE TRANSACTION"))
        try:
            message_cls = self.message_cls
            msg = (
                self.session.query(message_cls)
                .with_for_update()
                .filter(message_cls.queue_id == obj.id)
                .filter(message_cls.visible != False)  # noqa: E712 - a SQL expression, not a comparison
                .order_by(message_cls.sent_at)
                .order_by(message_cls.id)
                .limit(1)
                .first()
            )
            if msg is None:
                raise Empty()
            payload = loads(bytes_to_str(msg.payload))
            self.session.delete(msg)
            return payload
        finally:
            self.session.commit()


class DeletingSQLAlchemyTransport(kombu_sqlalchemy.Transport):
    Channel = DeletingSQLAlchemyChannel


def _guard_redis_qos() -> None:
    """kombu's Redis QoS keeps each delivered, unacknowledged message in Redis (the unacked index) and in the
    worker's memory. After a lost connection the old channel has dropped its pools and its connection (or the
    connection its client), and three of its calls then fail with AttributeError ("'NoneType' object has no
    attribute 'hostname'" or "... 'client'", from `_connparams`): putting unacknowledged messages back when the
    channel closes, and the ack or reject of a task that finished meanwhile. Raised inside the worker's event loop,
    that is an "Unrecoverable error" and the worker exits (seen in tests/drills under load, threads pool).

    Here those calls give up instead, forgetting the message in this process only: it stays in Redis's unacked
    index, where `restore_visible` of any worker puts it back after the visibility timeout (a task that already ran
    runs again, which the idempotent tasks allow), and the hand-off sweeps re-send undone work long before that."""
    from kombu.transport import redis as kombu_redis
    from kombu.transport import virtual

    qos = kombu_redis.QoS
    if getattr(qos, "_reportal_guarded", False):
        return
    errors = (AttributeError, *kombu_redis.get_redis_error_classes()[0])
    original_restore, original_ack, original_reject = qos.restore_unacked, qos.ack, qos.reject

    def gave_up(what: str, count: int, exc: BaseException) -> None:
        logger.warning(
            "Redis: could not %s %s message(s) on a lost connection (%s); Redis puts them back after the visibility "
            "timeout, and the sweeps re-send undone hand-offs.",
            what,
            count,
            type(exc).__name__,
        )

    def restore_unacked(self: Any, client: Any = None) -> None:
        try:
            original_restore(self, client)
        except errors as exc:
            gave_up("put back", len(self._delivered), exc)
            self._delivered.clear()

    def ack(self: Any, delivery_tag: Any) -> None:
        try:
            original_ack(self, delivery_tag)
        except errors as exc:
            gave_up("acknowledge", 1, exc)
            virtual.QoS.ack(self, delivery_tag)

    def reject(self: Any, delivery_tag: Any, requeue: bool = False) -> None:
        try:
            original_reject(self, delivery_tag, requeue=requeue)
        except errors as exc:
            gave_up("reject", 1, exc)
            virtual.QoS.ack(self, delivery_tag)

    qos.restore_unacked = restore_unacked  # type: ignore[method-assign]
    qos.ack = ack  # type: ignore[method-assign]
    qos.reject = reject  # type: ignore[method-assign]
    qos._reportal_guarded = True  # type: ignore[attr-defined]


_guard_redis_qos()

# `sqla+sqlite:///...` (and `sqlalchemy+...`) resolve to the transport above in every process that loads the app.
kombu.transport.TRANSPORT_ALIASES["sqla"] = "reportal.celery:DeletingSQLAlchemyTransport"
kombu.transport.TRANSPORT_ALIASES["sqlalchemy"] = "reportal.celery:DeletingSQLAlchemyTransport"
kombu.transport._transport_cache.pop("sqla", None)
kombu.transport._transport_cache.pop("sqlalchemy", None)

app = Celery("reportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
