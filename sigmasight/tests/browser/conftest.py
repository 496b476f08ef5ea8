"""Browser tests: Playwright (the pip package) driving Debian's Chromium at /usr/bin/chromium
against pytest-django's ``live_server`` (one per xdist worker; the tests' rows are committed, as
``live_server`` implies ``transactional_db``). No browser is ever downloaded.

Chromium missing: a failure in CI (``CI=true`` or ``SIGMASIGHT_REQUIRE_SERVICES=1``; ``.ci/run``
installs it with apt), a skip elsewhere. Screenshots go to ``$SIGMASIGHT_ARTIFACTS`` (default
``var/test-artifacts/browser``); with ``SIGMASIGHT_UPDATE_SCREENSHOTS=1`` the dashboard's also
replaces the committed ``docs/screenshots/dashboard.png``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("SIGMASIGHT_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("CI") == "true" or os.environ.get("SIGMASIGHT_REQUIRE_SERVICES") == "1"
#: The flags known to work on these machines: no GPU, no sandbox (root), and no background traffic
#: (the network is closed: Chromium's own connections would be refused).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(why: str) -> None:
    if REQUIRED:
        pytest.fail(f"Browser tests are required in CI: {why}")
    pytest.skip(why)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    path = Path(
        os.environ.get("SIGMASIGHT_ARTIFACTS") or settings.BASE_DIR / "var" / "test-artifacts" / "browser"
    )
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Chromium per test module.

    Playwright's sync API keeps an asyncio loop running in this thread while it is open, which
    Django's guard against ORM calls from async code would trip on (the database setup, the tests'
    own queries); the calls are synchronous all the same, so the guard is lifted for the module
    only (the loop ends with the module)."""
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright  # optional: only the browser tests need it
    except ImportError:
        _unavailable("the playwright package is not installed")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # launch() starts Chromium on a fresh, throwaway profile of its own (a new --user-data-dir).
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()
            if previous is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(chromium: Any, live_server: Any) -> Iterator[Any]:
    """A page whose requests may only reach the live server: anything else is aborted (and listed
    in ``page.external_requests``), so a CDN dependency fails the test as it would offline."""
    context = chromium.new_context(viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(20_000)
    context.set_default_navigation_timeout(240_000)
    external: list[str] = []

    def route(route: Any) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.external_requests = external
    try:
        yield page
    finally:
        context.close()
