"""Partner visibility, for any arrangement of portals and reports (hypothesis): a partner viewer may read an item
exactly when it was reported through one of their portals; the hotline's staff read everything; nobody without a
verified second factor reads anything. Every list and look-up agrees with access.can_view_item: access.visible_items
and item_or_404, the workbench queue (page and API), the item look-up of the workbench API, and the actions stage's
rows about items (monitors, as on the removal page and in the case export), which all go through reportal.access."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ninja.errors import HttpError

from reportal import access
from reportal.accounts.testing import make_staff
from reportal.actions.models import Monitor
from reportal.hotline import api as hotline_api
from reportal.hotline.queue import QueueFilters, queue_items
from reportal.portals.models import Portal
from reportal.reports.models import Report, ReportedUrl, ReportUrl

PORTALS = ("p0", "p1", "p2", "p3")

arrangements = st.fixed_dictionaries(
    {
        # Each item: the portal it was first reported through, and the portals of its other reports.
        "items": st.lists(
            st.tuples(st.sampled_from(PORTALS), st.sets(st.sampled_from(PORTALS), max_size=3)), min_size=1, max_size=5
        ),
        "partner_portals": st.sets(st.sampled_from(PORTALS), min_size=1, max_size=3),
        "role": st.sampled_from(["analyst", "senior", "admin", "partner"]),
        "verified": st.booleans(),
    }
)


def _report(portal: Portal, item: ReportedUrl, n: int) -> None:
    report = Report.objects.create(
        portal=portal, language="en", seen_on="web", receipt_hash=hashlib.sha256(f"{item.pk}-{n}".encode()).hexdigest()
    )
    ReportUrl.objects.create(report=report, item=item, submitted_url=item.canonical_url)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(arrangement=arrangements)
def test_partner_visibility(arrangement, django_user_model):
    Monitor.objects.all().delete()
    ReportUrl.objects.all().delete()
    Report.objects.all().delete()
    ReportedUrl.objects.all().delete()
    django_user_model.objects.all().delete()
    portals = {
        slug: Portal.objects.get_or_create(
            slug=slug, defaults={"name": slug, "display_name": slug, "languages": ["en"]}
        )[0]
        for slug in PORTALS
    }
    role = arrangement["role"]
    partner_slugs = arrangement["partner_portals"] if role == "partner" else set()
    user, *_ = make_staff("viewer", role, [portals[s] for s in sorted(partner_slugs)])
    user.is_verified = lambda: arrangement["verified"]

    expected = {}
    for n, (first, others) in enumerate(arrangement["items"]):
        url = f"http://item-{n}.example/"
        item = ReportedUrl.objects.create(
            canonical_url=url,
            url_sha256=hashlib.sha256(url.encode()).hexdigest(),
            host=f"item-{n}.example",
            portal=portals[first],
            report_count=1,
        )
        _report(portals[first], item, 0)
        for m, slug in enumerate(sorted(others)):
            _report(portals[slug], item, m + 1)
        through = {first} | others
        if not arrangement["verified"]:
            expected[item.pk] = False
        elif role == "partner":
            expected[item.pk] = bool(through & partner_slugs)
        else:
            expected[item.pk] = True

    decided = {item.pk: access.can_view_item(user, item) for item in ReportedUrl.objects.all()}
    assert decided == expected
    for item in ReportedUrl.objects.all():
        assert not (role == "partner" and access.can_change_item(user, item))

    visible = {pk for pk, ok in expected.items() if ok}
    assert set(access.visible_items(user).values_list("pk", flat=True)) == visible
    assert set(queue_items(user, QueueFilters()).values_list("pk", flat=True)) == visible
    for pk, ok in expected.items():
        assert _opens(lambda pk=pk: access.item_or_404(user, pk), Http404) == ok
        assert _opens(lambda pk=pk: hotline_api._visible_item(_Request(user), pk), HttpError) == ok

    now = timezone.now()
    for item in ReportedUrl.objects.all():
        Monitor.objects.create(item=item, started_at=now, next_check_at=now + timedelta(hours=1), last_action_at=now)
    assert set(access.only_visible(user, Monitor.objects.all()).values_list("item_id", flat=True)) == visible
    for monitor in Monitor.objects.all():
        assert (
            _opens(lambda m=monitor: access.row_or_404(user, Monitor.objects.all(), m.pk), Http404)
            == expected[monitor.item_id]
        )


class _Request:
    def __init__(self, user) -> None:
        self.user = user


def _opens(look_up, refusal: type[Exception]) -> bool:
    try:
        look_up()
    except refusal:
        return False
    return True
