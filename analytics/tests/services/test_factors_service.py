"""Engine 5 service: stored symbol fits against statsmodels, sharing, options, failures, reruns."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analytics.models import FactorCorrelation, PortfolioFactorExposure, SymbolFactorExposure
from analytics.services.factors import factors_step
from analytics.tests.factor_book import AS_OF, FACTOR_ETFS, aggregate, factor_market, hold, hold_unvalued
from marketdata.models import MacroSeries
from marketdata.providers.synthetic import SyntheticProvider
from marketdata.services import bars_upsert
from portfolios.tests.factories import PortfolioFactory

TOL = {"rtol": 1e-8, "atol": 1e-12}
FACTORS = list(FACTOR_ETFS)


def regressors_of(prices: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simple returns of the stored prices and the 7 regressors (Market, style spreads), last 252."""
    returns = prices.pct_change(fill_method=None).iloc[1:].iloc[-252:]
    x = pd.DataFrame({"Market": returns["SPY"]})
    for name, etf in FACTOR_ETFS.items():
        if name != "Market":
            x[name] = returns[etf] - returns["SPY"]
    return returns, x


def ols(y: pd.Series, x: pd.DataFrame):  # type: ignore[no-untyped-def]
    data = pd.concat([y.rename("y"), x], axis=1).dropna()
    return sm.OLS(data["y"], sm.add_constant(data[list(x.columns)])).fit()


def values(mapping: dict, names: list[str]) -> np.ndarray:
    return np.array([mapping[n] for n in names], dtype=float)


@pytest.fixture(scope="module")
def market(module_db):  # type: ignore[no-untyped-def]
    return module_db(factor_market, stocks=("AAA", "BBB"), short={"CCC": 50})


@pytest.fixture
def book(market):  # type: ignore[no-untyped-def]
    """P1: AAA 50,000 + BBB -20,000 + an AAA call 12,345 (NAV 100,000); P2: AAA 30,000 + CCC
    8,000 (NAV 40,000); P3: AAA without valuation (fails)."""
    p1, p2, p3 = PortfolioFactory(), PortfolioFactory(), PortfolioFactory()
    hold(p1, "AAA", exposure=50_000.0)
    hold(p1, "BBB", exposure=-20_000.0)
    hold(p1, "AAA   241220C00100000", exposure=12_345.0, option_of="AAA")
    hold(p2, "AAA", exposure=30_000.0)
    hold(p2, "CCC", exposure=8_000.0)
    hold_unvalued(p3, "AAA")
    aggregate(p1, 100_000.0)
    aggregate(p2, 40_000.0)
    aggregate(p3, 10_000.0)
    return p1, p2, p3


def exposures(portfolio) -> dict[str, PortfolioFactorExposure]:  # type: ignore[no-untyped-def]
    return {
        r.factor: r for r in PortfolioFactorExposure.objects.filter(portfolio=portfolio, as_of_date=AS_OF)
    }


@pytest.mark.django_db
class TestSymbolFits:
    def test_stored_betas_t_p_r2_equal_statsmodels(self, market, book):
        result = factors_step(as_of=AS_OF, portfolio_ids=[str(p.id) for p in book])

        returns, x = regressors_of(market.prices)
        for symbol in ("AAA", "BBB"):
            row = SymbolFactorExposure.objects.get(symbol=symbol, as_of_date=AS_OF)
            fit = ols(returns[symbol], x)
            np.testing.assert_allclose(values(row.betas, FACTORS), fit.params[FACTORS].to_numpy(), **TOL)
            np.testing.assert_allclose(values(row.t_stats, FACTORS), fit.tvalues[FACTORS].to_numpy(), **TOL)
            np.testing.assert_allclose(
                values(row.p_values, FACTORS), fit.pvalues[FACTORS].to_numpy(), rtol=1e-8
            )
            assert row.r_squared == pytest.approx(fit.rsquared, rel=1e-8)
            assert row.observations == 252 == int(fit.nobs)
            assert row.quality_flag == "ok"
            assert row.residual_volatility == pytest.approx(np.sqrt(fit.mse_resid * 252), rel=1e-8)
        assert result.counts["symbols"] == 3

    def test_betas_recover_the_generating_betas(self, market, book):
        factors_step(as_of=AS_OF, portfolio_ids=[str(p.id) for p in book])

        row = SymbolFactorExposure.objects.get(symbol="AAA", as_of_date=AS_OF)
        # noise 0.8%/day vs 1%/day market and 0.4%/day spreads over 252 days: se ~ 0.05-0.13
        np.testing.assert_allclose(
            values(row.betas, FACTORS), [1.2, 0.3, -0.2, 0.1, 0.0, 0.4, -0.3], atol=0.4
        )

    def test_capm_and_macro_equal_statsmodels(self, market, book):
        factors_step(as_of=AS_OF, portfolio_ids=[str(p.id) for p in book])

        returns, x = regressors_of(market.prices)
        row = SymbolFactorExposure.objects.get(symbol="AAA", as_of_date=AS_OF)
        capm = ols(returns["AAA"], x[["Market"]])
        assert row.capm_beta == pytest.approx(capm.params["Market"], rel=1e-8)
        style = ols(returns["AAA"], x)
        macro = pd.DataFrame(
            {
                "Interest Rate": market.dgs10.diff().reindex(returns.index),
                "Oil": returns["USO"],
                "International": returns["EWG"],
            }
        )
        fit = ols(style.resid, macro)
        names = ["Interest Rate", "Oil", "International"]
        np.testing.assert_allclose(values(row.macro_betas, names), fit.params[names].to_numpy(), **TOL)
        np.testing.assert_allclose(values(row.macro_t_stats, names), fit.tvalues[names].to_numpy(), **TOL)

    def test_insufficient_history_is_flagged_with_null_betas(self, market, book):
        result = factors_step(as_of=AS_OF, portfolio_ids=[str(p.id) for p in book])

        row = SymbolFactorExposure.objects.get(symbol="CCC", as_of_date=AS_OF)
        assert row.quality_flag == "insufficient_history"
        assert row.observations == 49  # 50 bars -> 49 returns < 60
        assert set(row.betas) == set(FACTORS) and all(v is None for v in row.betas.values())
        assert row.r_squared is None and row.capm_beta is None
        assert result.notes["insufficient_history"] == ["CCC"]

    def test_one_fit_per_symbol_shared_by_every_portfolio(self, market, book):
        factors_step(as_of=AS_OF, portfolio_ids=[str(p.id) for p in book])

        # AAA is held 4 times in 3 portfolios (twice through an option): one row
        assert SymbolFactorExposure.objects.filter(as_of_date=AS_OF).count() == 3
        assert SymbolFactorExposure.objects.filter(symbol="AAA").count() == 1


