"""/api/v1/docs in Debian's Chromium: the Swagger UI renders every operation group (the /api/v1/ routers and the
HMA paths), from our own static files only, with no Content-Security-Policy violation and nothing from another host."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_docs_page_renders_the_operations_from_our_own_host(page, live_server):
    requested: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".opblock-tag", timeout=20000)
    page.wait_for_selector('[data-path="/h/hash"]', timeout=20000)
    page.screenshot(path="/tmp/api-docs.png", full_page=False)

    tags = [t.strip().lower() for t in page.locator(".opblock-tag").all_inner_texts()]
    assert any(t.startswith("reports") for t in tags) and any(t.startswith("hma") for t in tags)
    assert page.locator(".opblock").count() >= 30
    assert page.locator('[data-path="/m/raw_lookup"]').count() >= 1
    own = urlsplit(live_server.url).netloc
    assert requested and all(urlsplit(url).netloc == own for url in requested if url.startswith("http")), requested
    assert problems == []
