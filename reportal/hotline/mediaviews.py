"""The media grid of an item: each image and video the worker found on the page, veiled, with its facts and grade;
the analyst grades one or several at once. Thumbnails come from the analyst's own preview (never the original
address); nothing is fetched here."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from reportal import access
from reportal.hotline import claims, media, preview, wellbeing
from reportal.hotline.auditing import audit
from reportal.hotline.forms import SCHEME_PREFIX
from reportal.hotline.models import MediaItem, MediaKind
from reportal.hotline.schemes import ClassificationInvalid
from reportal.hotline.views import (
    ASSESSORS,
    REVEALED_SESSION_KEY,
    _base_context,
    _data_uri,
    _may_preview,
    _visible_item,
)
from reportal.pipeline import services as pipeline
from reportal.reports.services import ReportedUrl


@dataclass(frozen=True)
class Tile:
    """One medium as the grid shows it."""

    medium: MediaItem
    number: int
    grade_label: str
    known_label: str
    low_quality: bool
    token: str = ""  # the analyst's preview of it, when this process holds one
    data_uri: str = ""
    revealed: bool = False


def _tiles(request: HttpRequest, item: ReportedUrl) -> list[Tile]:
    held: dict[str, tuple[str, preview.StoredImage | None]] = {}
    for token, stored in preview.STORE.tokens_for(item.pk, int(request.user.pk or 0)):
        held.setdefault(stored.source_url, (token, stored))
        held.setdefault(hashlib.sha256(stored.original).hexdigest(), (token, stored))
    revealed = set(request.session.get(REVEALED_SESSION_KEY, []))
    preference = wellbeing.viewing_preference(request.user)
    threshold = media.min_bank_quality()
    tiles = []
    for number, medium in enumerate(media.media_of(item.pk), start=1):
        token, image = held.get(medium.sha256) or held.get(medium.url) or ("", None)
        is_revealed = bool(token) and token in revealed
        tiles.append(
            Tile(
                medium=medium,
                number=number,
                grade_label=media.grade_label(medium.grade) if medium.grade else "",
                known_label=media.known_grade_label(medium.known_grade),
                low_quality=medium.kind == MediaKind.IMAGE and (medium.pdq_quality or 0) < threshold,
                token=token,
                data_uri=_data_uri(image, revealed=is_revealed, preference=preference) if image else "",
                revealed=is_revealed,
            )
        )
    return tiles


def grid_context(request: HttpRequest, item: ReportedUrl, chosen: dict[str, str] | None = None) -> dict[str, Any]:
    """What _media_grid.html shows (as `grid`), for the preview (templatetags.media_grid) and the views below."""
    tiles = _tiles(request, item)
    chosen = chosen or {}
    return {
        "item": item,
        "tiles": tiles,
        "schemes": [(scheme, chosen.get(scheme.key, "")) for scheme in media.grade_schemes()],
        "can_grade": claims.holds_claim(item, request.user),
        "min_quality": media.min_bank_quality(),
        "ungraded": sum(1 for tile in tiles if not tile.medium.grade and not tile.medium.known),
    }


def _render_grid(request: HttpRequest, grid: dict[str, Any], *, status: int = 200) -> HttpResponse:
    htmx = request.headers.get("HX-Request") == "true"
    template = "hotline/_media_grid.html" if htmx else "hotline/media_page.html"
    return render(request, template, _base_context(request) | {"item": grid["item"], "grid": grid}, status=status)


@never_cache
@require_GET
@access.require_staff(*ASSESSORS)
def media_grid(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _visible_item(request, item_id)
    if not _may_preview(request, item):
        return HttpResponse(
            _("Claim this item before previewing it."), status=403, content_type="text/plain; charset=utf-8"
        )
    grid = grid_context(request, item)
    audit(request.user, "item.media_viewed", item, media=[tile.medium.pk for tile in grid["tiles"]])
    return _render_grid(request, grid)


@require_POST
@access.require_staff(*ASSESSORS)
def grade_media(request: HttpRequest, item_id: int) -> HttpResponse:
    """Grade the selected media (checkboxes `media`) with the classification chosen (fields c_<scheme>)."""
    item = _visible_item(request, item_id)
    if not claims.holds_claim(item, request.user):
        audit(request.user, "item.media_grade_refused", item)
        messages.error(request, _("Claim this item before grading its media."))
        return HttpResponseRedirect(reverse("hotline:item", args=[item.pk]))
    try:
        ids = [int(value) for value in request.POST.getlist("media")]
    except ValueError:
        ids = []
    raw = {key: request.POST.get(SCHEME_PREFIX + key, "") for key in media.GRADE_SCHEMES}
    try:
        graded = media.grade_media(item.pk, ids, raw, request.user)
    except ClassificationInvalid as refusal:
        audit(request.user, "item.media_grade_rejected", item, errors=sorted(refusal.errors))
        grid = grid_context(request, item, chosen=raw) | {
            "grade_errors": list(refusal.errors.values()),
            "selected": set(ids),
        }
        return _render_grid(request, grid, status=400)
    audit(request.user, "item.media_graded", item, media=graded, grade={k: v for k, v in raw.items() if v})
    done = ngettext("%(count)s medium graded.", "%(count)s media graded.", len(graded)) % {"count": len(graded)}
    if request.headers.get("HX-Request") == "true":
        return _render_grid(request, grid_context(request, item) | {"graded_message": done})
    messages.success(request, done)
    return HttpResponseRedirect(reverse("hotline:media", args=[item.pk]))


@require_POST
@access.require_staff(*ASSESSORS)
def collect_media(request: HttpRequest, item_id: int) -> HttpResponse:
    """Ask a worker to fetch and hash the page's media (again): a hand-off, never a fetch in this request."""
    item = _visible_item(request, item_id)
    if not claims.holds_claim(item, request.user):
        messages.error(request, _("Claim this item before grading its media."))
        return HttpResponseRedirect(reverse("hotline:item", args=[item.pk]))
    with transaction.atomic():
        pipeline.record("item.queued", item.pk, key=f"analyst:{request.user.pk}:{timezone.now().isoformat()}")
        audit(request.user, "item.media_requested", item)
    messages.info(
        request,
        _("The server is fetching the media of this page in the background. Reload the item shortly to grade them."),
    )
    return HttpResponseRedirect(reverse("hotline:item", args=[item.pk]))
