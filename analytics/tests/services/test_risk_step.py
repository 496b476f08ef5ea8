"""Engine 7 as a batch step: idempotent reruns, stale rows, failure isolation, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.batch.registry import BY_NAME
from analytics.models import PositionValuation, RiskMetrics, StressScenario, StressTestResult
from analytics.tests.risk_book import AS_OF, Leg, make_book, market_with_betas, run_risk
from portfolios.models import Position

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def market(module_db):  # type: ignore[no-untyped-def]
    return module_db(market_with_betas)


def snapshot(portfolio) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    stress = {
        r.scenario_id: (r.dollar_impact, r.severity, r.by_position)
        for r in StressTestResult.objects.filter(portfolio=portfolio)
    }
    metrics = {r.view: r.metrics for r in RiskMetrics.objects.filter(portfolio=portfolio)}
    return stress, metrics


def test_registered_as_engine_7() -> None:
    engine = BY_NAME["stress_tests"]
    assert engine.scope == "portfolio"
    assert engine.fn.__name__ == "risk_step"


def test_rerun_is_idempotent(market) -> None:
    book = make_book(market, [Leg("AAA", 100), Leg("BBB", -50), Leg("AAA", 2, strike=100)], cash=5_000)
    first = run_risk(book)
    before = snapshot(book)
    second = run_risk(book)
    assert first.counts == second.counts
    assert first.counts["stress_results"] == 30 and first.counts["risk_metrics"] == 3
    assert snapshot(book) == before
    assert StressTestResult.objects.filter(portfolio=book).count() == 30
    assert RiskMetrics.objects.filter(portfolio=book).count() == 3


def test_stale_rows_of_the_date_are_removed(market) -> None:
    book = make_book(market, [Leg("AAA", 100), Leg("BBB", 50)])
    run_risk(book)
    # a scenario is deactivated and a position closed before the rerun
    StressScenario.objects.filter(id="oil_up_5").update(is_active=False)
    bbb = Position.objects.get(portfolio=book, symbol="BBB")
    bbb.exit_date, bbb.exit_price = AS_OF - dt.timedelta(days=3), bbb.entry_price
    bbb.save()
    run_risk(book)
    rows = StressTestResult.objects.filter(portfolio=book, as_of_date=AS_OF)
    assert rows.count() == 29 and not rows.filter(scenario_id="oil_up_5").exists()
    assert all(len(r.by_position) == 1 for r in rows)
    assert [
        p["symbol"] for p in RiskMetrics.objects.get(portfolio=book, view="portfolio").metrics["positions"]
    ] == ["AAA"]


def test_a_portfolio_missing_its_valuation_fails_alone(market) -> None:
    good = make_book(market, [Leg("AAA", 100)])
    bad = make_book(market, [Leg("BBB", 100)])
    run_risk(good, bad)
    assert StressTestResult.objects.filter(portfolio=bad).exists()
    kept = snapshot(bad)
    PositionValuation.objects.filter(portfolio=bad).delete()

    outcome = run_risk(good, bad)

    assert set(outcome.failures) == {str(bad.id)}
    assert "valuation" in outcome.failures[str(bad.id)]
    assert outcome.counts["portfolios"] == 1
    assert StressTestResult.objects.filter(portfolio=good).count() == 30
    # a failure never deletes: the failed portfolio keeps its last good results, unchanged (the
    # readers serve them marked stale, analytics/tests/batch/test_stale_results.py)
    assert snapshot(bad) == kept
    assert StressTestResult.objects.filter(portfolio=bad).count() == 30
    assert RiskMetrics.objects.filter(portfolio=bad).count() == 3


def test_an_empty_portfolio_has_no_risk(market) -> None:
    empty = make_book(market, [], cash=1_000)
    outcome = run_risk(empty)
    assert outcome.failures == {}
    row = StressTestResult.objects.get(portfolio=empty, scenario_id="market_crash_35")
    assert row.dollar_impact == 0 and row.new_portfolio_value == 1_000 and row.severity == "mild"
    m = RiskMetrics.objects.get(portfolio=empty, view="portfolio").metrics
    assert m["var"]["historical"]["h1"]["c95"]["var"] == 0


def _statements(queries: list[dict]) -> int:
    """Number of statements, consecutive batches of one bulk INSERT counted once."""
    count, previous = 0, None
    for query in queries:
        sql = query["sql"]
        head = sql.split(" VALUES ")[0] if sql.startswith("INSERT") else None
        if head is None or head != previous:
            count += 1
        previous = head
    return count


def test_queries_do_not_grow_with_the_portfolios_of_a_chunk(market) -> None:
    one = [make_book(market, [Leg("AAA", 100), Leg("AAA", 1, strike=100)])]
    three = [
        make_book(market, [Leg(s, 10), Leg("AAA", 1, strike=95, call=False)]) for s in ("AAA", "BBB", "CCC")
    ]
    with CaptureQueriesContext(connection) as few:
        run_risk(*one)
    with CaptureQueriesContext(connection) as many:
        run_risk(*three)
    # one statement per kind: SQLite splits a bulk insert into batches of at most 999 parameters
    # (Django's max_query_params there), so consecutive batches of the same INSERT count once
    assert _statements(few.captured_queries) == _statements(many.captured_queries)
    price_frame_queries = [
        q["sql"]
        for q in many.captured_queries
        if "marketdata_pricebar" in q["sql"]
        and '"marketdata_pricebar"."adjusted_close"' in q["sql"]
        and "SPY" in q["sql"]
    ]
    assert len(price_frame_queries) == 1  # every price frame of the chunk in one query
