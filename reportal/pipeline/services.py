"""Recording, running, sweeping and counting hand-offs (the pattern is explained in registry.py).

Other apps call `record` inside their own transaction, decorate their receiving task with `receiver`, and the
doctor reads `backlog`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from reportal.pipeline import registry
from reportal.pipeline.models import Handoff

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
RECEIVERS: set[str] = set()  # task names made by `receiver`, checked against registry.ROUTES by the tests


@dataclass(frozen=True)
class Work:
    """What a receiving task is given: the hand-off, without its bookkeeping."""

    id: int
    event: str
    task: str
    subject_id: int
    key: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class Backlog:
    """Undone hand-offs, for `reportal doctor`: how many, the oldest, and those given up after failing."""

    count: int
    oldest_at: datetime | None
    oldest: str  # "event -> task (key)" of the oldest undone hand-off, or ""
    failed: int
    last_error: str  # of the most recent given-up hand-off, or ""
    by_task: dict[str, int] = field(default_factory=dict)


def actor(work: Work) -> Any | None:
    """The staff user whose decision caused the hand-off (payload 'actor_id'), or None."""
    from django.contrib.auth import get_user_model

    actor_id = work.payload.get("actor_id")
    return get_user_model().objects.filter(pk=actor_id).first() if actor_id else None


def claim_seconds() -> float:
    return float(getattr(settings, "REPORTAL_HANDOFF_CLAIM_SECONDS", 120))


def first_delay() -> timedelta:
    """How long a freshly recorded hand-off may wait for its first run before the sweep sends it again."""
    return timedelta(seconds=float(getattr(settings, "REPORTAL_HANDOFF_GRACE_SECONDS", 60)))


def backoff(attempts: int) -> timedelta:
    """The pause after the n-th failed run: 30 s, 1 min, 2 min, ... at most 6 hours."""
    return timedelta(seconds=min(30 * 2 ** max(0, attempts - 1), 6 * 3600))


def record(event: str, subject_id: int, *, key: str | int, payload: dict[str, Any] | None = None) -> list[int]:
    """Record what `event` owes every stage that receives it; call inside the transaction of the change itself.

    The tasks are sent after the commit, in one message. Recording the same (event, key) again records nothing
    new (its undone hand-offs are sent again)."""
    routes = registry.routes_for(event)
    if not routes:
        raise ValueError(f"No hand-off route receives the event {event!r}; add one to reportal/pipeline/registry.py.")
    due = timezone.now() + first_delay()
    Handoff.objects.bulk_create(
        [
            Handoff(
                event=event,
                task=route.task,
                key=str(key),
                subject_id=subject_id,
                payload=payload or {},
                next_attempt_at=due,
            )
            for route in routes
        ],
        ignore_conflicts=True,  # already recorded: the unique (event, task, key) holds
    )
    ids = list(
        Handoff.objects.filter(event=event, key=str(key), done_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if ids:
        # One message for all routes of the event: each message costs a commit on the embedded broker.
        transaction.on_commit(lambda: send(ids), robust=True)
    return ids


def send(handoff_ids: Iterable[int], *, together: bool = True) -> int:
    """Send the hand-offs to the workers: one `pipeline.deliver` message for the routes of one event, else one
    message each. Returns how many the broker took; the sweep sends the rest again after their grace period."""
    ids = list(handoff_ids)
    if together and len(ids) > 1:
        try:
            celery_task("pipeline.deliver").apply_async(args=[ids], retry=False)
        except Exception as exc:  # noqa: BLE001 - any broker failure: the hand-offs are safe in the database
            logger.warning(
                "%s hand-offs could not be queued (%s); the sweep will send them again.", len(ids), type(exc).__name__
            )
            return 0
        return len(ids)
    sent = 0
    for handoff_id, task in Handoff.objects.filter(pk__in=ids).values_list("pk", "task"):
        try:
            celery_task(task).apply_async(args=[handoff_id], retry=False)
        except Exception as exc:  # noqa: BLE001 - any broker failure: the hand-off is safe in the database
            logger.warning(
                "Hand-off %s (%s) could not be queued (%s); the sweep will send it again.",
                handoff_id,
                task,
                type(exc).__name__,
            )
            continue
        sent += 1
    return sent


def deliver(handoff_ids: list[int]) -> int:
    """Run several hand-offs in this worker, one after another, each through its own task (claimed, recorded and
    retried on its own: one failing or hanging does not undo the others). Returns how many were done."""
    tasks = dict(Handoff.objects.filter(pk__in=handoff_ids).values_list("pk", "task"))
    done = 0
    for handoff_id in handoff_ids:
        if handoff_id in tasks and celery_task(tasks[handoff_id])(handoff_id):
            done += 1
    return done


def celery_task(name: str) -> Any:
    """The registered Celery task `name` (importing every app's tasks module the first time)."""
    from reportal.celery import app

    if name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[name]


def run(handoff_id: int, receive: Callable[[Work], object]) -> bool:
    """Run one hand-off's receiver once: claim it, receive, mark it done. False if it was done, claimed by a run
    still going, or failed (its error and next attempt are recorded; the sweep sends it again)."""
    now = timezone.now()
    claimed = (
        Handoff.objects.filter(pk=handoff_id, done_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=claim_seconds()))
    )
    if not claimed:
        return False
    handoff = Handoff.objects.get(pk=handoff_id)
    work = Work(
        id=handoff.pk,
        event=handoff.event,
        task=handoff.task,
        subject_id=handoff.subject_id,
        key=handoff.key,
        payload=dict(handoff.payload or {}),
        attempts=handoff.attempts,
    )
    try:
        receive(work)
    except Exception as exc:  # noqa: BLE001 - recorded on the row, retried by the sweep, shown by the doctor
        _failed(handoff, exc)
        return False
    Handoff.objects.filter(pk=handoff_id).update(done_at=timezone.now(), claimed_until=None, next_attempt_at=None)
    return True


