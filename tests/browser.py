"""Shared Playwright set-up for browser tests: Debian's Chromium, loopback only.

The fixtures are imported once in tests/conftest.py and reach every test; never import them again in a module
or a folder conftest (that would start a second Playwright in the same thread, which it refuses).
Mark the tests `@pytest.mark.browser`. They need `live_server` and a transactional database.
`compressed_live_server` serves like production (whitenoise with hashed, precompressed static files) for size checks.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("REPORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# Sync Playwright runs an event loop in the test thread; Django's ORM refuses to run there unless told.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def launch_browser(playwright: Any) -> Any:
    """Debian's Chromium, headless, with nothing phoning home."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing; install Debian's chromium package (apt-get install -y chromium).")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        instance = launch_browser(playwright)
        yield instance
        instance.close()


def _new_page(browser: Any, **context_options: Any) -> Iterator[Any]:
    context = browser.new_context(**context_options)
    # Belt and braces: anything that is not loopback fails instead of leaving the machine.
    context.route(
        lambda url: not url.startswith(("http://localhost", "http://127.0.0.1", "http://[::1]")),
        lambda route: route.abort(),
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page with JavaScript on."""
    yield from _new_page(browser)


@pytest.fixture
def page_no_js(browser: Any) -> Iterator[Any]:
    """A page with JavaScript off, as some reporters (or Tor's safest mode) browse."""
    yield from _new_page(browser, java_script_enabled=False)


_collected: dict[str, Path] = {}


@pytest.fixture
def compressed_live_server(settings: Any, transactional_db: None) -> Iterator[str]:
    """A live server like production: whitenoise serving collected, precompressed static files; returns its URL."""
    from django.core.management import call_command
    from django.db import connections
    from django.test.testcases import LiveServerThread

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "reportal.staticfiles.HashedCompressedStaticFiles"},
    }
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    if "root" not in _collected:
        # Collected (hashed names, compressed copies) once per test run: the files do not change within one.
        _collected["root"] = Path(tempfile.mkdtemp(prefix="reportal-static-"))
        atexit.register(shutil.rmtree, _collected["root"], True)
        settings.STATIC_ROOT = _collected["root"]
        call_command("collectstatic", interactive=False, verbosity=0)
    settings.STATIC_ROOT = _collected["root"]

    overrides = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
    thread = LiveServerThread("localhost", static_handler=lambda handler: handler, connections_override=overrides)
    thread.daemon = True
    for conn in overrides.values():
        conn.inc_thread_sharing()
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    try:
        yield f"http://localhost:{thread.port}"
    finally:
        thread.terminate()
        for conn in overrides.values():
            conn.dec_thread_sharing()
