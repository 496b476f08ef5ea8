"""The ``conventions`` object of every /analytics response: how its numbers were made.

Every /analytics response carries ``conventions: {units, window, method, annualization,
reference}`` (API.md; ``sigmasight/tests/test_response_schema.py`` walks the URLconf and fails
on an /analytics GET without it), so a user or an agent can check a number without reading code.
:func:`conventions` builds the object; the functions below are the texts of each endpoint, written
from the constants of :mod:`analytics.engines.conventions` (the windows the engines use), so the
description and the computation cannot drift apart. ``reference`` names the DESIGN.md section the
numbers follow and the engine module holding the formulas.
"""

from __future__ import annotations

from typing import Any

from analytics.engines.backtest import BASEL_WINDOW
from analytics.engines.conventions import (
    CORRELATION_MIN_OVERLAP,
    CORRELATION_WINDOW,
    COVARIANCE_MIN_OBSERVATIONS,
    COVARIANCE_WINDOW,
    DAYS_PER_YEAR,
    EWMA_LAMBDA,
    EWMA_WINDOW,
    FACTOR_MIN_OBS,
    FACTOR_WINDOW,
    HISTORICAL_VAR_MIN_OBSERVATIONS,
    HISTORICAL_VAR_WINDOW,
    MONTE_CARLO_PATHS,
    REALIZED_VOL_FLOOR,
    REALIZED_VOL_WINDOW,
    TRADING_DAYS_PER_YEAR,
)

__all__ = [
    "backtest_conventions",
    "expiries_conventions",
    "liquidity_conventions",
    "reverse_stress_conventions",
    "option_grid_conventions",
    "CONVENTION_KEYS",
    "attribution_conventions",
    "contributions_conventions",
    "conventions",
    "correlation_matrix_conventions",
    "factor_correlations_conventions",
    "factor_definition_conventions",
    "factor_exposures_conventions",
    "greeks_conventions",
    "overview_conventions",
    "performance_conventions",
    "risk_overview_conventions",
    "scenarios_conventions",
    "var_conventions",
]

#: The keys of every ``conventions`` object.
CONVENTION_KEYS = ("units", "window", "method", "annualization", "reference")
_ANNUAL = f"{TRADING_DAYS_PER_YEAR} trading days"


def conventions(
    *, units: str, method: str, window: str | None = None, annualization: str | None = None, reference: str
) -> dict[str, Any]:
    """The ``conventions`` object: free-text ``units``, ``window`` (None: no window), ``method``,
    ``annualization`` (None: not annualized) and ``reference`` (where the formulas are written)."""
    return {
        "units": units,
        "window": window,
        "method": method,
        "annualization": annualization,
        "reference": reference,
    }


def overview_conventions() -> dict[str, Any]:
    """GET /analytics/portfolio/{id}/overview."""
    return conventions(
        units="USD for every value; `percentage` fields: of NAV x 100; total_pnl_percent: of |cost basis| x 100",
        method="market_value = quantity x price x multiplier (signed, the close on or before as_of_date); "
        "long = sum of positive MVs, short = sum of negative MVs, gross = sum |MV|, net = sum MV, NAV = net + "
        "cash; delta_adjusted: stocks MV, options delta x underlying price x multiplier x quantity; "
        "total_pnl = market value - cost basis of the held positions",
        reference="DESIGN.md 'Conventions of the numbers' (Valuation); analytics/engines/valuation.py",
    )


def performance_conventions(*, period: str, benchmark: str) -> dict[str, Any]:
    """GET /analytics/portfolio/{id}/performance."""
    return conventions(
        units="returns, volatility, drawdown, alpha: fractions (0.01 = 1%); nav: USD; ratios unitless",
        window=f"the daily NAV snapshots of period '{period}' ending at as_of_date (`returns` chains every "
        "period: from the last NAV on or before as_of - 7 / 30 / 91 / 365 calendar days, the last NAV of the "
        "previous year for ytd, inception)",
        method="time-weighted daily return r_t = (NAV_t - NAV_t-1 - F_t) / (NAV_t-1 + F_t), F_t = cost of "
        "lots opened minus proceeds of lots closed that day (start of day); Sharpe = mean(r - rf) / "
        "std(r - rf, ddof 1) x sqrt(252), rf = DGS3MO / 252; Sortino on sqrt(mean(min(r - rf, 0)^2)); "
        f"max drawdown of the wealth curve (negative); beta and alpha vs {benchmark} (empyrical's definitions)",
        annualization=f"{_ANNUAL}: returns compounded to ^(252/n), volatility and ratios x sqrt(252)",
        reference="DESIGN.md 'Performance'; analytics/engines/performance.py",
    )


