"""Every staff page and API endpoint, walked as anonymous, as each role, as a partner viewer of another portal and
with each member key, against a table of who may pass. Path ids are real objects of portal A, so the partner viewer
of portal B is guessing another portal's ids and must be refused.

The endpoints come from the URL resolver and the NinjaAPI itself: one that the table does not name fails the test,
so nobody adds an endpoint without saying who may use it here. Add a row to PAGES or API below.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.test import Client

from reportal.accounts import services
from reportal.accounts.routes import api_operations, page_routes
from reportal.accounts.testing import make_staff, member_key, sign_in
from reportal.portals.models import Portal
from reportal.reports.models import Report, ReportedUrl, ReportUrl

# Who knocks. Members are named by the one scope their key carries.
SCOPES = ("report", "url-list", "hashed-url-list", "keywords", "hashes", "match")
MEMBERS = frozenset(f"member:{scope}" for scope in SCOPES)
ANONYMOUS = "anonymous"
PASSWORD_ONLY = "password-only"  # signed in to Django without the second factor
DISABLED = "disabled"  # an analyst whose account an admin disabled
PARTNER_A = "partner-a"  # partner viewer of portal A, whose objects the ids below are
PARTNER_B = "partner-b"  # partner viewer of portal B: A's ids are guesses of another portal's objects
HOTLINE = frozenset({"analyst", "senior", "admin"})
ASSESSORS = frozenset({"analyst", "senior"})
STAFF = HOTLINE | {PARTNER_A, PARTNER_B}
ACTORS = (ANONYMOUS, PASSWORD_ONLY, DISABLED, *sorted(STAFF), *sorted(MEMBERS))
EVERYONE = frozenset(ACTORS)

# Every URL is walked except the Django admin (walked as a surface of its own below), the API
# (walked by operation below) and the public portal pages anyone may open (the portals work tests those).
UNWALKED_PREFIXES = ("admin/", "api/v1/")
PUBLIC_PORTAL_PAGES = ("portals:", "lists-blocked", "portal_stats")
# The sign-in flow itself: open to anyone (checked separately below).
SIGN_IN_PAGES = {
    "accounts:login",
    "accounts:verify",
    "accounts:enrol",
    "accounts:recovery_codes",
    "accounts:password_change",
    "accounts:logout",
}


@dataclass(frozen=True)
class Check:
    allow: frozenset[str]
    method: str = "GET"
    via: str = "session"  # staff actors: "session" (pages) or "token" (API: Authorization: Bearer)
    query: str = ""
    missing_ok: bool = False  # allowed actors may get 404: the id exists only per user (a preview token)
    body: dict = field(default_factory=dict)
    quiet: frozenset[str] = frozenset()  # actors whose allowed call changes and shows nothing, so audits nothing


def page(allow, method="GET", **kw) -> Check:
    return Check(frozenset(allow), method, "session", **kw)


def api(allow, method="GET", **kw) -> Check:
    return Check(frozenset(allow), method, "token", **kw)


READ_A = HOTLINE | {PARTNER_A}  # a report of portal A: hotline staff and A's partner viewers

PAGES: dict[str, list[Check]] = {
    "accounts:account": [page(STAFF)],
    "accounts:staff_list": [page({"admin"})],
    "accounts:member_list": [page({"admin"})],
    "accounts:audit_log": [page({"senior", "admin"})],
    "hotline:queue": [page(STAFF)],
    "hotline:item": [page(READ_A)],
    "hotline:claim": [page(ASSESSORS, "POST")],
    # The senior does not hold the analyst's claim: the release changes nothing.
    "hotline:release": [page(ASSESSORS, "POST", quiet=frozenset({"senior"}))],
    "hotline:assess": [page(ASSESSORS, "POST")],
    # An abuse contact for a notice that waits for one: the hotline's own people, not partner viewers.
    "hotline:abuse_contact": [page(HOTLINE, "POST")],
    "hotline:next": [page(ASSESSORS, "POST")],
    "hotline:item_preview": [page(ASSESSORS)],
    "hotline:media": [page(ASSESSORS)],
    "hotline:grade_media": [page(ASSESSORS, "POST")],
    "hotline:collect_media": [page(ASSESSORS, "POST", quiet=frozenset({"senior"}))],  # no claim: refused, unchanged
    "hotline:thumbnail": [page(ASSESSORS, missing_ok=True)],
    "hotline:reveal": [page(ASSESSORS, "POST", missing_ok=True)],
    "hotline:heartbeat": [page(ASSESSORS, "POST")],
    "hotline:reviews": [page({"senior"})],
    "hotline:review": [page({"senior"}, missing_ok=True)],
    "hotline:team": [page({"senior", "admin"})],
    "actions:removal": [page(STAFF)],
    "actions:case_export": [page(HOTLINE)],
    # Partners export their own portals' cases; the walk checks that no other portal's address is in it.
    "actions:cases_export": [page(STAFF)],
    "actions:retry_notice": [page(HOTLINE, "POST")],
    # Proactive search: the hotline's own people start, follow and stop crawls (access.can_run_crawls).
    "crawler:crawls": [page(HOTLINE), page(HOTLINE, "POST")],
    "crawler:crawl": [page(HOTLINE, missing_ok=True)],
    "crawler:progress": [page(HOTLINE, missing_ok=True)],
    "crawler:stop": [page(HOTLINE, "POST")],
    "crawler:start_from_item": [page(HOTLINE, "POST")],
    # A police referral package carries the evidence: senior analysts and hotline admins only (access.py).
    "actions:police_package": [page({"senior", "admin"}, "POST")],
    # Statistics: every staff role; a partner viewer's figures and exports hold their portals' only, and another
    # portal's monthly report is not found.
    "stats:dashboard": [page(STAFF), page(STAFF, query="portal=aa")],
    "stats:export": [page(STAFF)],
    "stats:monthly": [page(READ_A)],
    # HMA-compatible API (plain Django views): member keys with the scope, or hotline staff tokens.
    "hashes:hash": [api(HOTLINE | {"member:match"}), api(HOTLINE | {"member:match"}, "POST")],
    "hashes:raw_lookup": [api(HOTLINE | {"member:match"})],
    "hashes:lookup": [api(HOTLINE | {"member:match"}), api(HOTLINE | {"member:match"}, "POST")],
    "hashes:index_status": [api(HOTLINE | {"member:match"})],
    "hashes:banks": [api(HOTLINE | {"member:hashes"}), api(HOTLINE, "POST")],
    "hashes:bank": [
        api(HOTLINE | {"member:hashes"}, missing_ok=True),
        api(HOTLINE, "PUT", missing_ok=True),
        api(HOTLINE, "DELETE", missing_ok=True),
    ],
    "hashes:bank_signal": [api(HOTLINE, "POST", missing_ok=True)],
    "hashes:bank_content": [api(HOTLINE, "POST", missing_ok=True)],
    "hashes:bank_content_item": [
        api(HOTLINE | {"member:hashes"}, missing_ok=True),
        api(HOTLINE, "PUT", missing_ok=True),
        api(HOTLINE, "DELETE", missing_ok=True),
    ],
}

API: dict[str, list[Check]] = {
    "reportal_accounts_api_issue_token": [api(EVERYONE, "POST")],
    # Citizens report and check their reference code anonymously.
    "reportal_reports_api_submit": [api(EVERYONE, "POST")],
    "reportal_reports_api_status": [api(EVERYONE, missing_ok=True)],
    "reportal_reports_api_status_post": [api(EVERYONE, "POST", missing_ok=True)],
    "reportal_accounts_api_revoke_token": [api(STAFF, "DELETE")],
    "reportal_accounts_api_member_key": [api(MEMBERS)],
    "reportal_accounts_api_rotate_member_key": [api(MEMBERS, "POST")],
    "reportal_hotline_api_get_queue": [api(STAFF), Check(frozenset(STAFF), via="session")],
    "reportal_hotline_api_get_schemes": [api(ASSESSORS)],
    "reportal_hotline_api_get_item": [api(READ_A), Check(frozenset(READ_A), via="session")],
    "reportal_hotline_api_post_claim": [api(ASSESSORS, "POST")],
    "reportal_hotline_api_post_release": [api(ASSESSORS, "POST", quiet=frozenset({"senior"}))],
    "reportal_hotline_api_post_assess": [api(ASSESSORS, "POST")],
    "reportal_lists_api_url_list": [api({"member:url-list", "member:hashed-url-list"}, query="format=sha256")],
    "reportal_lists_api_url_list_signature": [
        api({"member:url-list", "member:hashed-url-list"}, query="format=sha256")
    ],
    "reportal_lists_api_keyword_list": [api({"member:keywords"})],
    "reportal_lists_api_keyword_list_signature": [api({"member:keywords"})],
    "reportal_lists_api_public_key": [api(EVERYONE)],
    "reportal_lists_api_check": [api({"member:url-list"}, query="url=http://a.example/")],
    "reportal_hashes_api_match_batch": [api(HOTLINE | {"member:match"}, "POST")],
    "reportal_actions_api_removal_stats": [api(STAFF)],
    "reportal_actions_api_item_case": [api(READ_A)],
    "reportal_stats_api_figures": [api(STAFF), api(READ_A, query="portal=aa")],
}

# Path parameters naming portal A's item or something of it: reading or changing them must be audited.
ITEM_PARAMS = ("item_id", "notice_id", "review_id")

SIGN_IN_REDIRECT = ("/staff/login/", "/staff/2fa/", "/staff/password/")


def _checked_routes():
    return [
        r
        for r in page_routes(("",))
        if not r.route.startswith(UNWALKED_PREFIXES) and not r.name.startswith(PUBLIC_PORTAL_PAGES)
    ]


def _guarded_pages():
    return [r for r in _checked_routes() if r.name not in SIGN_IN_PAGES]


def test_every_endpoint_is_in_the_table():
    pages = {r.name for r in _checked_routes()}
    operations = {op.operation_id: op for op in api_operations()}
    missing = sorted(pages - set(PAGES) - SIGN_IN_PAGES) + sorted(set(operations) - set(API))
    stale = sorted(set(PAGES) - pages) + sorted(set(API) - set(operations))
    assert not missing, (
        f"Endpoints nobody declared in tests/test_permissions_matrix.py: {missing}. Add a row saying who may pass."
    )
    assert not stale, f"Rows for endpoints that no longer exist: {stale}. Remove or rename them."


def test_every_endpoint_declares_its_rule_through_access():
    undeclared = [r.name for r in _checked_routes() if r.rule is None]
    undeclared += [op.operation_id for op in api_operations() if op.rule is None]
    assert not undeclared, f"Declare these through reportal.access (require_staff, staff_api, ...): {undeclared}"


@dataclass
class World:
    portal_a: Portal
    portal_b: Portal
    item_a: ReportedUrl
    item_b: ReportedUrl
    params: dict[str, object]
    users: dict[str, object]
    keys: dict[str, str]


def _item(portal: Portal, url: str) -> ReportedUrl:
    digest = hashlib.sha256(url.encode()).hexdigest()
    item = ReportedUrl.objects.create(
        canonical_url=url, url_sha256=digest, host="127.0.0.1", portal=portal, report_count=1
    )
    report = Report.objects.create(
        portal=portal,
        language="es",
        seen_on="web",
        description="",
        receipt_hash=hashlib.sha256(f"receipt {url}".encode()).hexdigest(),
    )
    ReportUrl.objects.create(report=report, item=item, submitted_url=url)
    return item


def _notice_id(item: ReportedUrl) -> int:
    try:
        from reportal.actions.models import DeliveryState, Notice, NoticeKind

        with transaction.atomic():
            return Notice.objects.create(
                item=item,
                kind=NoticeKind.values[0],
                reference="MX-NOTICE-1",
                recipients=["abuse@hosting.example"],
                subject="Notice",
                body="A notice for the permission matrix.",
                state=DeliveryState.FAILED,
            ).pk
    except Exception:  # the takedown models changed shape: a guessed id still exercises the gate
        return 999_999


def _review_id(item: ReportedUrl, analyst) -> int:
    try:
        from reportal.hotline.models import Assessment, Review

        with transaction.atomic():  # a savepoint: PostgreSQL would otherwise abort the whole test transaction
            assessment = Assessment.objects.create(item=item, analyst=analyst, outcome="actionable")
            return Review.objects.create(assessment=assessment, item=item, reason="flagged").pk
    except Exception:  # the workbench's models changed shape: a guessed id still exercises the gate
        return 999_999


@pytest.fixture
def world(db, settings) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed: many users
    settings.REPORTAL_FETCH_ALLOW = []  # the preview must not fetch anything
    portal_a = Portal.objects.create(slug="aa", name="Portal A", display_name="A", languages=["es"])
    portal_b = Portal.objects.create(slug="bb", name="Portal B", display_name="B", languages=["en"])
    # Loopback addresses, refused by the guarded fetcher: nothing leaves the machine.
    item_a = _item(portal_a, "http://127.0.0.1:9/only-reported-in-portal-a")
    item_b = _item(portal_b, "http://127.0.0.1:9/only-reported-in-portal-b")
    users = {}
    for role in ("analyst", "senior", "admin"):
        users[role] = make_staff(f"mx-{role}", role)[0]
    users[PARTNER_A] = make_staff("mx-partner-a", "partner", [portal_a])[0]
    users[PARTNER_B] = make_staff("mx-partner-b", "partner", [portal_b])[0]
    users[PASSWORD_ONLY] = make_staff("mx-password-only", "analyst")[0]
    users[DISABLED] = make_staff("mx-disabled", "analyst")[0]
    services.disable_staff("mx-disabled")
    keys = {f"member:{scope}": member_key(f"Member {scope}", [scope])[1] for scope in SCOPES}
    params = {
        "item_id": item_a.pk,
        "review_id": _review_id(item_a, users["analyst"]),
        "token": "no-such-preview-token",
        "bank_name": "NO_SUCH_BANK",
        "content_id": 999_999,
        "reference": "NO-SUCH-REFERENCE",
        "fmt": "json",
        "table": "cases",
        "slug": "aa",
        "month": "2025-01",
        "notice_id": _notice_id(item_a),
        "crawl_id": 999_999,
    }
    return World(portal_a, portal_b, item_a, item_b, params, users, keys)


def _client(world: World, actor: str, via: str) -> tuple[Client, dict[str, str]]:
    client = Client()
    if actor in MEMBERS:
        return client, {"HTTP_AUTHORIZATION": f"Bearer {world.keys[actor]}"}
    if actor == ANONYMOUS:
        return client, {}
    user = world.users[actor]
    if actor == PASSWORD_ONLY:
        client.force_login(user)  # no second factor
        return client, {}
    if via == "token":
        token, _row = services.issue_staff_token(user)
        return client, {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    return sign_in(client, user), {}


def _fill(route: str, params: dict[str, object], style: str) -> str:
    import re

    pattern = r"<(?:\w+:)?(\w+)>" if style == "django" else r"{(?:\w+:)?(\w+)}"

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in params:
            raise AssertionError(f"Give path parameter {name!r} a real object's id in the world fixture.")
        return str(params[name])

    if style == "django":  # re_path routes: fill the named groups, drop the anchors and escapes
        route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: f"<{m.group(1)}>", route)
        route = route.replace("^", "").replace("$", "").replace("\\", "")
    return re.sub(pattern, value, route)


def _request(client: Client, method: str, url: str, headers: dict[str, str], body: dict):
    call = getattr(client, method.lower())
    if method == "GET":
        return call(url, **headers)
    return call(url, data=body, content_type="application/json", **headers)


def _verdict(response, check: Check) -> str:
    status = response.status_code
    location = response.get("Location", "") if status in (301, 302, 303) else ""
    if location.startswith(SIGN_IN_REDIRECT) or status in (401, 403):
        return "deny"
    if status == 404:
        return "allow" if check.missing_ok else "deny"
    if status >= 500:
        return "error"
    return "allow"


def _hold_claim(world: World) -> None:
    """The analyst holds A's item (the workbench previews only for the claim holder; a release undoes it), and A's
    notice has failed again (a retry sends it)."""
    try:
        from reportal.hotline import claims

        with transaction.atomic():
            claims.claim_item(world.item_a, world.users["analyst"])
    except Exception:  # the workbench's claim rules changed: the preview row will say what to adjust
        pass
    try:
        from reportal.actions.models import DeliveryState, Notice

        with transaction.atomic():  # each retry finds the notice failed again, so each retry does something
            Notice.objects.filter(pk=world.params["notice_id"]).update(state=DeliveryState.FAILED)
    except Exception:
        pass


def _audited(world: World, since_seq: int) -> bool:
    """Did staff reading or changing portal A's item leave an audit entry naming it (DESIGN: rule 6)?"""
    from reportal.audit.models import AuditEntry

    return AuditEntry.objects.filter(
        seq__gt=since_seq, object_type="reports.reportedurl", object_id=str(world.item_a.pk)
    ).exists()


