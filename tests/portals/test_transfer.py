"""`reportal portals export SLUG` / `reportal portals import FILE`: one readable file per portal, validated."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from reportal.portals.models import Portal


def _export(slug: str) -> str:
    out = io.StringIO()
    call_command("portals", "export", slug, stdout=out)
    return out.getvalue()


def test_export_is_readable_json_with_partners_and_helplines(demo_portals):
    text = _export("bz")
    data = json.loads(text)
    assert data["slug"] == "bz"
    assert data["languages"] == ["en", "es"]
    assert [p["name"] for p in data["partners"]][0] == "Belize Police Department (demo)"
    assert data["helplines"][0]["phone"] == "+501 555 0140"
    assert "\n  " in text  # indented for people and diffs


def test_import_creates_a_new_portal_from_an_edited_export(demo_portals, tmp_path):
    data = json.loads(_export("gt"))
    data.update(slug="hn", country_code="HN", name="Honduras", display_name="Denuncia Honduras")
    data["partners"] = data["partners"][:1]
    path = tmp_path / "hn.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("portals", "import", str(path), stdout=out)
    assert "Created portal hn" in out.getvalue()
    portal = Portal.objects.get(slug="hn")
    assert portal.partners.count() == 1
    assert portal.helplines.count() == 2


def test_import_updates_in_place_and_replaces_partners(demo_portals, tmp_path):
    data = json.loads(_export("sv"))
    data["display_name"] = "Reporta SV"
    data["partners"] = [{"name": "Nueva organización (demo)", "role": "ngo", "link": "https://ngo.sv.example/"}]
    path = tmp_path / "sv.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out = io.StringIO()
    call_command("portals", "import", str(path), stdout=out)
    assert "Updated portal sv" in out.getvalue()
    portal = Portal.objects.get(slug="sv")
    assert portal.display_name == "Reporta SV"
    assert list(portal.partners.values_list("name", flat=True)) == ["Nueva organización (demo)"]


def test_import_refuses_a_bad_file_naming_every_problem_and_changes_nothing(demo_portals, tmp_path):
    data = json.loads(_export("gt"))
    data["languages"] = ["es", "xx"]
    data["brand_colour"] = "blue"
    data["partners"][0]["link"] = "not a link"
    data["helplines"].append({"name": "Sin teléfono", "fax": "123"})
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("portals", "import", str(path))
    message = str(error.value)
    assert "nothing changed" in message
    assert "portal.languages" in message and "xx" in message
    assert "portal.brand_colour" in message
    assert "partners[0].link" in message
    assert "helplines[2]" in message and "'fax'" in message
    portal = Portal.objects.get(slug="gt")
    assert portal.languages == ["es"]
    assert portal.partners.count() == 4


def test_import_explains_broken_json_and_unknown_export_slug(demo_portals, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"slug": "gt",', encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("portals", "import", str(path))
    with pytest.raises(CommandError, match="Known portals: bz, global, gt, sv"):
        call_command("portals", "export", "zz")


def test_demo_portals_load_twice_without_duplicates(demo_portals):
    call_command("portals", "demo", stdout=io.StringIO())
    assert sorted(Portal.objects.values_list("slug", flat=True)) == ["bz", "global", "gt", "sv"]
    assert Portal.objects.get(slug="global").languages == ["en", "fr", "es", "pt", "ar"]
    assert Portal.objects.get(slug="gt").partners.count() == 4
