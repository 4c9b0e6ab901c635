"""Fixtures for the public portal tests: the demo portals, and helpers to read pages."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from reportal.portals.demo import load_demo_portals


@pytest.fixture
def demo_portals(db):
    return {p.slug: p for p in load_demo_portals()}


class PageParser(HTMLParser):
    """Collects what tests look at: resource URLs, links, inputs, scripts, the html element's attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.resources: list[str] = []  # URLs the browser would load by itself
        self.links: list[str] = []  # navigation links
        self.language_links: dict[str, str] = {}  # hreflang -> href of the language switch
        self.inputs: list[dict[str, str | None]] = []
        self.inline_scripts = 0
        self.inline_style_attrs = 0
        self.html_attrs: dict[str, str | None] = {}
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.html_attrs = a
        if "style" in a:
            self.inline_style_attrs += 1
        if any(name.startswith("on") for name in a):
            self.inline_scripts += 1
        if tag == "script":
            if a.get("src"):
                self.resources.append(a["src"] or "")
            else:
                self.inline_scripts += 1
        elif tag == "link" and a.get("href"):
            self.resources.append(a["href"] or "")
        elif tag in ("img", "iframe", "audio", "video", "source", "embed", "track"):
            for key in ("src", "srcset", "poster"):
                if a.get(key):
                    self.resources.append(a[key] or "")
        elif tag == "object" and a.get("data"):
            self.resources.append(a["data"] or "")
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
            if a.get("hreflang"):
                self.language_links[a["hreflang"] or ""] = a["href"] or ""
        if tag in ("input", "textarea", "select"):
            self.inputs.append({"tag": tag, **a})
        for key in ("challengeurl", "workerurl"):
            if a.get(key):
                self.resources.append(a[key] or "")


def parse(html: bytes | str) -> PageParser:
    parser = PageParser()
    parser.feed(html.decode() if isinstance(html, bytes) else html)
    return parser


def text_of(html: bytes | str) -> str:
    """The visible text, whitespace collapsed, for "the user sees X" assertions."""
    raw = html.decode() if isinstance(html, bytes) else html
    raw = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", raw, flags=re.S)
    raw = re.sub(r"<[^>]+>", " ", raw)
    import html as html_module

    return re.sub(r"\s+", " ", html_module.unescape(raw)).strip()