def _last_seq() -> int:
    from reportal.audit.models import AuditEntry

    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _walk(
    world: World, label: str, url: str, checks: list[Check], failures: list[str], item_bound: bool = False
) -> None:
    for check in checks:
        target = f"{url}?{check.query}" if check.query else url
        for actor in ACTORS:
            _hold_claim(world)
            client, headers = _client(world, actor, check.via)
            since = _last_seq()
            response = _request(client, check.method, target, headers, check.body)
            got = _verdict(response, check)
            want = "allow" if actor in check.allow else "deny"
            where = f"{check.method} {target} ({label}) as {actor} via {check.via}"
            if got != want:
                failures.append(f"{where}: expected {want}, got {got} (HTTP {response.status_code})")
                continue
            if item_bound and got == "allow" and actor not in MEMBERS | check.quiet and response.status_code < 400:
                if not _audited(world, since):
                    failures.append(f"{where}: read or changed portal A's item without an audit entry naming it")
            if got == "allow" and actor in (PARTNER_A, PARTNER_B):
                other = world.item_b if actor == PARTNER_A else world.item_a
                if other.canonical_url.encode() in response.content:
                    failures.append(f"{where}: shows another portal's address {other.canonical_url}")
            if got == "deny" and check.via == "session" and label in PAGES and not label.startswith("hashes:"):
                # Pages send strangers to sign in, half-signed-in users to the second factor, and refuse the rest.
                expected_location = {ANONYMOUS: "/staff/login/", PASSWORD_ONLY: "/staff/2fa/"}
                if actor in MEMBERS:
                    expected_location[actor] = "/staff/login/"
                if actor in expected_location:
                    location = response.get("Location", "")
                    if not location.startswith(expected_location[actor]):
                        failures.append(
                            f"{where}: expected a redirect to {expected_location[actor]}, got "
                            f"HTTP {response.status_code} {location}"
                        )


