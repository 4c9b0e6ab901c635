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


def _guard_redis_restore() -> None:
    """kombu's Redis QoS puts a worker's unacknowledged messages back on the queue when its channel closes. After a
    lost connection the channel's pools are gone and the connection has dropped its client, so that restore fails
    with "AttributeError: 'NoneType' object has no attribute 'hostname'" (kombu's `_connparams`), which the worker
    reports as an unrecoverable error and exits on. Here the restore gives up instead: the messages stay in Redis's
    unacked index, where `restore_visible` of any worker puts them back after the visibility timeout, and the
    hand-off sweeps re-send whatever is still undone long before that."""
    from kombu.transport import redis as kombu_redis

    original = kombu_redis.QoS.restore_unacked
    if getattr(original, "_reportal_guarded", False):
        return
    errors = (AttributeError, *kombu_redis.get_redis_error_classes()[0])

    def restore_unacked(self: Any, client: Any = None) -> None:
        try:
            original(self, client)
        except errors as exc:
            logger.warning(
                "Redis: %s unacknowledged messages could not be put back now (%s); they come back after the "
                "visibility timeout, and the sweeps re-send undone hand-offs.",
                len(self._delivered),
                type(exc).__name__,
            )
            self._delivered.clear()

    restore_unacked._reportal_guarded = True  # type: ignore[attr-defined]
    kombu_redis.QoS.restore_unacked = restore_unacked  # type: ignore[method-assign]


_guard_redis_restore()

# `sqla+sqlite:///...` (and `sqlalchemy+...`) resolve to the transport above in every process that loads the app.
kombu.transport.TRANSPORT_ALIASES["sqla"] = "reportal.celery:DeletingSQLAlchemyTransport"
kombu.transport.TRANSPORT_ALIASES["sqlalchemy"] = "reportal.celery:DeletingSQLAlchemyTransport"
kombu.transport._transport_cache.pop("sqla", None)
kombu.transport._transport_cache.pop("sqlalchemy", None)

app = Celery("reportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