def attribution_conventions() -> dict[str, Any]:
    """GET /analytics/positions/attribution."""
    return conventions(
        units="pnl: USD, signed; pnl_percent: of the capital (|value| at the last close on or before "
        "start_date, or |cost| for lots opened in the range) x 100; contribution_percent: of total_pnl x 100",
        window="(start_date, end_date]: the change of each lot's value less its flows, stored closes carried "
        "forward",
        method="buying is no P&L and selling at the close is no loss (flows excluded, DESIGN's F_t); groups by "
        "position, tag (a lot counts in each of its tags), type or sector",
        reference="DESIGN.md 'Performance' (flows); analytics/engines/performance.py",
    )


def _var_window(method: str, horizon_days: int) -> str:
    if method == "historical":
        horizon = "overlapping 10-day compounded returns" if horizon_days > 1 else "the daily return vectors"
        return (
            f"the last {HISTORICAL_VAR_WINDOW} daily return vectors on or before as_of_date ({horizon}; at "
            f"least {HISTORICAL_VAR_MIN_OBSERVATIONS} scenarios)"
        )
    paths = f"; {MONTE_CARLO_PATHS:,} seeded paths" if method == "monte_carlo" else ""
    return (
        f"sample covariance of the last {COVARIANCE_WINDOW} daily returns (at least "
        f"{COVARIANCE_MIN_OBSERVATIONS}){paths}"
    )


def var_conventions(*, method: str, confidence: float, horizon_days: int) -> dict[str, Any]:
    """GET /analytics/risk/{id}/var."""
    methods = {
        "historical": "today's positions revalued (options fully) on each past return vector; VaR = minus "
        "the (1 - confidence) quantile of the P&L (linear interpolation), ES = minus the mean of the "
        "outcomes at or below it",
        "parametric": "delta-normal, zero mean: z x sqrt(e' S e); 10-day = sqrt(10) x 1-day; component VaR by "
        "Euler allocation (sums to VaR)",
        "monte_carlo": "seeded normal paths from the sample covariance, options fully revalued; quantile and "
        "tail mean of the simulated P&L",
    }
    return conventions(
        units="var, expected_shortfall, component_var: USD, positive losses; *_percent: of NAV x 100",
        window=_var_window(method, horizon_days),
        method=f"{method} VaR at {confidence:g}, {horizon_days}-day: {methods.get(method, method)}",
        reference="DESIGN.md 'VaR/ES'; analytics/engines/var.py",
    )


def risk_overview_conventions() -> dict[str, Any]:
    """GET /analytics/risk/{id}/overview."""
    return conventions(
        units="beta: unitless vs SPY; annualized_volatility: fraction of NAV; var_1d_95, "
        "expected_shortfall_1d_975: USD, positive losses; average_correlation: unitless; max_drawdown: "
        "negative fraction",
        window=f"VaR/ES: historical on the last {HISTORICAL_VAR_WINDOW} daily returns; volatility: "
        f"{COVARIANCE_WINDOW}-day sample covariance; correlation: {CORRELATION_WINDOW} daily log returns; "
        "drawdown: the whole snapshot history",
        method="historical VaR 1-day 95% and ES 1-day 97.5% (full revaluation); beta = sum of delta-adjusted "
        "exposure x CAPM beta / NAV; volatility = sqrt(w' S w) x sqrt(252)",
        annualization=f"{_ANNUAL}: volatility x sqrt(252)",
        reference="DESIGN.md 'VaR/ES', 'Factor model', 'Correlations' and 'Performance'",
    )


def contributions_conventions() -> dict[str, Any]:
    """GET /analytics/risk/{id}/contributions."""
    return conventions(
        units="total_risk, factor_risk, specific_risk, mctr, ctr: annualized volatility as a fraction of NAV; "
        "weight: delta-adjusted exposure / NAV; ctr_percent: of total_risk x 100",
        window=f"sample covariance of the last {COVARIANCE_WINDOW} daily returns; factor model "
        f"{FACTOR_WINDOW}-day OLS",
        method="MCTR_i = (S w)_i / sigma_p, CTR_i = w_i x MCTR_i, sum CTR = sigma_p; factor vs specific: "
        "total^2 = factor^2 + specific^2 from the factor betas, factor covariance and residual volatilities",
        annualization=f"{_ANNUAL}: covariance x 252",
        reference="DESIGN.md 'VaR/ES' (risk contributions); analytics/engines/contributions.py",
    )