def test_every_page_and_endpoint_allows_and_denies_as_the_table_says(world):
    failures: list[str] = []
    for route in _guarded_pages():
        if route.name in PAGES:
            url = "/" + _fill(route.route, world.params, "django")
            item_bound = any(f"<{p}>" in route.route or f":{p}>" in route.route for p in ITEM_PARAMS)
            _walk(world, route.name, url, PAGES[route.name], failures, item_bound)
    for op in api_operations():
        if op.operation_id in API:
            url = _fill(op.path, world.params, "ninja")
            item_bound = any(f"{{{p}}}" in op.path for p in ITEM_PARAMS)
            _walk(world, op.operation_id, url, API[op.operation_id], failures, item_bound)
    assert not failures, "\n".join(failures)


def test_sign_in_pages_are_open_but_show_nothing_to_strangers(client):
    assert client.get("/staff/login/").status_code == 200
    assert client.get("/staff/logout/").status_code == 200
    for url in ("/staff/2fa/", "/staff/2fa/setup/", "/staff/2fa/recovery-codes/", "/staff/password/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/staff/login/"), url


@pytest.mark.django_db
def test_partner_viewers_see_only_their_portals_items(world):
    from reportal import access

    partner_b = world.users[PARTNER_B]
    partner_b.is_verified = lambda: True
    assert access.visible_portal_ids(partner_b) == {world.portal_b.pk}
    assert not access.can_view_item(partner_b, world.item_a)
    assert access.can_view_item(partner_b, world.item_b)
    assert not access.can_change_item(partner_b, world.item_b)  # read-only
    # An item first reported through A but also reported through B is visible to B's partners.
    report = Report.objects.create(
        portal=world.portal_b, language="en", seen_on="web", receipt_hash=hashlib.sha256(b"another receipt").hexdigest()
    )
    ReportUrl.objects.create(report=report, item=world.item_a, submitted_url=world.item_a.canonical_url)
    assert access.can_view_item(partner_b, world.item_a)
    analyst = world.users["analyst"]
    analyst.is_verified = lambda: True
    assert access.visible_portal_ids(analyst) is None and access.can_change_item(analyst, world.item_a)
    unverified = world.users["senior"]
    unverified.is_verified = lambda: False
    assert access.staff_role(unverified) is None and access.visible_portal_ids(unverified) == set()


