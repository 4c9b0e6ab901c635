"""Every catalogue the project ships (the project's and each app's, in every shipped language) is complete, keeps
its placeholders, and is compiled; every string of the staff templates is in its app's catalogue in every language;
and the staff pages come out translated (Arabic right to left)."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2] / "reportal"
LANGUAGES = ("es", "fr", "pt", "ar")
CATALOGUES = sorted(ROOT.glob("**/locale/*/LC_MESSAGES/django.po"))
TRANSLATED = [p for p in CATALOGUES if p.parts[-3] in LANGUAGES]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
TEMPLATE_STRING = re.compile(r"""{%\s*translate\s+(["'])(.+?)\1""")
STAFF_APPS = ("accounts", "actions", "hotline")

pytestmark = pytest.mark.django_db


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_every_shipped_language_has_every_catalogue():
    apps = {p.parts[-5] if p.parts[-5] != "reportal" else "" for p in CATALOGUES}
    for app in apps:
        base = ROOT / app / "locale" if app else ROOT / "locale"
        missing = [lang for lang in LANGUAGES if not (base / lang / "LC_MESSAGES" / "django.po").exists()]
        assert not missing, f"{base}: no catalogue for {missing}; run makemessages -l for them"


@pytest.mark.parametrize("path", TRANSLATED, ids=_id)
def test_catalogue_is_complete_with_its_placeholders(path):
    po = polib.pofile(str(path))
    nplurals = int(po.metadata["Plural-Forms"].split("nplurals=")[1].split(";")[0])
    problems = []
    for entry in po:
        if entry.obsolete:
            continue
        texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if "fuzzy" in entry.flags or not all(t.strip() for t in texts):
            problems.append(f"untranslated or fuzzy: {entry.msgid!r}")
            continue
        if entry.msgid_plural and len(entry.msgstr_plural) != nplurals:
            problems.append(f"{len(entry.msgstr_plural)} plural forms, the language has {nplurals}: {entry.msgid!r}")
        wanted = set(PLACEHOLDER.findall(entry.msgid))
        for text in texts:
            got = set(PLACEHOLDER.findall(text))
            # A plural form may leave out the number it is chosen by ("one item"), never add or lose another.
            allowed_missing = {p for p in wanted if p in entry.msgid_plural} if entry.msgid_plural else set()
            if got - wanted or (wanted - got) - allowed_missing:
                problems.append(f"placeholders {sorted(got)} instead of {sorted(wanted)}: {entry.msgid!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", TRANSLATED, ids=_id)
def test_compiled_catalogue_says_what_the_po_says(path):
    po = polib.pofile(str(path))
    # Keyed by context too: "Removed" (an item's status) and "Removed" in context (a count) are two entries.
    mo = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(path.with_suffix(".mo"))) if not e.msgid_plural}
    stale = [e.msgid for e in po if not e.obsolete and not e.msgid_plural and mo.get((e.msgctxt, e.msgid)) != e.msgstr]
    assert not stale, f"run compilemessages: {stale[:5]}"


@pytest.mark.parametrize("app", STAFF_APPS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_staff_template_string_is_in_its_catalogue(app, lang):
    msgids = {e.msgid for e in polib.pofile(str(ROOT / app / "locale" / lang / "LC_MESSAGES" / "django.po"))}
    missing = [
        (template.name, text)
        for template in (ROOT / app / "templates").rglob("*.html")
        for _quote, text in TEMPLATE_STRING.findall(template.read_text(encoding="utf-8"))
        if text not in msgids
    ]
    assert not missing, f"run makemessages for reportal/{app}: {missing}"


EXPECTED = {
    "es": ("Cola", "Elementos pendientes de evaluación", "Atajos de teclado"),
    "fr": ("File d'attente", "Éléments en attente d'évaluation", "Raccourcis clavier"),
    "pt": ("Fila", "Elementos a aguardar avaliação", "Atalhos de teclado"),
    "ar": ("قائمة الانتظار", "عناصر بانتظار التقييم", "اختصارات لوحة المفاتيح"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_staff_pages_come_out_in_each_language(lang, staff_client):
    from html import unescape

    from .factories import report_item

    item = report_item("https://lang.example/page")
    client, _analyst = staff_client("analyst")
    client.cookies["django_language"] = lang
    queue = unescape(client.get("/workbench/", HTTP_ACCEPT_LANGUAGE=lang).content.decode())
    navigation, heading, _keys = EXPECTED[lang]
    assert f'lang="{lang}"' in queue and f">{navigation}</a>" in queue and f"<h1>{heading}</h1>" in queue
    assert ('dir="rtl"' in queue) == (lang == "ar")
    client.post(f"/workbench/items/{item.pk}/claim/")
    page = unescape(client.get(f"/workbench/items/{item.pk}/", HTTP_ACCEPT_LANGUAGE=lang).content.decode())
    assert EXPECTED[lang][2] in page
