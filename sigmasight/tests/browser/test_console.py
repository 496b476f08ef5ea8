"""The staff console and the API docs in a real browser (Chromium), as a risk person would use them:
log in, run the batch for a portfolio and see the run's steps, open the portfolio page and the
dashboard with their charts drawn; Swagger UI and ReDoc list the operations with no network."""

from __future__ import annotations

import io
import os
import shutil
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings

from analytics.models import BatchRun
from portfolios.demo import ADMIN_EMAIL, DEMO_PASSWORD

# serialized_rollback: the flush after each live-server test restores the migrations' reference data
# (factor definitions, the scenario library) that the tests after it in this worker read
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

#: Data migrations whose rows the batch needs (factor definitions, the stress-scenario library).
#: The live server sees committed rows only (a transactional test), and an earlier transactional
#: test of the same process flushes every table: their (idempotent) seeds run again first.
SEED_MIGRATIONS = (
    "marketdata.migrations.0002_seed_factor_definitions",
    "analytics.migrations.0005_risk_scenario_library",
)


def reference_data_seed() -> None:
    for module in SEED_MIGRATIONS:
        import_module(module).seed(django_apps, None)


DEMO_SETTINGS = {"MARKET_DATA_PROVIDER": "synthetic", "SYNTHETIC_AS_OF": "2026-11-20", "SYNTHETIC_SEED": 42}
HEDGE_FUND = "Demo Hedge Fund Style Investor Portfolio"
REDOC_BUNDLE_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


_DRAWN = """(ids) => Object.fromEntries(ids.map((id) => {
    const canvas = document.getElementById(id);
    const chart = canvas && window.Chart && window.Chart.getChart(canvas);
    return [id, !!chart && chart.data.datasets.length > 0 && canvas.width > 0];
}))"""


def charts_drawn(page: Any, ids: list[str], timeout_ms: int = 15_000) -> dict[str, bool]:
    """Per canvas id: Chart.js (unfold's bundled copy) drew a chart with data on it. Charts are
    created by scripts after the page's markup, so wait (bounded) until every one is drawn, then
    report each (a chart that never draws shows as False in the assertion)."""
    try:
        page.wait_for_function(
            f"(ids) => Object.values(({_DRAWN})(ids)).every(Boolean)", arg=ids, timeout=timeout_ms
        )
    except Exception:  # noqa: BLE001 - playwright's TimeoutError: the assertion below says which chart
        pass
    return page.evaluate(_DRAWN, ids)


def log_in(page: Any, base: str) -> None:
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("input[name=username]", ADMIN_EMAIL)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/admin/")


@override_settings(**DEMO_SETTINGS)
def test_staff_runs_the_batch_and_reads_the_console(page, live_server, artifacts_dir: Path) -> None:
    cache.clear()
    reference_data_seed()
    call_command("seed_demo", "--no-batch", stdout=io.StringIO())
    base = live_server.url
    log_in(page, base)
    page.screenshot(path=artifacts_dir / "dashboard-before-batch.png", full_page=True)

    # Run the batch for the three demo books from the portfolio list's action.
    page.goto(f"{base}/admin/portfolios/portfolio/")
    assert page.locator("#result_list input.action-select").count() == 3
    for box in page.locator("#result_list input.action-select").all():
        box.check()
    page.select_option("select[name=action]", "run_batch_for_portfolios")
    page.locator("button[name=index], button[type=submit][title], #changelist-actions button").first.click()
    page.wait_for_url("**/admin/analytics/batchrun/*/change/")
    steps = page.get_by_test_id("run-engines")
    steps.wait_for()
    text = steps.inner_text()
    for label in ("Market data sync", "Position valuation", "Stress tests", "Snapshots"):
        assert label in text
    run = BatchRun.objects.get()
    assert run.status == "succeeded", run.error
    assert "succeeded" in page.get_by_test_id("batch-run-summary").inner_text()
    assert charts_drawn(page, ["chart-run-engines"]) == {"chart-run-engines": True}
    page.screenshot(path=artifacts_dir / "batch-run.png", full_page=True)

    # The portfolio page: its charts and the compact positions table.
    page.goto(f"{base}/admin/portfolios/portfolio/")
    page.get_by_role("link", name=HEDGE_FUND).first.click()
    page.get_by_test_id("portfolio-console").wait_for()
    ids = ["chart-nav", "chart-drawdown", "chart-exposure-type", "chart-exposure-sector"]
    assert charts_drawn(page, ids) == dict.fromkeys(ids, True)
    assert page.get_by_test_id("positions-table").locator("tbody tr").count() == 30
    page.screenshot(path=artifacts_dir / "portfolio.png", full_page=True)

    # The dashboard: last run, alerts, portfolios by NAV.
    page.goto(f"{base}/admin/")
    page.get_by_test_id("console-dashboard").wait_for()
    ids = ["chart-engines", "chart-alerts", "chart-portfolios"]
    assert charts_drawn(page, ids) == dict.fromkeys(ids, True)
    assert "succeeded" in page.get_by_test_id("console-dashboard").inner_text()
    page.screenshot(path=artifacts_dir / "dashboard-full.png", full_page=True)
    shot = artifacts_dir / "dashboard.png"
    page.screenshot(path=shot)  # the first screen: what the README shows
    if os.environ.get("SIGMASIGHT_UPDATE_SCREENSHOTS") == "1":
        shutil.copy(shot, Path(settings.BASE_DIR) / "docs" / "screenshots" / "dashboard.png")
    assert page.external_requests == []


def test_swagger_ui_and_redoc_list_the_operations_offline(page, live_server, artifacts_dir: Path) -> None:
    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 50
    assert page.get_by_text("/api/v1/auth/login").first.is_visible()
    page.screenshot(path=artifacts_dir / "swagger-ui.png")
    assert page.external_requests == []

    page.goto(f"{live_server.url}/api/redoc/")
    page.locator("[data-section-id^='operation/']").first.wait_for(state="attached")
    assert page.locator("[data-section-id^='operation/']").count() > 50
    page.screenshot(path=artifacts_dir / "redoc.png")
    # The only outside request: the "powered by" logo hard-coded in ReDoc's bundle, which hides
    # itself when it does not load (the page references no external host; checked by bin/smoke).
    assert set(page.external_requests) <= {REDOC_BUNDLE_LOGO}
