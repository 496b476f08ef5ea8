"""A finished run's history does not change when a portfolio is deleted afterwards: its steps stay,
with the portfolio's name (BatchStep.portfolio SET_NULL, portfolio_name stored at creation)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from accounts.tests.factories import UserFactory
from analytics.batch.services import batch_run_create, batch_run_execute
from analytics.models import BatchRun, BatchStep
from portfolios.tests.factories import PortfolioFactory, PositionFactory

AS_OF = dt.date(2026, 11, 20)
ENGINES = ["market_data", "valuation", "aggregation"]
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _synthetic_as_of():
    with override_settings(SYNTHETIC_AS_OF=AS_OF.isoformat(), MARKET_DATA_PROVIDER="synthetic"):
        yield


def _book(name: str):
    portfolio = PortfolioFactory(name=name, cash_balance=Decimal("1000"))
    PositionFactory(
        portfolio=portfolio,
        symbol="AAPL",
        quantity=Decimal("10"),
        entry_price=Decimal("200"),
        entry_date=dt.date(2025, 6, 2),
    )
    return portfolio


def _run(ids: list[str]) -> BatchRun:
    run = batch_run_create(as_of=AS_OF, engines=ENGINES, portfolio_ids=ids, trigger="test")
    return batch_run_execute(run=run)


def test_steps_store_the_portfolio_name_when_created():
    book = _book("Growth book")

    run = _run([str(book.id)])

    assert run.status == "succeeded", run.error
    assert set(run.steps.filter(portfolio=book).values_list("portfolio_name", flat=True)) == {"Growth book"}
    assert set(run.steps.filter(portfolio__isnull=True).values_list("portfolio_name", flat=True)) == {""}


def test_single_created_steps_store_the_portfolio_name_too():
    book = _book("Hedge book")
    run = BatchRun.objects.create(as_of_date=AS_OF, engines=ENGINES)

    step = BatchStep.objects.create(run=run, engine="valuation", portfolio=book)

    assert step.portfolio_name == "Hedge book"


def test_deleting_a_portfolio_after_a_run_keeps_the_runs_steps_with_the_portfolio_name(
    client_for, staff_user
):
    kept, gone = _book("Kept book"), _book("Gone book")
    run = _run([str(kept.id), str(gone.id)])
    client = client_for(staff_user)
    history_before = client.get("/api/v1/system/batch/history").json()["results"]
    steps_before = run.steps.count()

    gone_id = gone.id
    gone.delete()

    assert run.steps.count() == steps_before
    orphans = run.steps.filter(portfolio_name="Gone book")
    assert set(orphans.values_list("engine", flat=True)) == {"valuation", "aggregation"}
    assert all(step.portfolio_id is None for step in orphans)
    assert not run.steps.filter(portfolio_id=gone_id).exists()
    assert run.steps.filter(portfolio=kept, portfolio_name="Kept book").count() == 2
    # the staff endpoints read the same history as before the deletion
    status = client.get("/api/v1/system/batch/status")
    assert status.status_code == 200
    assert status.json()["run"]["engines"] == history_before[0]["engines"]
    history = client.get("/api/v1/system/batch/history")
    assert history.status_code == 200
    assert history.json()["results"] == history_before


def test_the_admin_shows_steps_of_a_deleted_portfolio():
    gone = _book("Gone book")
    run = _run([str(gone.id)])
    gone.delete()
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))

    steps = admin.get(reverse("admin:analytics_batchstep_changelist"), {"q": "Gone book"})
    change = admin.get(reverse("admin:analytics_batchrun_change", args=[run.pk]))

    assert steps.status_code == 200 and "Gone book" in steps.content.decode()
    assert change.status_code == 200 and "Gone book" in change.content.decode()