def _failed(handoff: Handoff, exc: BaseException) -> None:
    attempts = handoff.attempts + 1
    error = f"{type(exc).__name__}: {exc}"[:2000]
    now = timezone.now()
    gave_up = attempts >= registry.MAX_ATTEMPTS
    Handoff.objects.filter(pk=handoff.pk).update(
        attempts=attempts,
        last_error=error,
        claimed_until=None,
        next_attempt_at=None if gave_up else now + backoff(attempts),
        failed_at=now if gave_up else None,
    )
    if gave_up:
        logger.error("Hand-off %s (%s) failed %s times and is given up: %s", handoff.pk, handoff, attempts, error)
    else:
        logger.warning(
            "Hand-off %s (%s) failed (attempt %s), retried later: %s",
            handoff.pk,
            handoff,
            attempts,
            error,
            exc_info=exc,
        )


def receiver(name: str, **options: Any) -> Callable[[Callable[[Work], object]], Any]:
    """Make `receive(work)` the Celery task `name` of a hand-off route: acks_late, run through `run` above."""

    def wrap(receive: Callable[[Work], object]) -> Any:
        RECEIVERS.add(name)

        def task(handoff_id: int) -> bool:
            return run(handoff_id, receive)

        task.__doc__ = receive.__doc__
        task.__name__ = receive.__name__
        task.__qualname__ = receive.__qualname__
        task.__module__ = receive.__module__
        return shared_task(name=name, acks_late=True, ignore_result=True, **options)(task)

    return wrap


def sweep(*, limit: int = SWEEP_BATCH) -> int:
    """Send again every undone hand-off that is due (never run, lost, or failed and waiting); returns the count."""
    now = timezone.now()
    due = list(
        Handoff.objects.filter(done_at__isnull=True, failed_at__isnull=True, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", "attempts")[:limit]
    )
    for handoff_id, attempts in due:
        # Push the next re-send out first: a broker that takes the message late must not get a second one now.
        Handoff.objects.filter(pk=handoff_id).update(next_attempt_at=now + max(first_delay(), backoff(attempts)))
    if due:
        logger.info("Sweep: sending %s overdue hand-offs again.", len(due))
        send([pk for pk, _attempts in due], together=False)  # each on its own: any worker, in parallel
    return len(due)


def retry_failed(task: str | None = None) -> int:
    """Give hand-offs that were given up another round of attempts (after fixing the cause); returns the count."""
    failed = Handoff.objects.filter(done_at__isnull=True, failed_at__isnull=False)
    if task:
        failed = failed.filter(task=task)
    ids = list(failed.values_list("pk", flat=True))
    Handoff.objects.filter(pk__in=ids).update(failed_at=None, attempts=0, next_attempt_at=timezone.now())
    return len(ids)


def backlog() -> Backlog:
    """Everything still owed between stages: undone hand-offs plus reports waiting for their intake follow-up."""
    from reportal.reports.tasks import followup_backlog

    undone = Handoff.objects.filter(done_at__isnull=True)
    by_task = _count_by_task()
    oldest = undone.order_by("created_at", "pk").first()
    failed = undone.filter(failed_at__isnull=False)
    last_failed = failed.order_by("-failed_at").first()
    intake_count, intake_oldest = followup_backlog()
    if intake_count:
        by_task["reports.process_pending"] = intake_count
    oldest_at = oldest.created_at if oldest else None
    oldest_label = str(oldest) if oldest else ""
    if intake_oldest is not None and (oldest_at is None or intake_oldest < oldest_at):
        oldest_at, oldest_label = intake_oldest, "report.accepted -> reports.process_pending"
    return Backlog(
        count=sum(by_task.values()),
        oldest_at=oldest_at,
        oldest=oldest_label,
        failed=failed.count(),
        last_error=last_failed.last_error if last_failed else "",
        by_task=by_task,
    )


def _count_by_task() -> dict[str, int]:
    rows = Handoff.objects.filter(done_at__isnull=True).values("task").annotate(n=Count("pk")).order_by("task")
    return {row["task"]: row["n"] for row in rows}


def state(event: str, key: str | int) -> dict[str, str]:
    """Task name -> 'done', 'failed' or 'pending' for the hand-offs of one occurrence of an event."""
    result: dict[str, str] = {}
    for task, done_at, failed_at in Handoff.objects.filter(event=event, key=str(key)).values_list(
        "task", "done_at", "failed_at"
    ):
        result[task] = "done" if done_at else "failed" if failed_at else "pending"
    return result
