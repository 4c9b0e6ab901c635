"""axe-core finds no serious or critical problems on the public pages in English, Spanish and Arabic."""

from __future__ import annotations

import pytest

from reportal.portals.demo import load_demo_portals

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASES = [("gt", "es", "Enviar la denuncia"), ("global", "en", "Send the report"), ("global", "ar", "إرسال البلاغ")]


def _serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize(("slug", "lang", "send"), CASES, ids=[f"{s}-{lang}" for s, lang, _ in CASES])
def test_landing_form_thank_you_and_status_pages(page, live_server, transactional_db, settings, slug, lang, send):
    settings.REPORTAL_ALTCHA_MAX_NUMBER = 2000
    load_demo_portals()
    base = f"{live_server.url}/{slug}/{lang}"
    problems: dict[str, list[str]] = {}

    page.goto(f"{base}/")
    problems["landing"] = _serious(page)

    page.goto(f"{base}/report/")
    problems["form"] = _serious(page)

    page.locator("#url-0").fill("hxxp://bad[.]example/page")
    page.locator("#seen_on-web").check()
    page.get_by_role("button", name=send).click()
    page.wait_for_selector("#reference", timeout=30_000)
    problems["thank-you"] = _serious(page)
    code = page.locator("#reference").inner_text()

    page.goto(f"{base}/status/")
    problems["status"] = _serious(page)
    page.locator("#reference").fill(code)
    page.locator("form button[type=submit]").click()
    page.wait_for_selector(".state")
    problems["status result"] = _serious(page)

    page.goto(f"{base}/report/")
    page.locator("#url-0").fill("javascript:void(0)")
    page.locator("#seen_on-web").check()
    page.get_by_role("button", name=send).click()
    page.wait_for_selector("#url-0-error", timeout=30_000)
    problems["form with errors"] = _serious(page)

    assert {name: found for name, found in problems.items() if found} == {}
