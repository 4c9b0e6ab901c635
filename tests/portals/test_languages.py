"""A portal may use any language whose catalogue exists, and falls back per string to its own first language.

The test writes a tiny Q'eqchi' (kek) catalogue into a temporary LOCALE_PATHS folder, as an operator would after
`makemessages -l kek` and `compilemessages`; its "translations" are marked test strings, not real Q'eqchi'.
"""

from __future__ import annotations

import polib
import pytest
from django.core.exceptions import ValidationError

from reportal.portals.languages import available_languages, native_name
from reportal.portals.models import Portal
from tests.portals.conftest import parse, text_of

TRANSLATED = {
    "Make a report": "[kek] Make a report",
    "What to report": "[kek] What to report",
    "Web address": "[kek] Web address",
}


@pytest.fixture
def kek_catalogue(tmp_path, settings):
    folder = tmp_path / "locale" / "kek" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "kek"}
    for msgid, msgstr in TRANSLATED.items():
        po.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
    po.save(str(folder / "django.po"))
    po.save_as_mofile(str(folder / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path / "locale", *settings.LOCALE_PATHS]
    return tmp_path / "locale"


def test_a_language_without_a_catalogue_is_refused(demo_portals):
    portal = demo_portals["gt"]
    portal.languages = ["es", "kek"]
    with pytest.raises(ValidationError, match="Unknown language codes: kek"):
        portal.full_clean()


def test_a_language_with_a_catalogue_can_be_offered_and_falls_back_to_the_portals_first_language(
    client, demo_portals, kek_catalogue
):
    assert "kek" in available_languages()
    portal: Portal = demo_portals["gt"]
    portal.languages = ["es", "kek"]
    portal.full_clean()
    portal.save()

    response = client.get("/gt/kek/")
    assert response.status_code == 200
    assert response["Content-Language"] == "kek"
    page = parse(response.content)
    assert page.html_attrs["lang"] == "kek"
    assert page.html_attrs["dir"] == "ltr"
    text = text_of(response.content)
    assert "[kek] What to report" in text and "[kek] Make a report" in text
    # Strings the catalogue lacks come from the portal's first language (Spanish), never English.
    assert "Qué no denunciar aquí" in text
    assert "What not to report here" not in text
    # The switch names the language in itself, and the Spanish page offers it.
    assert parse(client.get("/gt/es/").content).language_links == {"kek": "/gt/kek/"}
    assert native_name("kek") == "Q'eqchi'"
    assert "Q'eqchi'" in client.get("/gt/es/").content.decode().replace("&#x27;", "'")

    # The form, its error messages (Django's own included) and the redirect after sending work in it too.
    form = client.get("/gt/kek/report/")
    assert "[kek] Make a report" in text_of(form.content)
    refused = client.post("/gt/kek/report/", {"url": ["ftp://x.example/"], "seen_on": ""})
    assert refused.status_code == 400
    assert "Solo se pueden denunciar direcciones web que empiezan con http:// o https://." in text_of(refused.content)
    assert "Elija dónde lo vio." in text_of(refused.content)
    sent = client.post("/gt/kek/report/", {"url": ["https://x.example/"], "seen_on": "web"})
    assert sent["Location"] == "/gt/kek/report/thanks/"
    assert "Gracias. Recibimos su denuncia." in text_of(client.get(sent["Location"]).content)


def test_an_english_first_portal_falls_back_to_english(client, demo_portals, kek_catalogue):
    portal: Portal = demo_portals["bz"]
    portal.languages = ["en", "kek"]
    portal.save()
    text = text_of(client.get("/bz/kek/").content)
    assert "[kek] What to report" in text and "What not to report here" in text
