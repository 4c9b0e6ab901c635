"""Through the real monitoring of the actions stage: when the content is gone the entry leaves the next version,
and when it comes back the address is listed again."""

from __future__ import annotations

import pytest

from reportal.actions import monitoring
from reportal.lists import services
from reportal.lists.models import ListEntry
from reportal.reports.lifecycle import change_status
from reportal.reports.models import ItemStatus
from tests.fakes.fixtures import *  # noqa: F403
from tests.fakes.items import make_item, make_portal

pytestmark = pytest.mark.django_db


def test_monitoring_removal_and_reappearance_move_the_entry(fake_world, django_capture_on_commit_callbacks):
    base = fake_world.host("dark.test")
    fake_world.website.set("/p", "<html><body>page</body></html>")
    item = make_item(f"{base}/p", make_portal())
    services.on_confirmed(item, scope="url", category="A")
    change_status(item, ItemStatus.ACTION_TAKEN)
    monitor = monitoring.start(item)
    services.publish()
    assert services.check(item.canonical_url).blocked

    fake_world.website.remove("/p", status=404)
    with django_capture_on_commit_callbacks(execute=True):
        monitoring.check(monitor)
    item.refresh_from_db()
    assert item.status == ItemStatus.REMOVED
    assert services.check(item.canonical_url).blocked  # still in the published version until the next one
    services.publish()
    assert not services.check(item.canonical_url).blocked

    fake_world.website.set("/p", "<html><body>page</body></html>")
    monitor.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        monitoring.check(monitor)
    services.publish()
    assert services.check(item.canonical_url).blocked
    assert list(ListEntry.objects.filter(item=item).order_by("pk").values_list("active", flat=True)) == [False, True]
