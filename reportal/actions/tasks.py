"""Celery tasks of the actions stage: thin, idempotent wrappers around the services."""

from __future__ import annotations

from celery import shared_task

from reportal.pipeline.services import Work, actor, receiver


@shared_task(name="actions.act_on_item", ignore_result=True)
def act_on_item(item_id: int) -> None:
    from reportal.actions.services import act_on_item as act

    for notice_id in act(item_id):
        send_notice.delay(notice_id)


@receiver("actions.act_on_confirmed")
def act_on_confirmed(work: Work) -> None:
    """Hand-off item.confirmed -> actions: trace the host, open the case, send its notices (once per item)."""
    from reportal.actions import services
    from reportal.reports.services import get_item

    item = get_item(work.subject_id)
    if item is not None:
        services.on_actionable(item, actor(work))


@shared_task(name="actions.send_notice", ignore_result=True)
def send_notice(notice_id: int) -> None:
    """Send one notice now; a failure is recorded on the notice and retried by `send_due_notices` with back-off."""
    from reportal.actions.notices import deliver

    deliver(notice_id)


@shared_task(name="actions.send_due_notices", ignore_result=True)
def send_due_notices() -> int:
    from reportal.actions.notices import send_due

    return send_due()


@shared_task(name="actions.monitor_due", ignore_result=True)
def monitor_due() -> int:
    """One monitoring pass; also acts on confirmed items whose task was lost and drops expired RDAP answers."""
    from reportal.actions.monitoring import run_pass
    from reportal.actions.services import sweep_unacted
    from reportal.tracing.services import purge_expired_rdap as purge_expired

    for item_id in sweep_unacted():
        act_on_item.delay(item_id)
    purge_expired()
    return len(run_pass())