def test_the_walk_notices_a_row_that_is_too_generous(world):
    """Guards the guard: had the table let every partner read portal A's item, the walk would report B's refusal."""
    failures: list[str] = []
    url = f"/workbench/items/{world.item_a.pk}/"
    _walk(world, "hotline:item", url, [page(STAFF)], failures)
    assert failures == [f"GET {url} (hotline:item) as {PARTNER_B} via session: expected allow, got deny (HTTP 404)"]


# The Django admin as a surface: every registered model's list and add pages, walked as every actor above plus a
# hotline admin who has not yet replaced the one-time password. Only hotline admins past every sign-in step pass.
ADMIN_BEFORE_PASSWORD_CHANGE = "admin-before-password-change"


def _admin_urls() -> list[str]:
    from django.contrib import admin

    urls = ["/admin/", "/admin/jsi18n/"]
    for model in admin.site._registry:
        urls.append(f"/admin/{model._meta.app_label}/{model._meta.model_name}/")
        urls.append(f"/admin/{model._meta.app_label}/{model._meta.model_name}/add/")
    return urls


def test_the_admin_is_walked_like_every_staff_surface(world):
    user, _one_time, _uri, _secret = services.create_staff("mx-new-admin", "admin")
    services.new_recovery_codes(user)
    world.users[ADMIN_BEFORE_PASSWORD_CHANGE] = user
    expected_location = {
        ANONYMOUS: "/staff/login/",
        PASSWORD_ONLY: "/staff/2fa/",
        DISABLED: "/staff/login/",  # the disabled account's session is ended before the admin sees it
        ADMIN_BEFORE_PASSWORD_CHANGE: "/staff/password/",
        **{member: "/staff/login/" for member in MEMBERS},
    }
    failures: list[str] = []
    for url in _admin_urls():
        for actor in (*ACTORS, ADMIN_BEFORE_PASSWORD_CHANGE):
            client, headers = _client(world, actor, "session")
            response = client.get(url, **headers)
            where = f"GET {url} as {actor}"
            if actor == "admin":
                # Pages of models an admin may not add or see answer 403; none may fail or let a stranger in.
                if response.status_code not in (200, 403):
                    failures.append(f"{where}: HTTP {response.status_code}")
                continue
            if actor in expected_location:
                location = response.get("Location", "")
                if response.status_code != 302 or not location.startswith(expected_location[actor]):
                    failures.append(
                        f"{where}: expected a redirect to {expected_location[actor]}, got "
                        f"HTTP {response.status_code} {location}"
                    )
            elif response.status_code != 403:
                failures.append(f"{where}: expected 403, got HTTP {response.status_code}")
    admin_client, _headers = _client(world, "admin", "session")
    for url in (
        "/admin/",
        "/admin/portals/portal/add/",
        "/admin/actions/routingrule/add/",
        "/admin/hotline/classificationscheme/add/",
        "/admin/lists/keyword/add/",
        "/admin/accounts/staffprofile/",
        "/admin/audit/auditentry/",
    ):
        if admin_client.get(url).status_code != 200:
            failures.append(f"GET {url} as admin: a hotline admin manages this, expected 200")
    assert not failures, "\n".join(failures)
