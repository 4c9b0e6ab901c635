"""The JSON API at /api/v1/: one NinjaAPI, one router per app (each app's api.py)."""

from __future__ import annotations

from ninja import NinjaAPI

from reportal.access import UNDECLARED
from reportal.accounts.api import router as accounts_router
from reportal.actions.api import router as actions_router
from reportal.hashes.api import router as hashes_router
from reportal.hotline.api import router as hotline_router
from reportal.lists.api import router as lists_router
from reportal.portals.api import router as reports_router
from reportal.stats.api import router as stats_router

api = NinjaAPI(
    title="reportal API",
    version="1",
    description="Reports, the hotline workbench, URL and keyword lists, and hash matching.",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    # Fail closed: an operation without its own auth (access.staff_api, MemberKeyAuth, PUBLIC) refuses everyone.
    auth=UNDECLARED,
)
api.add_router("/reports", reports_router, tags=["reports"])
api.add_router("/auth", accounts_router, tags=["auth"])
api.add_router("/actions", actions_router, tags=["actions"])
api.add_router("/", hotline_router, tags=["hotline"])
api.add_router("/lists", lists_router, tags=["lists"])
api.add_router("/", hashes_router, tags=["hashes"])
api.add_router("/stats", stats_router, tags=["stats"])
