"""The batch pipeline end to end on the synthetic market: all 8 engines, fault isolation,
idempotent reruns, the staff endpoints and the run_batch command."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import override_settings

from analytics import models as results
from analytics.batch.registry import BY_NAME, ENGINE_NAMES
from analytics.batch.services import batch_run_create, batch_run_execute
from portfolios.tests.factories import PortfolioFactory, PositionFactory

AS_OF = dt.date(2026, 11, 20)
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

RESULT_MODELS = [
    results.PositionValuation,
    results.PortfolioAggregate,
    results.PositionGreeks,
    results.SymbolFactorExposure,
    results.PortfolioFactorExposure,
    results.FactorCorrelation,
    results.CorrelationResult,
    results.StressTestResult,
    results.RiskMetrics,
    results.PortfolioSnapshot,
]


@pytest.fixture(autouse=True)
def _synthetic_as_of():
    with override_settings(SYNTHETIC_AS_OF=AS_OF.isoformat(), MARKET_DATA_PROVIDER="synthetic"):
        yield


def _book(owner=None, *, extra_symbol: str | None = None):
    """A small long/short book with a call on MSFT; ``extra_symbol`` adds a lot in that ticker."""
    portfolio = PortfolioFactory(**({"owner": owner} if owner else {}), cash_balance=Decimal("10000"))
    entry = dt.date(2025, 6, 2)
    PositionFactory(
        portfolio=portfolio,
        symbol="AAPL",
        quantity=Decimal("100"),
        entry_price=Decimal("200"),
        entry_date=entry,
    )
    PositionFactory(
        portfolio=portfolio,
        symbol="JPM",
        quantity=Decimal("-50"),
        entry_price=Decimal("250"),
        entry_date=entry,
        position_type="SHORT",
    )
    PositionFactory(
        portfolio=portfolio,
        symbol="MSFT  270115C00500000",
        position_type="LC",
        quantity=Decimal("2"),
        multiplier=100,
        entry_price=Decimal("40"),
        entry_date=entry,
        underlying_symbol="MSFT",
        option_type="call",
        strike_price=Decimal("500"),
        expiration_date=dt.date(2027, 1, 15),
    )
    if extra_symbol:
        PositionFactory(
            portfolio=portfolio,
            symbol=extra_symbol,
            quantity=Decimal("10"),
            entry_price=Decimal("10"),
            entry_date=entry,
        )
    return portfolio


def _run(ids):
    run = batch_run_create(as_of=AS_OF, portfolio_ids=ids, trigger="test")
    return batch_run_execute(run=run)


def _counts():
    return {model.__name__: model.objects.count() for model in RESULT_MODELS}


def test_full_pipeline_succeeds_and_a_rerun_changes_no_row_count():
    # given two portfolios
    a, b = _book(), _book()
    # when the whole pipeline runs
    run = _run([str(a.id), str(b.id)])
    # then every engine succeeded and every result exists
    assert run.status == "succeeded", run.error
    assert run.engines == list(ENGINE_NAMES)
    assert set(run.steps.values_list("engine", flat=True)) == set(ENGINE_NAMES)
    first = _counts()
    assert all(n > 0 for n in first.values()), first
    assert results.PortfolioAggregate.objects.filter(as_of_date=AS_OF).count() == 2
    # and a rerun of the same date leaves every table's row count unchanged
    rerun = _run([str(a.id), str(b.id)])
    assert rerun.status == "succeeded"
    assert _counts() == first
    assert run.job.status == "succeeded" and run.job.result["portfolios"] == 2


def test_an_exception_in_one_portfolio_leaves_the_others_done_and_the_run_partial(monkeypatch):
    good, bad = _book(), _book()
    real = BY_NAME["greeks"].fn

    def flaky(*, as_of, portfolio_ids):
        if str(bad.id) in portfolio_ids:
            raise RuntimeError("boom in greeks")
        return real(as_of=as_of, portfolio_ids=portfolio_ids)

    monkeypatch.setitem(BY_NAME, "greeks", dataclasses.replace(BY_NAME["greeks"], fn=flaky))
    run = _run([str(good.id), str(bad.id)])

    assert run.status == "partial"
    failed = run.steps.get(engine="greeks", portfolio_id=bad.id)
    assert failed.status == "failed" and "boom in greeks" in failed.error
    assert run.steps.get(engine="greeks", portfolio_id=good.id).status == "succeeded"
    assert results.PositionGreeks.objects.filter(portfolio=good, as_of_date=AS_OF).count() == 1
    assert not results.PositionGreeks.objects.filter(portfolio=bad, as_of_date=AS_OF).exists()
    # the failing portfolio's other engines still ran
    assert results.PortfolioAggregate.objects.filter(portfolio=bad, as_of_date=AS_OF).exists()
    assert run.job.status == "partial"
    assert run.job.errors == [{"portfolio_id": str(bad.id)}]


def test_a_symbol_without_data_is_flagged_and_the_rest_computed():
    portfolio = _book(extra_symbol="ZZZZ")
    run = _run([str(portfolio.id)])

    sync = run.steps.get(engine="market_data")
    missing = {m["symbol"] for m in sync.counts["notes"]["missing_symbols"]}
    assert "ZZZZ" in missing
    valuations = {v.position.symbol: v for v in results.PositionValuation.objects.select_related("position")}
    assert valuations["ZZZZ"].price is None and valuations["ZZZZ"].market_value is None
    assert valuations["AAPL"].market_value is not None
    assert results.PortfolioAggregate.objects.get(portfolio=portfolio).priced_count == 3
    assert run.status in ("succeeded", "partial")


class TestStaffBatchEndpoints:
    def test_run_all_queues_a_job_that_runs_in_process(
        self, client_for, staff_user, django_capture_on_commit_callbacks
    ):
        portfolio = _book()
        client = client_for(staff_user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/api/v1/system/batch/run-all",
                {"portfolio_ids": [str(portfolio.id)], "as_of_date": AS_OF.isoformat()},
                format="json",
            )
        assert response.status_code == 202
        body = response.json()
        assert body["status"] == "queued"
        assert body["poll_url"] == f"/api/v1/system/jobs/{body['job_id']}"
        job = client.get(body["poll_url"]).json()
        assert job["status"] == "succeeded"

        status = client.get("/api/v1/system/batch/status").json()["run"]
        assert [e["engine"] for e in status["engines"]] == list(ENGINE_NAMES)
        assert all(e["status"] == "succeeded" for e in status["engines"])
        assert all(e["duration_ms"] >= 0 for e in status["engines"])

        history = client.get("/api/v1/system/batch/history?limit=5").json()
        assert history["count"] == 1 and history["results"][0]["id"] == status["id"]

    def test_per_engine_trigger_runs_only_its_engines(
        self, client_for, staff_user, django_capture_on_commit_callbacks
    ):
        portfolio = _book()
        client = client_for(staff_user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/api/v1/system/batch/market-data", {"portfolio_ids": [str(portfolio.id)]}, format="json"
            )
        assert response.status_code == 202
        run = results.BatchRun.objects.get()
        assert run.engines == ["market_data"]

    def test_non_staff_get_403_and_anonymous_401(self, auth_client, api_client):
        assert auth_client.post("/api/v1/system/batch/run-all").status_code == 403
        assert auth_client.get("/api/v1/system/batch/status").json()["error"]["code"] == "PERMISSION_DENIED"
        assert api_client.get("/api/v1/system/batch/history").status_code == 401

    def test_bad_input_is_400_or_404(self, client_for, staff_user):
        client = client_for(staff_user)
        unknown = client.post("/api/v1/system/batch/not-an-engine")
        assert unknown.status_code == 404
        bad = client.post("/api/v1/system/batch/run-all", {"portfolio_ids": ["nope"]}, format="json")
        assert bad.status_code == 400 and "portfolio_ids" in bad.json()["error"]["details"]
        missing = client.post(
            "/api/v1/system/batch/run-all",
            {"portfolio_ids": ["00000000-0000-0000-0000-000000000000"]},
            format="json",
        )
        assert missing.status_code == 400


def test_run_batch_command_prints_a_summary_table():
    portfolio = _book()
    out = io.StringIO()
    call_command(
        "run_batch",
        "--as-of",
        AS_OF.isoformat(),
        "--portfolio",
        str(portfolio.id),
        "--engines",
        "market_data,valuation,aggregation",
        stdout=out,
    )
    text = out.getvalue()
    assert "succeeded" in text
    for engine in ("market_data", "valuation", "aggregation"):
        assert engine in text
    assert "greeks" not in text.split("engine")[-1]
