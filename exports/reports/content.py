"""What a report says: the numbers of its sections, gathered from the analytics selectors that
serve the API (overview, complete portfolio, Greeks, factor exposures, correlation matrix,
scenarios, VaR, risk contributions, performance), never recomputed, all for one as-of date.

The as-of date is the one of the portfolio's latest aggregate (``/analytics/portfolio/{id}/overview``);
every other section is read for that same date. No aggregate yet raises the selectors' 422
``InsufficientData`` (the report cannot be produced). A later section the batch has not produced for
that date (e.g. correlations of a one-name book) is left out and listed in ``unavailable`` with the
reason, so the report says what is missing instead of inventing it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from analytics.selectors import risk as risk_selectors
from analytics.selectors.correlations import correlation_matrix_get
from analytics.selectors.factors import factor_exposures_get
from analytics.selectors.greeks import portfolio_greeks_get
from analytics.selectors.performance import portfolio_performance
from analytics.selectors.portfolio_data import portfolio_complete, portfolio_overview
from exports.reports.exposure_groups import group_exposures, sectors_of
from exports.reports.templates import TEMPLATES
from portfolios.models import Portfolio
from sigmasight.api.exceptions import InsufficientData

VAR_METHODS = ("historical", "parametric", "monte_carlo")
VAR_CONFIDENCES = (0.95, 0.975, 0.99)
VAR_HORIZONS = (1, 10)

#: The conventions printed on the cover (DESIGN.md "Conventions of the numbers").
CONVENTIONS: dict[str, str] = {
    "Units": (
        "Money in USD (2 decimals). Fields named *percent are percent (12.0 = 12%); every other "
        "ratio is a fraction (0.12 = 12%)."
    ),
    "Exposures": (
        "Long = sum of positive market values, short = sum of negative ones, gross = sum |MV|, "
        "net = sum MV, NAV = net + cash; percentages of NAV. Delta-adjusted: stocks their market "
        "value, options delta x underlying price x multiplier x quantity."
    ),
    "VaR / ES": (
        "Positive currency losses at 95%, 97.5% and 99%. Historical: today's positions revalued "
        "(options fully) on the last 500 daily return vectors (10-day: overlapping compounded 10-day "
        "returns); parametric: delta-normal, zero mean, 252-day sample covariance, 10-day = "
        "sqrt(10) x 1-day; Monte Carlo: 10,000 seeded paths from that covariance, options revalued. "
        "ES = mean loss beyond the VaR."
    ),
    "Greeks": (
        "Position Greeks in USD-based units: delta in shares of the underlying, delta dollars = "
        "delta x S x multiplier x quantity, gamma dollars = change of delta dollars for a 1% move, "
        "theta per calendar day, vega per 1 vol point, rho per 1 rate point."
    ),
    "Exercise style": (
        "American for options on stocks and ETFs (finite-difference Greeks of the American pricer); "
        "European for index options (VIX, SPX, NDX, RUT, XSP, DJX)."
    ),
    "Volatility": (
        "Implied from the option's own mark when it has one, else the position's implied "
        "volatility, else the underlying's 60-day realized volatility (floored at 5%); the same "
        "sigma feeds valuation, Greeks, VaR and stress."
    ),
    "Factor model": (
        "7 factors, one ETF each (Market SPY, Value VTV, Growth VUG, Momentum MTUM, Quality QUAL, "
        "Size IWM, Low Volatility USMV; styles as spreads over SPY), one OLS over 252 daily returns; "
        "beta = dollar exposure / NAV."
    ),
    "Stress tests": (
        "Factor moves of the scenario library; unshocked factors move by their conditional "
        "expectation (EWMA covariance, lambda 0.94); options fully revalued. Severity by |impact| / "
        "NAV: mild < 5%, moderate < 15%, severe < 35%, extreme above."
    ),
    "Correlations": (
        "Pearson correlation of 90 daily log returns (30 days minimum overlap) per underlying; rows "
        "under $10,000 or 1% of gross are excluded."
    ),
    "Performance": (
        "Time-weighted daily returns of the batch's NAV snapshots (flows at the start of the day); "
        "annualized with 252 days; Sharpe and Sortino over rf = DGS3MO / 252; max drawdown negative."
    ),
}


@dataclass
class ReportContent:
    """The data of one report: metadata and ``{section id: data}`` (API shapes, unrounded)."""

    template: str
    portfolio: dict[str, Any]
    as_of_date: dt.date
    data_source: str
    generated_at: dt.datetime
    sections: dict[str, Any] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    conventions: dict[str, str] = field(default_factory=lambda: dict(CONVENTIONS))

    @property
    def title(self) -> str:
        return TEMPLATES[self.template].name


def _var_section(portfolio: Portfolio, as_of: dt.date) -> dict[str, Any]:
    """Every stored VaR/ES entry (method x confidence x horizon) and the 95% 1-day components."""
    entries, headline = [], None
    for method in VAR_METHODS:
        for confidence in VAR_CONFIDENCES:
            for horizon in VAR_HORIZONS:
                try:
                    entry = risk_selectors.risk_var_get(
                        portfolio=portfolio,
                        method=method,
                        confidence=confidence,
                        horizon_days=horizon,
                        view="portfolio",
                        as_of=as_of,
                    )
                except InsufficientData:
                    continue
                if method == "historical" and confidence == 0.95 and horizon == 1:
                    headline = entry
                entries.append({k: v for k, v in entry.items() if k not in ("by_position", "excluded")})
    if not entries:
        raise InsufficientData("No VaR results yet for this portfolio.", {"missing": "VaR results"})
    return {
        "entries": entries,
        "by_position": headline["by_position"] if headline else [],
        "by_position_of": "historical VaR, 95%, 1 day",
        "portfolio_value": entries[0]["portfolio_value"],
        "as_of_date": entries[0]["as_of_date"],
        "data_source": entries[0]["data_source"],
    }


def _option_book(greeks: dict[str, Any]) -> dict[str, Any]:
    options = [p for p in greeks.get("by_position", []) if p.get("is_option")]
    return {
        "options": len(options),
        "exercise": dict(Counter(p.get("exercise") or "unknown" for p in options)),
        "volatility_source": dict(Counter(p.get("volatility_source") or "unknown" for p in options)),
    }


def _builders(
    portfolio: Portfolio, user: Any, as_of: dt.date, complete: dict[str, Any], nav: float | None
) -> dict[str, Callable[[], Any]]:
    def exposures() -> dict[str, Any]:
        positions = complete["positions"]
        return group_exposures(positions, nav=nav, sectors=sectors_of(positions))

    def greeks() -> dict[str, Any]:
        data = portfolio_greeks_get(portfolio=portfolio, as_of_date=as_of)
        return {**data, "option_book": _option_book(data)}

    return {
        "positions": lambda: {
            "positions": complete["positions"],
            "summary": complete["positions_summary"],
            "data_quality": complete["data_quality"],
        },
        "exposures": exposures,
        "greeks": greeks,
        "factors": lambda: factor_exposures_get(portfolio=portfolio, as_of_date=as_of),
        "correlations": lambda: correlation_matrix_get(portfolio=portfolio, as_of_date=as_of),
        "stress_tests": lambda: risk_selectors.risk_scenarios_get(
            portfolio=portfolio, user=user, scenario_ids=None, view="portfolio", as_of=as_of
        ),
        "var": lambda: _var_section(portfolio, as_of),
        "risk_contributions": lambda: risk_selectors.risk_contributions_get(
            portfolio=portfolio, view="portfolio", as_of=as_of
        ),
        "performance": lambda: portfolio_performance(portfolio=portfolio, period="all", as_of=as_of),
    }


def report_content(
    *,
    portfolio: Portfolio,
    user: Any,
    template: str,
    progress: Callable[[float], None] | None = None,
) -> ReportContent:
    """Gathers the sections of ``template`` for ``portfolio``.

    Raises:
        InsufficientData: the batch has not aggregated the portfolio yet (nothing to report).
    """
    overview = portfolio_overview(portfolio=portfolio)
    as_of = dt.date.fromisoformat(str(overview["as_of_date"]))
    try:
        overview["risk_metrics"] = risk_selectors.risk_overview_get(
            portfolio=portfolio, view="portfolio", as_of=as_of
        )["metrics"]
    except InsufficientData:
        overview["risk_metrics"] = None
    complete = portfolio_complete(portfolio=portfolio, as_of=as_of, include_positions=True, include_cash=True)
    content = ReportContent(
        template=template,
        portfolio={
            "id": str(portfolio.id),
            "name": portfolio.name,
            "currency": complete["portfolio"]["currency"],
        },
        as_of_date=as_of,
        data_source=overview["data_source"],
        generated_at=timezone.now(),
        sections={"overview": overview},
    )
    wanted = [s for s in TEMPLATES[template].sections if s != "overview"]
    builders = _builders(portfolio, user, as_of, complete, overview.get("total_value"))
    for done, section in enumerate(wanted, start=1):
        try:
            content.sections[section] = builders[section]()
        except InsufficientData as exc:
            content.unavailable[section] = exc.message
        if progress is not None:
            progress(10 + 60 * done / len(wanted))
    book = (content.sections.get("greeks") or {}).get("option_book")
    if book and book["options"]:
        content.conventions["Exercise style"] += f" This book: {_counts(book['exercise'])}."
        content.conventions["Volatility"] += f" This book: {_counts(book['volatility_source'])}."
    return content


def _counts(counter: dict[str, int]) -> str:
    return ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in sorted(counter.items()))
