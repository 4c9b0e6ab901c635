"""Fixtures for the actions tests: the fake world (DNS, RDAP, GeoIP, web site), SMTP, and confirming an item."""

from __future__ import annotations

import io
import itertools
import json

import pytest
from PIL import Image, ImageDraw

from reportal.actions import services as actions
from reportal.reports.lifecycle import change_status
from reportal.reports.models import ItemStatus
from tests.fakes.fixtures import *  # noqa: F403
from tests.fakes.items import make_item, make_portal

_numbers = itertools.count(1)


def synthetic_png(seed: int = 1) -> bytes:
    """A drawn test picture (shapes on a gradient): never real imagery."""
    image = Image.new("RGB", (64, 64), (20 * seed % 255, 80, 160))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, 40 + seed % 20, 40), fill=(240, 200, 40))
    draw.rectangle((30, 30, 60, 60), outline=(10, 10, 10), width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def publish_gallery(site, path: str = "/gallery", seed: int = 1) -> None:
    """A page with one synthetic picture, as a reported page would be."""
    site.set(f"{path}/pic.png", synthetic_png(seed), headers={"Content-Type": "image/png"})
    site.set(path, f'<!doctype html><html><body><h1>Gallery</h1><img src="{path}/pic.png"></body></html>')


def _analyst():
    try:
        from reportal.accounts.services import create_staff

        user, *_rest = create_staff(f"analyst{next(_numbers)}", "analyst", [], password="a long test password 42")
        return user
    except (ImportError, NotImplementedError):
        from django.contrib.auth import get_user_model

        return get_user_model().objects.create_user(f"analyst{next(_numbers)}", password="a long test password 42")


def confirm_actionable(item, classification: dict | None = None) -> None:
    """Assess `item` actionable through the hotline's own service when it is there, as an analyst would."""
    analyst = _analyst()
    try:
        from reportal.hotline.assessment import Decision, assess_item
        from reportal.hotline.claims import claim_item
    except ImportError:
        change_status(item, ItemStatus.ACTIONABLE, actor=analyst, reason="assessed actionable")
        actions.on_actionable(item, analyst)
        return
    claim_item(item, analyst)
    assess_item(
        item,
        analyst,
        Decision(outcome="actionable", classification=classification or {"legal_assessment": "baseline"}),
    )


@pytest.fixture
def world(fake_world, fake_smtp, db):
    fake_world.smtp = fake_smtp
    return fake_world


@pytest.fixture
def portal(db):
    return make_portal("sv", "SV", ["es", "en"])


@pytest.fixture
def actionable(world, portal, django_capture_on_commit_callbacks, settings):
    """`actionable(name, ip)`: a page on the test site reached as http://<name>:<port>/gallery, reported and
    confirmed; the hotline's follow-up (trace, notices) runs as it would after commit."""
    settings.REPORTAL_ACCEPT_PRIVATE_URLS = True

    def make(name: str = "dark.test", ip: str = "127.0.0.1", path: str = "/gallery", classification=None):
        base = world.host(name, ip)
        publish_gallery(world.website, path)
        item = make_item(f"{base}{path}", portal, via_intake=True)
        with django_capture_on_commit_callbacks(execute=True):
            confirm_actionable(item, classification)
        item.refresh_from_db()
        return item

    return make


def attachments(message) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


def xarf_of(message) -> dict:
    [(name, content)] = [(n, c) for n, c in attachments(message).items() if n.startswith("xarf-")]
    return json.loads(content)
