"""QuantLib as an independent reference for option values in service and API tests (test-only)."""

from __future__ import annotations

import QuantLib as ql


def quantlib_option_price(
    s: float,
    k: float,
    days: int,
    r: float,
    q: float,
    vol: float,
    call: bool,
    *,
    american: bool,
    grid: int = 800,
) -> float:
    """Value per share from QuantLib: finite differences (``grid`` x ``grid``) for American exercise,
    the analytic engine for European; flat r, q (continuous, decimal) and vol, T = days / 365."""
    today = ql.Date(15, 1, 2025)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    process = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(ql.SimpleQuote(s)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, q, dc)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, r, dc)),
        ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), vol, dc)),
    )
    payoff = ql.PlainVanillaPayoff(ql.Option.Call if call else ql.Option.Put, k)
    if american:
        option = ql.VanillaOption(payoff, ql.AmericanExercise(today, today + days))
        option.setPricingEngine(ql.FdBlackScholesVanillaEngine(process, grid, grid))
    else:
        option = ql.VanillaOption(payoff, ql.EuropeanExercise(today + days))
        option.setPricingEngine(ql.AnalyticEuropeanEngine(process))
    return float(option.NPV())
