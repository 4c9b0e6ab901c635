"""What a reporter reads on the status page after removal, and the portal's name in each of its languages."""

from __future__ import annotations

import re

from reportal.reports.lifecycle import change_status
from reportal.reports.models import ItemStatus, ReportedUrl
from tests.portals.conftest import text_of


def _code(client, path: str, urls: list[str]) -> str:
    sent = client.post(path, {"url": urls, "seen_on": "web"})
    html = client.get(sent["Location"]).content.decode()
    return re.sub(r"<[^>]+>", "", re.search(r'<code id="reference">(.*?)</code>', html).group(1))


def test_after_removal_the_status_says_the_material_was_removed(client, demo_portals):
    code = _code(client, "/bz/en/report/", ["https://gone.example/a", "https://other.example/b"])
    items = list(ReportedUrl.objects.order_by("canonical_url"))
    change_status(items[0], ItemStatus.REMOVED, reason="removed by host")
    change_status(items[1], ItemStatus.NOT_ACTIONABLE, reason="not illegal")
    text = text_of(client.post("/bz/en/status/", {"reference": code}).content)
    assert "Status of your report Removed The illegal material you reported has been removed" in text
    assert "Closed" not in text
    spanish = text_of(client.post("/bz/es/status/", {"reference": code}).content)
    assert "Estado de su denuncia Eliminado" in spanish and "Cerrada" not in spanish


def test_closed_without_removal_still_says_closed(client, demo_portals):
    code = _code(client, "/bz/en/report/", ["https://fine.example/"])
    change_status(ReportedUrl.objects.get(), ItemStatus.NOT_ACTIONABLE, reason="not illegal")
    text = text_of(client.post("/bz/en/status/", {"reference": code}).content)
    assert "Closed" in text
    assert "removed" not in text.lower().replace("have it removed", "")


def test_the_status_api_names_a_removal_too(client, demo_portals):
    code = _code(client, "/bz/en/report/", ["https://gone2.example/"])
    change_status(ReportedUrl.objects.get(), ItemStatus.REMOVED, reason="removed by host")
    response = client.get(f"/api/v1/reports/status/{code}")
    assert response.status_code == 200
    assert response.json()["status"] == "removed"
    assert response.json()["label"].startswith("Removed")


def test_branding_follows_the_pages_language(client, demo_portals):
    arabic = client.get("/global/ar/").content.decode()
    assert "الإبلاغ عن الإساءة على الإنترنت" in text_of(arabic)  # the heading
    assert re.search(r'class="brand"[^>]*>أبلِغ<', arabic)
    assert "Report Abuse" not in text_of(arabic)
    assert "<title>" in arabic and "– الإبلاغ عن الإساءة على الإنترنت</title>" in arabic
    spanish = text_of(client.get("/bz/es/").content)
    assert "Denuncie Belice" in spanish and "Report It" not in spanish
    # A language without its own branding shows the portal's plain name.
    assert "Report It Belize" in text_of(client.get("/bz/en/").content)


def test_branding_per_language_survives_export_and_import(demo_portals):
    from reportal.portals.transfer import export_portal, import_portal

    data = export_portal(demo_portals["global"])
    assert data["display_name_by_language"]["ar"] == "الإبلاغ عن الإساءة على الإنترنت"
    data["logo_text_by_language"]["fr"] = "Signaler ici"
    portal, created = import_portal(data)
    assert not created and portal.logo_text_in("fr") == "Signaler ici"