@pytest.mark.django_db
class TestPortfolioExposures:
    def test_stock_and_option_exposure_times_betas_hand_worked(self, book):
        p1, p2, _ = book
        factors_step(as_of=AS_OF, portfolio_ids=[str(p.id) for p in book])

        aaa = SymbolFactorExposure.objects.get(symbol="AAA", as_of_date=AS_OF).betas
        bbb = SymbolFactorExposure.objects.get(symbol="BBB", as_of_date=AS_OF).betas
        rows = exposures(p1)
        for factor in FACTORS:
            # the call adds its delta-adjusted exposure x the underlying's beta
            dollars = 50_000.0 * aaa[factor] - 20_000.0 * bbb[factor] + 12_345.0 * aaa[factor]
            assert rows[factor].exposure_dollar == pytest.approx(dollars, rel=1e-12)
            assert rows[factor].exposure == pytest.approx(dollars / 100_000.0, rel=1e-12)
            assert rows[factor].kind == "model"
            assert rows[factor].coverage == pytest.approx(1.0)
        # CCC has no betas: P2 is AAA only, covering 30,000 of 38,000
        rows2 = exposures(p2)
        assert rows2["Market"].exposure_dollar == pytest.approx(30_000.0 * aaa["Market"], rel=1e-12)
        assert rows2["Market"].coverage == pytest.approx(30_000.0 / 38_000.0)

    def test_portfolio_statistics_are_the_ols_of_its_hypothetical_pnl(self, market, book):
        p1 = book[0]
        factors_step(as_of=AS_OF, portfolio_ids=[str(p.id) for p in book])

        returns, x = regressors_of(market.prices)
        pnl = 62_345.0 * returns["AAA"] - 20_000.0 * returns["BBB"]
        fit = ols(pnl, x)
        rows = exposures(p1)
        for factor in FACTORS:
            assert rows[factor].t_stat == pytest.approx(fit.tvalues[factor], rel=1e-8)
            assert rows[factor].p_value == pytest.approx(fit.pvalues[factor], rel=1e-8)
            # same dates for every symbol: the P&L regression's beta is the stored dollar exposure
            assert rows[factor].exposure_dollar == pytest.approx(fit.params[factor], rel=1e-8)
            assert rows[factor].r_squared == pytest.approx(fit.rsquared, rel=1e-8)
            assert rows[factor].observations == 252
        capm = ols(pnl, x[["Market"]])
        assert rows["CAPM"].kind == "capm"
        assert rows["CAPM"].t_stat == pytest.approx(capm.tvalues["Market"], rel=1e-8)
        assert {r.factor for r in rows.values() if r.kind == "macro"} == {
            "Interest Rate",
            "Oil",
            "International",
        }

    def test_a_portfolio_without_valuation_fails_alone(self, book):
        p1, p2, p3 = book

        result = factors_step(as_of=AS_OF, portfolio_ids=[str(p.id) for p in book])

        assert set(result.failures) == {str(p3.id)}
        assert "valuation" in result.failures[str(p3.id)]
        assert not exposures(p3)
        assert len(exposures(p1)) == len(exposures(p2)) == 11  # 7 model + CAPM + 3 macro

    def test_a_portfolio_without_aggregate_fails_alone(self, book):
        p1 = book[0]
        p4 = PortfolioFactory()
        hold(p4, "BBB", exposure=1_000.0)

        result = factors_step(as_of=AS_OF, portfolio_ids=[str(p1.id), str(p4.id)])

        assert set(result.failures) == {str(p4.id)}
        assert "aggregate" in result.failures[str(p4.id)]
        assert exposures(p1)

    def test_holdings_without_any_beta_have_unknown_not_zero_exposure(self, book):
        # given: CCC has 50 bars (insufficient) and NOPE none at all
        p = PortfolioFactory()
        hold(p, "CCC", exposure=8_000.0)
        hold(p, "NOPE", exposure=2_000.0)
        aggregate(p, 10_000.0)

        result = factors_step(as_of=AS_OF, portfolio_ids=[str(book[0].id), str(p.id)])

        assert not result.failures
        rows = exposures(p)
        assert rows["Market"].exposure_dollar is None and rows["Market"].exposure is None
        assert rows["Market"].coverage == 0.0
        assert result.notes["missing_prices"] == ["NOPE"]
        assert SymbolFactorExposure.objects.get(symbol="NOPE").quality_flag == "insufficient_history"
        # the rest is computed
        assert exposures(book[0])["Market"].exposure_dollar is not None

    def test_an_empty_portfolio_has_zero_exposure(self, book):
        empty = PortfolioFactory()
        aggregate(empty, 5_000.0)

        result = factors_step(as_of=AS_OF, portfolio_ids=[str(empty.id)])

        assert not result.failures
        rows = exposures(empty)
        assert rows["Market"].exposure_dollar == 0.0 and rows["Market"].exposure == 0.0


