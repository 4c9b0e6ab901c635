"""The map of every hand-off between stages: read ROUTES below to see the whole pipeline in one screen.

Pattern (DESIGN.md §3, "Hand-offs"):

1. A stage never calls the next stage inside its own request. It commits its own change together with one
   outbox row per route of the event (`services.record(event, subject_id, key=..., payload=...)`, called
   inside the stage's transaction): the change and what is owed for it exist together or not at all.
2. After the commit (`transaction.on_commit`) the rows are sent to Celery (see the note on order below). A
   broker that is down costs nothing but time: the rows are still there.
3. The task (`services.receiver(name)` wraps a plain function) claims its row with a conditional UPDATE (a
   second delivery meanwhile finds it claimed or done and returns), runs the receiving stage's service and
   marks the row done. Receivers are idempotent: a run repeated after a crash between the service's commit and
   `done_at` changes nothing (unique constraints, get-or-create, status checks under row locks).
4. A failed run records its error and the time of the next attempt with back-off (`attempts`, `last_error`,
   `next_attempt_at`); the beat task `pipeline.sweep` sends again every row that is undone and due (a lost
   message, a killed worker, a failed run). After MAX_ATTEMPTS failed runs the row is given up (`failed_at`):
   `reportal doctor` and `reportal handoffs` show it (`services.backlog()`); `reportal handoffs --retry-failed`
   sends it again once the cause is fixed.
5. Tasks are `acks_late`: a worker killed mid-run leaves its message to be delivered again, and the claim
   expires (REPORTAL_HANDOFF_CLAIM_SECONDS) so the sweep can send it again anyway.

Intake keeps its own outbox for throughput: a report row with `followup_done_at` empty is its hand-off, and
requests for its follow-up coalesce per process (reports/tasks.py). It is listed here with its own sweep so
the map stays whole, and `services.backlog()` counts it too.

The routes of one event are sent in one message (`pipeline.deliver`) and run in the order listed here, each
claimed, recorded and retried on its own; quick ones first (a hanging site delays only the fetches after it).

Adding a hand-off: one line in ROUTES, a task decorated with `@receiver("<task name>")` in the receiving
app's tasks.py, and a `services.record(...)` call in the sending stage's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

OUTBOX = "pipeline.Handoff"
SWEEP = "pipeline.sweep"


@dataclass(frozen=True)
class Route:
    from_stage: str
    event: str
    to_stage: str
    task: str  # Celery task name; it receives the Handoff id (intake's: no arguments)
    does: str
    outbox: str = OUTBOX
    sweep: str = SWEEP


# fmt: off
ROUTES: tuple[Route, ...] = (
    #     from stage    event              to stage    task                                what the receiver does
    Route("intake",     "report.accepted", "queue",    "reports.process_pending",          "follow-up of new items",
          outbox="reports.Report.followup_done_at", sweep="reports.flush_outbox"),
    Route("intake",     "item.queued",     "media",    "hotline.collect_page_media",       "fetch, hash page media"),
    Route("assessment", "item.confirmed",  "lists",    "lists.enter_confirmed",            "URL list entry"),
    Route("assessment", "item.confirmed",  "actions",  "actions.act_on_confirmed",         "trace; notice/referral"),
    Route("assessment", "item.confirmed",  "hashes",   "hotline.bank_confirmed_images",    "fetch images, bank hashes"),
    Route("assessment", "item.confirmed",  "evidence", "hotline.store_confirmed_evidence", "keep images, encrypted"),
    Route("assessment", "item.confirmed",  "crawler",  "crawler.seed_from_confirmed",      "crawl the site (rule)"),
    Route("actions",    "item.route_iccam", "iccam",   "iccam.export_item",               "export to hosting hotline"),
    Route("actions",    "item.route_ncmec", "ncmec",   "ncmec.report_item",               "CyberTipline report"),
    Route("any stage",  "item.outcome",    "feedback", "hotline.send_outcome_feedback",    "e-mail the reporters"),
    Route("review",     "item.overturned", "lists",    "lists.end_overturned",             "end the list entry"),
    Route("monitoring", "item.removed",    "lists",    "lists.end_removed",                "end the list entry"),
    Route("monitoring", "item.reappeared", "lists",    "lists.reenter_reappeared",         "list the address again"),
    Route("any stage",  "item.changed",    "stats",    "stats.update_for_item",            "recount its figures"),
    Route("intake",     "report.followed_up", "stats", "stats.update_for_report",          "recount the day's reports"),
)
# fmt: on

MAX_ATTEMPTS = 10  # failed runs before a hand-off is given up and shown by `reportal doctor`


def routes_for(event: str) -> list[Route]:
    """The routes an event fans out to (empty for an event nobody receives)."""
    return [route for route in ROUTES if route.event == event and route.outbox == OUTBOX]


def route(event: str, task: str) -> Route | None:
    return next((r for r in ROUTES if r.event == event and r.task == task), None)
