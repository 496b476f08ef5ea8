"""Engine 7's chunk path (every book's options revalued in a few vectorized calls) equals the
book-by-book path on a mixed book, and one failing portfolio is still isolated (issue 15)."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pytest

from analytics.models import PositionValuation, RiskMetrics, StressTestResult
from analytics.services import risk as risk_service
from analytics.tests.risk_book import AS_OF, Leg, make_book, market_with_betas, run_risk
from marketdata.models import PriceBar
from portfolios.models import Portfolio, Position

pytestmark = pytest.mark.django_db

REL = 1e-9


@pytest.fixture(scope="module")
def market(module_db):  # type: ignore[no-untyped-def]
    return module_db(market_with_betas)


def _missing_symbol(portfolio: Portfolio) -> None:
    """A stock without any price history (valued by hand): excluded from VaR, unmodeled in stress."""
    position = Position.objects.create(
        portfolio=portfolio,
        symbol="MISS",
        position_type="LONG",
        quantity=Decimal("10"),
        multiplier=1,
        entry_price=Decimal("10"),
        entry_date=AS_OF.replace(year=AS_OF.year - 1),
    )
    PositionValuation.objects.create(
        position=position,
        portfolio=portfolio,
        as_of_date=AS_OF,
        price=12.0,
        underlying_price=12.0,
        market_value=120.0,
        cost_basis=100.0,
        unrealized_pnl=20.0,
        delta=1.0,
        delta_adjusted_exposure=120.0,
    )


def _books(market: Any) -> list[Portfolio]:
    mixed = make_book(
        market,
        [
            Leg("AAA", 100),
            Leg("BBB", -80),  # short stock
            Leg("AAA", 3, strike=100),  # the same contract as the next book's
            Leg("AAA", -2, strike=95, call=False),  # short American put
            Leg("CCC", 1, strike=210, iv=0.25),
        ],
        cash=25_000,
    )
    shared = make_book(
        market,
        [Leg("HIB", 50), Leg("TLT", -40), Leg("AAA", -4, strike=100), Leg("NOB", 5, strike=25, call=False)],
        cash=-1_000,
    )
    missing = make_book(market, [Leg("AAA", 20), Leg("BBB", 1, strike=50, call=False)], cash=500)
    _missing_symbol(missing)
    cash_only = make_book(market, [], cash=10_000)
    return [mixed, shared, missing, cash_only]


def _stored(portfolios: list[Portfolio]) -> dict[str, Any]:
    ids = [p.id for p in portfolios]
    return {
        "metrics": {
            (str(r.portfolio_id), r.view): r.metrics for r in RiskMetrics.objects.filter(portfolio_id__in=ids)
        },
        "stress": {
            (str(r.portfolio_id), r.scenario_id): (r.dollar_impact, r.by_position)
            for r in StressTestResult.objects.filter(portfolio_id__in=ids)
        },
    }


def _assert_close(a: Any, b: Any, path: str = "") -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            _assert_close(a[key], b[key], f"{path}/{key}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            assert math.isnan(a) and math.isnan(b), path
        else:
            assert a == pytest.approx(b, rel=REL, abs=1e-12), path
    else:
        assert a == b, path


def _book_by_book(monkeypatch: pytest.MonkeyPatch) -> None:
    """Makes engine 7 skip the chunk path: every portfolio revalues its own options."""

    def per_portfolio(books: Any, **_: Any) -> tuple[dict[str, Any], None]:
        return {}, None

    monkeypatch.setattr(risk_service, "chunk_scenarios", per_portfolio)


def test_the_chunk_path_equals_the_book_by_book_path(market, monkeypatch) -> None:
    # a gap in BBB's history: books holding BBB have fewer complete historical scenarios
    PriceBar.objects.filter(symbol="BBB", date=market.dates[-120]).delete()
    books = _books(market)

    vectorized = run_risk(*books)
    chunk_rows = _stored(books)
    with monkeypatch.context() as patch:
        _book_by_book(patch)
        reference = run_risk(*books)
    assert vectorized.failures == reference.failures == {}
    assert vectorized.counts == reference.counts
    _assert_close(chunk_rows, _stored(books))

    metrics = chunk_rows["metrics"]
    mixed, shared, missing, cash_only = (str(p.id) for p in books)
    whole = metrics[(mixed, "portfolio")]
    assert (
        whole["var"]["monte_carlo"]["h10"]["c99"]["var"] > whole["var"]["monte_carlo"]["h1"]["c99"]["var"] > 0
    )
    assert whole["var"]["historical"]["h1"]["c95"]["observations"] < 500  # the BBB gap
    assert metrics[(shared, "portfolio")]["var"]["historical"]["h1"]["c95"]["observations"] == 500
    assert [e["symbol"] for e in metrics[(missing, "portfolio")]["excluded"]] == ["MISS"]
    assert metrics[(cash_only, "portfolio")]["var"]["historical"]["h1"]["c95"]["var"] == 0


def test_the_chunk_path_equals_each_portfolio_run_alone(market) -> None:
    books = _books(market)
    run_risk(*books)
    together = _stored(books)
    for book in books:
        run_risk(book)
    _assert_close(together, _stored(books))


def test_a_failing_portfolio_is_still_isolated(market, monkeypatch) -> None:
    books = _books(market)
    with monkeypatch.context() as patch:
        _book_by_book(patch)
        run_risk(*books)
    reference = _stored(books)
    bad = make_book(market, [Leg("AAA", 10), Leg("AAA", 1, strike=100)])
    original = risk_service.portfolio_risk

    def failing(book: Any, **kwargs: Any) -> Any:
        if (book["portfolio_id"] == str(bad.id)).any():
            raise RuntimeError("bad book")
        return original(book, **kwargs)

    monkeypatch.setattr(risk_service, "portfolio_risk", failing)
    outcome = run_risk(*books, bad)

    assert set(outcome.failures) == {str(bad.id)} and "bad book" in outcome.failures[str(bad.id)]
    assert not RiskMetrics.objects.filter(portfolio=bad).exists()
    _assert_close(_stored(books), reference)


def test_a_failing_chunk_revaluation_falls_back_to_each_portfolio(market, monkeypatch) -> None:
    books = _books(market)
    run_risk(*books)
    reference = _stored(books)

    def broken(books: Any, **_: Any) -> Any:
        raise ValueError("chunk revaluation failed")

    monkeypatch.setattr(risk_service, "chunk_scenarios", broken)
    outcome = run_risk(*books)
    assert outcome.failures == {}
    _assert_close(_stored(books), reference)


def test_chunks_of_a_run_share_the_inputs_and_get_the_same_numbers(market, monkeypatch) -> None:
    from analytics.batch import scope
    from analytics.selectors import risk_inputs

    books = _books(market)
    run_risk(*books)
    reference = _stored(books)
    builds: list[list[str]] = []
    original = risk_inputs.risk_market_inputs

    def counted(**kwargs: Any) -> Any:
        builds.append(list(kwargs["risk_symbols"]))
        return original(**kwargs)

    monkeypatch.setattr(risk_service, "risk_market_inputs", counted)
    with scope.run_scope(run_id="run-1", as_of=AS_OF):
        run_risk(books[0], books[2])  # AAA, BBB, CCC, MISS
        run_risk(books[3], books[0])  # no new symbol: the run's inputs are reused
        run_risk(books[1])  # HIB, TLT, NOB: rebuilt once with every symbol seen
    _assert_close(_stored(books), reference)
    assert len(builds) == 2 and set(builds[1]) >= set(builds[0]) | {"HIB", "TLT", "NOB"}
    with scope.run_scope(run_id="run-2", as_of=AS_OF):
        run_risk(books[0])  # another run starts afresh
    assert len(builds) == 3
