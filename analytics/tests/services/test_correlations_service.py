"""Engine 6 service: hand-made prices, weighted average correlation, effective bets, exclusions."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics.engines.correlations import correlation_analysis, log_returns
from analytics.models import CorrelationResult
from analytics.services.correlations import correlations_step
from analytics.tests.factor_book import AS_OF, aggregate, hold, hold_unvalued, store_prices
from marketdata.models import Security
from portfolios.tests.factories import PortfolioFactory, TagFactory

N_BARS = 61  # 60 log returns: inside the 90-day window, above the 30-day minimum overlap


@pytest.fixture
def prices(db) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """AAA and BBB move together (BBB = AAA's move + small noise), CCC and DDD on their own."""
    rng = np.random.default_rng(11)
    dates = [d.date() for d in pd.bdate_range(end=AS_OF, periods=N_BARS)]
    a = rng.normal(0, 0.01, N_BARS)
    moves = pd.DataFrame(
        {
            "AAA": a,
            "BBB": a + rng.normal(0, 0.002, N_BARS),
            "CCC": rng.normal(0, 0.01, N_BARS),
            "DDD": rng.normal(0, 0.01, N_BARS),
        },
        index=pd.Index(dates),
    )
    moves.iloc[0] = 0.0
    frame = 50.0 * np.exp(moves.cumsum())
    store_prices(frame)
    Security.objects.create(symbol="CCC", sector="Energy")
    Security.objects.create(symbol="AAA", sector="Technology")
    return frame


@pytest.fixture
def portfolio(prices):  # type: ignore[no-untyped-def]
    """AAA 50,000 + an AAA call 10,000 (one row: 60,000), BBB -30,000, CCC 20,000, DDD 5,000."""
    p = PortfolioFactory()
    tech = TagFactory(owner=p.owner, name="tech")
    hedge = TagFactory(owner=p.owner, name="hedges", tag_type="strategy")
    hold(p, "AAA", exposure=50_000.0).tags.set([tech, hedge])
    hold(p, "AAA   241220C00100000", exposure=10_000.0, option_of="AAA")
    hold(p, "BBB", exposure=-30_000.0).tags.set([tech])
    hold(p, "CCC", exposure=20_000.0)
    hold(p, "DDD", exposure=5_000.0)
    aggregate(p, 200_000.0)
    return p


@pytest.mark.django_db
class TestCorrelationsStep:
    def test_average_correlation_and_bets_equal_the_engine_and_a_hand_computation(self, prices, portfolio):
        result = correlations_step(as_of=AS_OF, portfolio_ids=[str(portfolio.id)])

        assert not result.failures
        row = CorrelationResult.objects.get(
            portfolio=portfolio, as_of_date=AS_OF, lookback_days=90, min_overlap=30
        )
        symbols = ["AAA", "BBB", "CCC"]  # by |e|, largest first; DDD is excluded
        assert row.symbols == symbols
        # by hand: Pearson of the log returns, w = |e| / sum |e| over the included rows
        logret = np.log(prices[symbols]).diff().iloc[1:].to_numpy()
        rho = np.corrcoef(logret, rowvar=False)
        w = np.array([60_000.0, 30_000.0, 20_000.0]) / 110_000.0
        off = np.outer(w, w) - np.diag(w * w)
        assert row.average_correlation == pytest.approx((off * rho).sum() / off.sum(), rel=1e-10)
        assert row.effective_number_of_bets == pytest.approx(1.0 / (w @ rho @ w), rel=1e-10)
        np.testing.assert_allclose([[row.matrix[a][b] for b in symbols] for a in symbols], rho, rtol=1e-10)
        # the engine on the same inputs
        engine = correlation_analysis(
            log_returns(prices[symbols + ["DDD"]]),
            pd.Series({"AAA": 60_000.0, "BBB": -30_000.0, "CCC": 20_000.0, "DDD": 5_000.0}),
        )
        assert row.average_correlation == pytest.approx(engine.average_correlation, rel=1e-12)
        assert row.effective_number_of_bets == pytest.approx(engine.effective_number_of_bets, rel=1e-12)

    def test_exclusion_below_10000_is_listed_with_its_reason(self, portfolio):
        correlations_step(as_of=AS_OF, portfolio_ids=[str(portfolio.id)])

        row = CorrelationResult.objects.get(portfolio=portfolio, as_of_date=AS_OF)
        assert [(e["symbol"], e["reason"], e["exposure"]) for e in row.excluded] == [
            ("DDD", "below_min_exposure", 5_000.0)
        ]
        assert "10,000" in row.excluded[0]["detail"]

    def test_cluster_is_named_by_the_shared_regular_tag(self, portfolio):
        correlations_step(as_of=AS_OF, portfolio_ids=[str(portfolio.id)])

        row = CorrelationResult.objects.get(portfolio=portfolio, as_of_date=AS_OF)
        assert len(row.clusters) == 1
        cluster = row.clusters[0]
        assert cluster["name"] == "tech cluster"
        assert cluster["symbols"] == ["AAA", "BBB"]
        assert cluster["portfolio_percentage"] == pytest.approx(90_000.0 / 110_000.0 * 100.0)

    def test_without_tags_the_sector_names_the_cluster(self, prices):
        p = PortfolioFactory()
        hold(p, "AAA", exposure=50_000.0)
        hold(p, "BBB", exposure=40_000.0)
        Security.objects.create(symbol="BBB", sector="Technology")

        correlations_step(as_of=AS_OF, portfolio_ids=[str(p.id)])

        assert CorrelationResult.objects.get(portfolio=p).clusters[0]["name"] == "Technology cluster"

    def test_a_portfolio_without_valuation_fails_alone_and_reruns_are_idempotent(self, portfolio):
        broken = PortfolioFactory()
        hold_unvalued(broken, "AAA")
        ids = [str(portfolio.id), str(broken.id)]

        result = correlations_step(as_of=AS_OF, portfolio_ids=ids)
        first = CorrelationResult.objects.get(portfolio=portfolio).average_correlation
        correlations_step(as_of=AS_OF, portfolio_ids=ids)

        assert set(result.failures) == {str(broken.id)}
        assert CorrelationResult.objects.count() == 1
        assert CorrelationResult.objects.get(portfolio=portfolio).average_correlation == first

    def test_the_result_does_not_depend_on_the_chunk(self, portfolio):
        # given: another portfolio in the chunk with a symbol trading on a day the others do not
        other = PortfolioFactory()
        hold(other, "ZZZ", exposure=50_000.0)
        store_prices(pd.DataFrame({"ZZZ": [10.0, 11.0]}, index=[dt.date(2024, 6, 1), dt.date(2024, 6, 2)]))
        correlations_step(as_of=AS_OF, portfolio_ids=[str(portfolio.id)])
        alone = CorrelationResult.objects.get(portfolio=portfolio).average_correlation

        correlations_step(as_of=AS_OF, portfolio_ids=[str(portfolio.id), str(other.id)])

        assert CorrelationResult.objects.get(portfolio=portfolio).average_correlation == alone
