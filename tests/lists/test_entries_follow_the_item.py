"""A list entry follows its queue item: confirmed -> listed, removed -> leaves, reappeared -> listed again."""

from __future__ import annotations

import json

import pytest

from reportal.lists import services
from reportal.lists.models import ListEntry
from reportal.portals.models import Portal
from reportal.reports.models import ReportedUrl

from .conftest import auth, body

pytestmark = pytest.mark.django_db


@pytest.fixture
def item():
    portal = Portal.objects.create(slug="gt", name="Guatemala", display_name="Reportal GT", languages=["es", "en"])
    from reportal.lists.addresses import canonical_url, sha256_hex

    url, host = canonical_url("http://Abuse.Example.test/gallery/1")
    return ReportedUrl.objects.create(canonical_url=url, url_sha256=sha256_hex(url), host=host, portal=portal)


def _listed(client, key) -> list[str]:
    response = client.get("/api/v1/lists/urls?format=json", **auth(key))
    assert response.status_code == 200
    return [entry["address"] for entry in json.loads(body(response))["entries"]]


def test_confirmed_item_is_published_and_leaves_when_monitoring_marks_it_removed(client, item, make_member):
    _member, key = make_member("url-list")
    services.on_confirmed(item, scope="url", category="A")
    services.publish()
    assert _listed(client, key) == ["http://abuse.example.test/gallery/1"]

    services.on_removed(item)
    services.publish()
    assert _listed(client, key) == []
    since = json.loads(body(client.get("/api/v1/lists/urls?format=json&since=1", **auth(key))))
    assert [e["address"] for e in since["removed"]] == ["http://abuse.example.test/gallery/1"]
    assert since["added"] == []


def test_reappearance_lists_it_again_as_a_new_period(client, item, make_member):
    _member, key = make_member("url-list")
    services.on_confirmed(item, scope="prefix", category="B")
    services.publish()
    services.on_removed(item)
    services.publish()
    services.on_reappeared(item)
    services.publish()

    assert _listed(client, key) == ["http://abuse.example.test/gallery/1"]
    periods = list(ListEntry.objects.filter(item=item).order_by("pk").values_list("active", "scope", "category"))
    assert periods == [(False, "prefix", "B"), (True, "prefix", "B")]


def test_confirming_twice_keeps_one_entry_and_a_new_scope_replaces_the_old(item):
    services.on_confirmed(item, scope="url")
    services.on_confirmed(item, scope="url")
    assert ListEntry.objects.filter(active=True).count() == 1
    services.on_confirmed(item, scope="domain")
    active = ListEntry.objects.get(active=True)
    assert (active.scope, active.address) == ("domain", "abuse.example.test")


def test_changes_are_audited(item):
    from reportal.audit.models import AuditEntry

    services.on_confirmed(item, scope="url")
    services.on_removed(item)
    services.publish()
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert actions == ["lists.entry_added", "lists.entry_removed", "lists.published"]