def greeks_conventions() -> dict[str, Any]:
    """GET /analytics/risk/{id}/greeks and POST /analytics/risk/greeks/calculate."""
    return conventions(
        units="delta: shares-equivalent; delta_dollars: USD (delta x S x multiplier x quantity); gamma_dollars: "
        "USD change of delta_dollars for a 1% move of S; theta: USD per calendar day; vega: USD per 1 vol "
        "point; rho: USD per 1 rate point; per position = per share x multiplier x signed quantity",
        window=f"sigma: implied from the option's own mark, else the position's implied volatility, else "
        f"{REALIZED_VOL_WINDOW}-day realized volatility of the underlying (floored at {REALIZED_VOL_FLOOR:.0%})",
        method="Black-Scholes-Merton with continuous dividend yield q; American exercise (QD+ early-exercise "
        "premium, Greeks by its finite differences) for options on stocks and ETFs, European for index options; "
        f"T = calendar days to expiry / {DAYS_PER_YEAR:g}; r = DGS3MO (decimal)",
        annualization="sigma, r and q are annual rates; theta is divided by 365 (per calendar day)",
        reference="DESIGN.md 'Greeks'; analytics/engines/option_pricer.py and analytics/engines/greeks.py",
    )


def scenarios_conventions(*, propagation: str) -> dict[str, Any]:
    """GET /analytics/risk/{id}/scenarios and POST .../scenarios/custom."""
    moves = (
        "the unshocked variables move by their conditional expectation given the shocked ones"
        if propagation == "conditional"
        else "only the shocked variables move"
    )
    return conventions(
        units="dollar_impact, new_portfolio_value: USD, signed (gain > 0); percentage_impact: of NAV x 100; "
        "factor_moves: Market = SPY return, styles = spread over SPY (fractions), Interest Rate = decimal "
        "change of DGS10, Oil / International = returns, Volatility = relative change of VIX",
        window=f"EWMA covariance (lambda {EWMA_LAMBDA}, {EWMA_WINDOW} days) of the 11 stress variables",
        method=f"propagation {propagation}: {moves}; stock return = betas x factor moves + macro sensitivities "
        "x macro moves (floored at -100%); options fully revalued at the shocked underlying, sigma x (1 + "
        "Volatility move) and r + the rate move; severity by |impact| / NAV",
        reference="DESIGN.md 'Stress tests'; analytics/engines/stress.py",
    )


def factor_exposures_conventions() -> dict[str, Any]:
    """GET /analytics/factors/{id}/exposures."""
    return conventions(
        units="exposure_dollar: USD (delta-adjusted exposure x beta, summed); beta: exposure_dollar / NAV; "
        "t_stat, p_value, r_squared: of the regression",
        window=f"the last {FACTOR_WINDOW} daily returns on or before as_of_date (at least {FACTOR_MIN_OBS} "
        "overlapping days, else insufficient_history)",
        method="one multivariate OLS with intercept per symbol: Market = SPY return, each style = its ETF "
        "return - SPY return; options take their underlying's betas on their delta-adjusted exposure",
        reference="DESIGN.md 'Factor model'; analytics/engines/factors.py",
    )


def factor_definition_conventions(*, kind: str, etf_symbol: str | None) -> dict[str, Any]:
    """One row of GET /analytics/factors/definitions (a list: each definition carries its own)."""
    regressor = {
        "market": f"the daily simple return of {etf_symbol or 'its proxy'}",
        "style": f"the daily simple return of {etf_symbol or 'its proxy'} minus SPY's (a spread)",
    }.get(kind, "its daily change as a macro sensitivity fitted on the style model's residuals")
    return conventions(
        units="regressor values are fractions (returns or decimal rate changes)",
        window=f"{FACTOR_WINDOW} daily returns per regression (at least {FACTOR_MIN_OBS})",
        method=f"regressor: {regressor}",
        reference="DESIGN.md 'Factor model'; data/factor_model.csv",
    )


def factor_correlations_conventions(*, lookback_days: int) -> dict[str, Any]:
    """GET /analytics/factors/correlations."""
    return conventions(
        units="Pearson correlation coefficients (unitless); condition_number of the correlation matrix",
        window=f"the last {lookback_days} daily returns on or before the batch's as_of_date",
        method="correlation of the 7 factor regressors (Market = SPY return, styles = ETF - SPY spreads); "
        "pairs above 0.8 are warned",
        reference="DESIGN.md 'Factor model'; analytics/engines/factors.py",
    )


def correlation_matrix_conventions(*, lookback_days: int, min_overlap: int) -> dict[str, Any]:
    """GET /analytics/correlation/{id}/matrix."""
    return conventions(
        units="rho: Pearson coefficients (unitless); effective_number_of_bets: count; portfolio_percentage: "
        "percent of gross |delta-adjusted exposure|",
        window=f"the last {lookback_days} daily log returns (default {CORRELATION_WINDOW}), pairwise overlap "
        f"at least {min_overlap} days (default {CORRELATION_MIN_OVERLAP})",
        method="one row per underlying (stocks and their options by delta-adjusted exposure e); w_i = |e_i| "
        "/ sum |e|; average_correlation = sum_{i!=j} w_i w_j rho_ij / sum_{i!=j} w_i w_j; "
        "effective_number_of_bets = 1 / sum_ij w_i w_j rho_ij; clusters = connected components of |rho| >= "
        "0.7; rows under $10,000 |e| or 1% of gross excluded",
        reference="DESIGN.md 'Correlations'; analytics/engines/correlations.py",
    )


