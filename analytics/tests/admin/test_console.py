"""The staff console: its selectors' labels and figures, the pages with a real run, the actions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from accounts.tests.factories import UserFactory
from analytics.batch.services import batch_run_create, batch_run_execute
from analytics.models import BatchRun, BatchStep
from analytics.selectors.console import (
    batch_rerun_scope,
    console_dashboard,
    counts_label,
    duration_label,
)
from portfolios.tests.factories import PortfolioFactory, PositionFactory
from sigmasight.system.models import JobStatus

AS_OF = dt.date(2026, 11, 20)
ENGINES = ["market_data", "valuation", "aggregation"]


@pytest.mark.parametrize(
    ("ms", "label"),
    [(None, "—"), (40.46907499991903, "40 ms"), (1234.5, "1.23 s"), (61_500.0, "1 min 1.5 s")],
)
def test_duration_label(ms, label) -> None:
    assert duration_label(ms) == label


def test_counts_label_is_readable() -> None:
    assert counts_label({}) == "—"
    assert counts_label({"portfolios": 3, "positions_priced": 63}) == "portfolios 3 · positions priced 63"
    nested = {"engines": {"greeks": {"succeeded": 3, "failed": 0}}, "portfolios": 3}
    assert counts_label(nested) == "greeks: succeeded 3 · portfolios 3"
    assert counts_label({"excluded": ["A", "B"]}) == "excluded 2"


@pytest.fixture
def staff() -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def book(db):  # type: ignore[no-untyped-def]
    portfolio = PortfolioFactory(name="Console book", cash_balance=Decimal("1000"))
    PositionFactory(
        portfolio=portfolio,
        symbol="AAPL",
        quantity=Decimal("10"),
        entry_price=Decimal("200"),
        entry_date=dt.date(2025, 6, 2),
    )
    return portfolio


@pytest.fixture
def run(book) -> BatchRun:  # type: ignore[no-untyped-def]
    with override_settings(SYNTHETIC_AS_OF=AS_OF.isoformat(), MARKET_DATA_PROVIDER="synthetic"):
        created = batch_run_create(as_of=AS_OF, engines=ENGINES, portfolio_ids=[str(book.id)], trigger="test")
        return batch_run_execute(run=created)


@pytest.mark.django_db
class TestDashboard:
    def test_figures_of_the_last_run(self, run, book) -> None:
        figures = console_dashboard(today=AS_OF + dt.timedelta(days=3))
        assert figures["last_run"]["status"] == "succeeded"
        assert [e["engine"] for e in figures["last_run"]["engines"]] == ENGINES
        assert all(e["duration"].endswith(("ms", "s")) for e in figures["last_run"]["engines"])
        assert [p["name"] for p in figures["portfolios"]] == ["Console book"]
        prices = next(f for f in figures["freshness"] if f["kind"] == "prices")
        assert (prices["source"], prices["last_date"], prices["age_days"]) == ("synthetic", AS_OF, 3)
        assert [a["priority"] for a in figures["alerts"]["by_priority"]] == ["high", "medium", "low"]

    def test_pages_render_with_charts(self, staff, run, book) -> None:
        home = staff.get("/admin/").content.decode()
        assert 'id="chart-engines"' in home and 'id="chart-portfolios"' in home
        assert "40.469" not in home
        page = staff.get(reverse("admin:portfolios_portfolio_change", args=[book.pk])).content.decode()
        assert 'data-testid="positions-table"' in page and "AAPL" in page
        detail = staff.get(reverse("admin:analytics_batchrun_change", args=[run.pk])).content.decode()
        assert 'id="chart-run-engines"' in detail and "Position valuation" in detail

    def test_dashboard_without_any_run(self, staff, db) -> None:
        assert "No batch has run yet." in staff.get("/admin/").content.decode()


@pytest.mark.django_db
class TestActions:
    def test_rerun_scope_starts_at_the_first_failed_engine(self, run, book) -> None:
        assert batch_rerun_scope(run) is None
        BatchStep.objects.filter(run=run, engine="valuation").update(status=JobStatus.FAILED, error="boom")
        assert batch_rerun_scope(run) == {
            "as_of": AS_OF,
            "engines": ["valuation", "aggregation"],
            "portfolio_ids": [str(book.id)],
        }

    def test_rerun_failed_steps_action_queues_a_run(self, staff, run, book) -> None:
        BatchStep.objects.filter(run=run, engine="aggregation").update(status=JobStatus.FAILED, error="boom")
        with override_settings(SYNTHETIC_AS_OF=AS_OF.isoformat(), MARKET_DATA_PROVIDER="synthetic"):
            response = staff.post(
                reverse("admin:analytics_batchrun_changelist"),
                {"action": "rerun_failed_steps", "_selected_action": [str(run.pk)]},
            )
        again = BatchRun.objects.exclude(pk=run.pk).get()
        assert response.status_code == 302 and str(again.pk) in response["Location"]
        assert (again.engines, again.portfolio_ids, again.trigger) == (
            ["aggregation"],
            [str(book.id)],
            "admin",
        )

    def test_run_batch_action_opens_the_new_run(self, staff, book) -> None:
        with override_settings(SYNTHETIC_AS_OF=AS_OF.isoformat(), MARKET_DATA_PROVIDER="synthetic"):
            response = staff.post(
                reverse("admin:portfolios_portfolio_changelist"),
                {"action": "run_batch_for_portfolios", "_selected_action": [str(book.pk)]},
            )
        new = BatchRun.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:analytics_batchrun_change", args=[new.pk])
        assert new.portfolio_ids == [str(book.id)]
