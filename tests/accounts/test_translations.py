"""The Spanish catalogue of the staff pages is complete and compiled: every string of the accounts templates is in
it, translated, not fuzzy, and the .mo that Django reads says the same as the .po."""

from __future__ import annotations

import re
from pathlib import Path

import polib

ACCOUNTS = Path(__file__).resolve().parents[2] / "reportal" / "accounts"
PO = ACCOUNTS / "locale" / "es" / "LC_MESSAGES" / "django.po"


def test_catalogue_is_complete_and_compiled():
    po = polib.pofile(str(PO))
    untranslated = [e.msgid for e in po if "fuzzy" in e.flags or not (e.msgstr or any(e.msgstr_plural.values()))]
    assert not untranslated, untranslated
    mo = {e.msgid: e.msgstr for e in polib.mofile(str(PO.with_suffix(".mo"))) if not e.msgid_plural}
    assert mo == {e.msgid: e.msgstr for e in po if not e.msgid_plural}, "run the .po through msgfmt again"


def test_every_template_string_is_in_the_catalogue():
    msgids = {e.msgid for e in polib.pofile(str(PO))}
    missing = []
    for template in (ACCOUNTS / "templates").rglob("*.html"):
        for _quote, text in re.findall(r"""{%\s*translate\s+(["'])(.+?)\1""", template.read_text()):
            if text not in msgids:
                missing.append((template.name, text))
    assert not missing, f"run makemessages for reportal/accounts: {missing}"
