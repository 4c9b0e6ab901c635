"""Every public string has a translation in es, fr, pt and ar, and the compiled catalogues are current."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.utils import translation

import reportal

LOCALE = Path(reportal.__file__).parent / "locale"
LANGUAGES = ["es", "fr", "pt", "ar"]
# Strings from these places reach reporters: portal pages and forms, intake messages, project templates.
PUBLIC_SOURCES = ("portals/", "reports/", "templates/", "ratelimit.py")


def _public_entries(po: polib.POFile) -> list[polib.POEntry]:
    return [e for e in po if not e.obsolete and any(o[0].startswith(PUBLIC_SOURCES) for o in e.occurrences)]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_public_msgid_is_translated(lang):
    po = polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))
    entries = _public_entries(po)
    assert len(entries) > 100
    untranslated = [
        e.msgid
        for e in entries
        if "fuzzy" in e.flags or not (all(e.msgstr_plural.values()) if e.msgid_plural else e.msgstr.strip())
    ]
    assert untranslated == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_survive_translation(lang):
    import re

    po = polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))
    pattern = re.compile(r"%\(\w+\)[sd]")
    for entry in _public_entries(po):
        wanted = sorted(pattern.findall(entry.msgid))
        for text in entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]:
            assert sorted(set(pattern.findall(text))) == sorted(set(wanted)), entry.msgid


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalogue_matches_the_po_file(lang):
    po = polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))
    mo = polib.mofile(str(LOCALE / lang / "LC_MESSAGES" / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in mo if not e.msgid_plural}  # a msgid may come with a context
    stale = [
        e.msgid for e in _public_entries(po) if not e.msgid_plural and compiled.get((e.msgctxt, e.msgid)) != e.msgstr
    ]
    assert stale == [], "run `reportal compilemessages` after editing the .po files"


def test_django_serves_the_translations():
    with translation.override("ar"):
        assert translation.gettext("Leave this site quickly") == "مغادرة الموقع بسرعة"
    with translation.override("pt"):
        assert translation.gettext("Make a report") == "Fazer uma denúncia"
