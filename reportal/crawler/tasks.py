"""Celery tasks of proactive search: thin wrappers around the engine and services, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from reportal.pipeline.services import Work, receiver


@shared_task(name="crawler.crawl_slice", acks_late=True, ignore_result=True)
def crawl_slice(crawl_id: int) -> str:
    """One worker's turn on a crawl; sends the next turn itself while pages are left. Any number of these may run
    for one crawl: the host leases admit as many as the politeness setting allows and the rest return at once."""
    from reportal.crawler.engine import SliceEnd, run_slice

    end = run_slice(crawl_id)
    if end == SliceEnd.MORE:
        crawl_slice.apply_async(args=[crawl_id])
    return end.value


@shared_task(name="crawler.resume_crawls", ignore_result=True)
def resume_crawls() -> int:
    """Periodic: running crawls that no worker touched for a claim's length get workers again (after a restart or
    a killed worker; their claimed pages come back when the claims expire)."""
    from reportal.crawler.services import resume_idle

    return resume_idle()


@receiver("crawler.seed_from_confirmed")
def seed_from_confirmed(work: Work) -> None:
    """Hand-off item.confirmed -> crawler: with the rule on, crawl the confirmed item's site (once per item; not
    for items a crawl found, whose site that crawl covers)."""
    from reportal.crawler.services import seed_from_confirmed as seed

    seed(work.subject_id, found_by_crawl=bool(work.payload.get("crawl_id")))