@pytest.mark.django_db
class TestFactorCorrelationAndReruns:
    def test_factor_correlation_matrix_is_stored(self, market, book):
        factors_step(as_of=AS_OF, portfolio_ids=[str(p.id) for p in book])

        stored = FactorCorrelation.objects.get(as_of_date=AS_OF, lookback_days=252)
        _, x = regressors_of(market.prices)
        expected = np.corrcoef(x.to_numpy(), rowvar=False)
        assert stored.factors == FACTORS
        np.testing.assert_allclose(np.array(stored.matrix, dtype=float), expected, rtol=1e-10)
        assert stored.condition_number == pytest.approx(np.linalg.cond(expected), rel=1e-8)
        assert stored.observations == 252
        assert stored.warnings == []  # independent spreads: nothing above 0.8

    def test_rerunning_the_date_changes_no_row_counts(self, book):
        ids = [str(p.id) for p in book]
        factors_step(as_of=AS_OF, portfolio_ids=ids)
        counts = (
            SymbolFactorExposure.objects.count(),
            PortfolioFactorExposure.objects.count(),
            FactorCorrelation.objects.count(),
        )
        first = {r.pk: r.exposure_dollar for r in PortfolioFactorExposure.objects.all()}

        factors_step(as_of=AS_OF, portfolio_ids=ids)

        assert (
            SymbolFactorExposure.objects.count(),
            PortfolioFactorExposure.objects.count(),
            FactorCorrelation.objects.count(),
        ) == counts
        assert {r.pk: r.exposure_dollar for r in PortfolioFactorExposure.objects.all()} == first


@pytest.mark.django_db
def test_the_batch_recovers_the_synthetic_providers_true_betas():
    # given: 18 months of the synthetic market for a few stocks, the factor ETFs and the macro proxies
    provider = SyntheticProvider(as_of=AS_OF, seed=42)
    stocks = ["AAPL", "XOM", "JPM"]
    start = dt.date(2023, 1, 3)
    bars_upsert(bars=provider.history([*FACTOR_ETFS.values(), "USO", "EWG", *stocks], start, AS_OF).bars)
    rates = provider.series("DGS10", start, AS_OF)
    MacroSeries.objects.bulk_create(
        [MacroSeries(series_id="DGS10", date=d, value=float(v), source="synthetic") for d, v in rates.items()]
    )
    portfolio = PortfolioFactory()
    for symbol in stocks:
        hold(portfolio, symbol, exposure=10_000.0)
    aggregate(portfolio, 30_000.0)

    # when
    factors_step(as_of=AS_OF, portfolio_ids=[str(portfolio.id)])

    # then: every beta is within 4 standard errors of the generating one
    for symbol in stocks:
        row = SymbolFactorExposure.objects.get(symbol=symbol, as_of_date=AS_OF)
        true = provider.true_betas(symbol)
        assert row.observations == 252
        for factor in FACTORS:
            se = abs(row.betas[factor] / row.t_stats[factor])
            assert abs(row.betas[factor] - true[factor]) < 4 * se, (
                symbol,
                factor,
                row.betas[factor],
                true[factor],
                se,
            )
