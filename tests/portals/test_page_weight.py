"""The landing page plus the report form transfer at most 60 KB compressed, as a browser fetches them."""

from __future__ import annotations

import httpx
import pytest

from reportal.portals.demo import load_demo_portals

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BUDGET = 60 * 1024


@pytest.mark.parametrize(("slug", "lang"), [("gt", "es"), ("global", "ar")])
def test_landing_and_form_fit_in_60_kb_compressed(browser, compressed_live_server, slug, lang):
    load_demo_portals()
    context = browser.new_context()  # a fresh cache, as for a first visit
    page = context.new_page()
    requested: dict[str, str] = {}  # URL -> the Accept-Encoding the browser sent
    page.on(
        "requestfinished",
        # all_headers() includes what the network stack adds, Accept-Encoding among them.
        lambda request: requested.setdefault(request.url, request.all_headers().get("accept-encoding", "")),
    )
    page.goto(f"{compressed_live_server}/{slug}/{lang}/")
    page.goto(f"{compressed_live_server}/{slug}/{lang}/report/")
    page.wait_for_load_state("networkidle")
    context.close()

    # Fetch the same URLs with the browser's Accept-Encoding and count the bytes on the wire (still encoded).
    transferred: dict[str, int] = {}
    encodings: dict[str, str] = {}
    with httpx.Client() as client:
        for url, accept_encoding in requested.items():
            with client.stream("GET", url, headers={"Accept-Encoding": accept_encoding}) as response:
                assert response.status_code == 200, url
                transferred[url] = sum(len(chunk) for chunk in response.iter_raw())
                encodings[url] = response.headers.get("content-encoding", "")

    total = sum(transferred.values())
    report = "\n".join(f"{size:>7} {encodings.get(url, '')!s:>5} {url}" for url, size in transferred.items())
    print(f"\n{report}\n{total:>7} bytes in total (budget {BUDGET})")
    assert (
        "br" in requested[f"{compressed_live_server}/{slug}/{lang}/"]
        or "gzip" in requested[f"{compressed_live_server}/{slug}/{lang}/"]
    )
    assert all(url.startswith(compressed_live_server) for url in transferred), report
    assert encodings[f"{compressed_live_server}/{slug}/{lang}/report/"] == "gzip"
    assert any(enc in ("gzip", "br") for url, enc in encodings.items() if url.endswith(".js")), report
    assert total <= BUDGET, report
