"""Landing page plus report form: at most 60 KB as transferred (compressed bodies and headers), every asset
included, static files compressed and cacheable for a year under hashed names.

Sizes are what Chromium received (Playwright's response sizes: encoded body plus headers), cross-checked with a
plain HTTP client that asks for `Accept-Encoding: gzip, br` and counts the bytes on the wire without decoding.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from reportal.portals.demo import load_demo_portals

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BUDGET = 60 * 1024


@pytest.mark.parametrize(("slug", "lang"), [("gt", "es"), ("global", "ar")])
def test_landing_and_form_fit_in_60_kb_as_transferred(browser, compressed_live_server, settings, slug, lang):
    settings.REPORTAL_ALTCHA_MAX_NUMBER = 2000
    load_demo_portals()
    base = compressed_live_server
    context = browser.new_context()  # a fresh cache, as for a first visit
    page = context.new_page()
    seen: list = []
    page.on("requestfinished", lambda request: seen.append(request))
    page.goto(f"{base}/{slug}/{lang}/")
    page.wait_for_load_state("load")
    page.locator("main a.button").first.click()  # "Make a report", as a reporter would
    page.wait_for_url(f"{base}/{slug}/{lang}/report/")
    page.locator("#url-0").focus()  # starts the proof of work: the challenge and the worker count too
    expect(page.locator("input[name=altcha]")).not_to_have_value("", timeout=30_000)
    page.wait_for_load_state("load")

    # One row per URL: what the first fetch brought (later uses come from the browser's cache; Playwright then
    # reports a negative body size, nothing was transferred).
    rows: dict[str, dict] = {}
    for request in seen:
        response = request.response()
        sizes = request.sizes()
        row = rows.setdefault(request.url, {"url": request.url, "body": 0, "headers": 0, "accept": ""})
        if sizes["responseBodySize"] > row["body"] or not row["headers"]:
            headers = response.all_headers()
            row |= {
                "body": max(sizes["responseBodySize"], row["body"]),
                "headers": sizes["responseHeadersSize"],
                "encoding": headers.get("content-encoding", ""),
                "cache": headers.get("cache-control", ""),
            }
        row["accept"] = row["accept"] or request.all_headers().get("accept-encoding", "")
    context.close()

    # A plain HTTP client asking for gzip or brotli sees the same compressed bodies on the wire; where the browser
    # reported no size (a worker's script), the client's count is used.
    with httpx.Client() as client:
        for row in rows.values():
            if not row["url"].startswith(f"{base}/static/"):
                continue
            with client.stream("GET", row["url"], headers={"Accept-Encoding": "gzip, br"}) as response:
                on_wire = sum(len(chunk) for chunk in response.iter_raw())
            assert int(response.headers["content-length"]) == on_wire
            assert row["body"] in (0, on_wire), row["url"]
            row["body"] = on_wire
            row["encoding"] = response.headers.get("content-encoding", "")

    total = sum(row["body"] + row["headers"] for row in rows.values())
    table = "\n".join(
        f"{row['body']:>7} {row['headers']:>5} {row['encoding'] or '-':>5}  {row['url'].removeprefix(base)}"
        for row in rows.values()
    )
    print(f"\n   body  head   enc  url\n{table}\n{total:>7} bytes transferred in total (budget {BUDGET})")

    urls = [url.removeprefix(base) for url in rows]
    assert f"/{slug}/{lang}/" in urls and f"/{slug}/{lang}/report/" in urls
    assert f"/{slug}/challenge/" in urls and any(u.endswith(".js") and "altcha" in u for u in urls), table
    assert all(url.startswith(base) for url in rows), table
    assert "gzip" in rows[f"{base}/{slug}/{lang}/"]["accept"]
    for row in rows.values():
        if row["url"].startswith(f"{base}/static/"):
            # Hashed names: whitenoise marks them immutable for a year; every one goes out compressed.
            assert row["encoding"] in ("gzip", "br"), table
            assert "immutable" in row["cache"] and "max-age=315360000" in row["cache"], table
        elif row["url"] in (f"{base}/{slug}/{lang}/", f"{base}/{slug}/{lang}/report/"):
            assert row["encoding"] == "gzip", table  # the pages themselves too
    assert total <= BUDGET, table