def option_grid_conventions() -> dict[str, Any]:
    """GET /analytics/risk/{id}/option-grid."""
    return conventions(
        units="pnl: USD, signed (gain > 0); pnl_percent: of NAV x 100; spot_moves: simple return of "
        "every underlying (fraction); vol_moves: relative change of each option's sigma "
        "(0.25 = sigma x 1.25)",
        method="full revaluation: stocks linear, options with their exercise style's pricer "
        "(American QD+, European BSM) at the shocked spot and sigma; instantaneous (T, r, q unchanged)",
        reference="DESIGN.md 'Greeks' and 'Stress tests'; the book of the last batch's stress inputs",
    )


def reverse_stress_conventions() -> dict[str, Any]:
    """GET /analytics/risk/{id}/reverse-stress."""
    return conventions(
        units="target_loss, achieved_loss: USD, positive losses; factor_moves: the stress variables' units "
        "(returns and style spreads as fractions, Interest Rate a decimal change of the 10-year yield, "
        "Volatility a relative VIX change); mahalanobis_distance: standard deviations of the daily "
        "covariance",
        window=f"EWMA covariance (lambda {EWMA_LAMBDA}, {EWMA_WINDOW} days) of the last batch's stress inputs",
        method="minimum Mahalanobis distance subject to the loss on the full revaluation: the linear "
        "closed form x* = -L Sigma b / (b' Sigma b), a root-find along it, then SLSQP; every variable "
        "shocked (conditional = isolated)",
        reference="DESIGN.md 'Stress tests'; analytics/engines/reverse_stress.py",
    )


def liquidity_conventions(*, adv_days: int, horizon_days: int) -> dict[str, Any]:
    """GET /analytics/risk/{id}/liquidity."""
    return conventions(
        units="market_value, adv_dollars, VaR: USD (VaR a positive loss); days_to_exit: trading days; "
        "participation: fraction of ADV; percent_of_nav: percent",
        window=f"ADV over the last {adv_days} daily bars on or before as_of_date",
        method="days_to_exit = |shares| / (participation x ADV shares); options by their own "
        "contract volume when their bars have volume, else by delta-equivalent shares against the "
        "underlying's ADV; liquidity-adjusted VaR = sum of 1-day parametric component VaR x "
        f"sqrt(max({horizon_days}, days_to_exit))",
        reference="DESIGN.md 'VaR/ES' (parametric delta-normal, Euler components); "
        "analytics/engines/liquidity.py",
    )


def expiries_conventions(*, days: int, theta_days: int, put_threshold: float) -> dict[str, Any]:
    """GET /analytics/risk/{id}/expiries."""
    return conventions(
        units="delta_dollars, theta: USD (theta per calendar day); days: calendar days",
        window=f"expiries within {days} calendar days after as_of_date; theta for {theta_days} days",
        method="stored Greeks (batch engine 'greeks') by expiry week (Monday); theta re-priced each day "
        "with T shortened (spot, sigma, r, q fixed); assignment: short ITM calls whose estimated "
        "quarterly dividend S x q / 4 exceeds their time value, short ITM puts with time value below "
        f"${put_threshold:.2f}/share",
        reference="DESIGN.md 'Greeks'; analytics/engines/expiries.py",
    )


def backtest_conventions(
    *, method: str, confidence: float, days: int, window: int, basel_window: int = BASEL_WINDOW
) -> dict[str, Any]:
    """GET /analytics/risk/{id}/backtest."""
    return conventions(
        units="var: USD, positive loss; pnl: USD, signed (gain > 0); statistics: likelihood ratios with "
        "chi-square p-values; confidence: fraction",
        window=f"the last {days} trading days up to as_of_date; each day's VaR is the forecast stored at "
        f"the previous close ({method}: the {window} daily returns before it); the traffic light on the "
        f"last {basel_window} tested days",
        method=f"stored one-day {method} VaR forecasts at {confidence:g} (the batch's own VaR of each day; "
        "days before the first run backfilled with the same functions on that day's positions and data) "
        "against the next day's P&L from the NAV snapshots, flows excluded (NAV_t - NAV_t-1 - F_t); an "
        "exception is pnl < -var; Kupiec POF (chi-square 1), Christoffersen independence (chi-square 1) "
        "and conditional coverage (chi-square 2); Basel traffic light by the binomial P(X <= x): green "
        "below 95%, yellow below 99.99%, red above (250 days at 99%: 0-4, 5-9, 10+)",
        reference="DESIGN.md 'VaR/ES' and 'Performance'; analytics/engines/backtest.py",
    )
