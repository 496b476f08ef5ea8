"""Hand-made market, factor results and books for the engine-7 tests (stress, VaR, contributions).

``RiskMarket``: 520 business days ending Friday 2025-03-14 of the 7 factor ETFs, USO, EWG, VIX,
DGS10 and DGS3MO (4.5 %), generated from seeded normal moves, plus stocks = beta x SPY + noise
and ``ALT`` whose returns alternate +1 % / -1 % (so its sample standard deviation over any even
number of days is known in closed form). Prices are stored as PriceBars with close = adjusted
close, and each stock ends at the price given, so valuations can be written by hand.

The other engines' results are written directly (never through their services): PositionValuation
(price, delta, delta-adjusted exposure, market value), PortfolioAggregate (NAV) and
SymbolFactorExposure (betas, macro sensitivities, CAPM beta, residual volatility).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from analytics.models import PortfolioAggregate, PositionValuation, SymbolFactorExposure
from analytics.tests.valuation_book import bs
from marketdata.models import MacroSeries, PriceBar
from portfolios.models import Portfolio, Position
from portfolios.tests.factories import PortfolioFactory

AS_OF = dt.date(2025, 3, 14)
DAYS = 520
RATE = 0.045
EXPIRY = dt.date(2025, 9, 19)
FACTOR_ETFS = {
    "Market": "SPY",
    "Value": "VTV",
    "Growth": "VUG",
    "Momentum": "MTUM",
    "Quality": "QUAL",
    "Size": "IWM",
    "Low Volatility": "USMV",
}
STYLES = [f for f in FACTOR_ETFS if f != "Market"]
#: symbol -> (Market beta, daily idiosyncratic vol, last close)
STOCKS: dict[str, tuple[float, float, float]] = {
    "AAA": (1.0, 0.012, 100.0),
    "BBB": (0.9, 0.015, 50.0),
    "CCC": (1.1, 0.010, 200.0),
    "HIB": (3.0, 0.020, 40.0),
    "TLT": (0.0, 0.008, 90.0),
    "NOB": (1.0, 0.012, 25.0),
}


def bar(symbol: str, date: dt.date, close: float) -> PriceBar:
    return PriceBar(
        symbol=symbol,
        date=date,
        open=close,
        high=close,
        low=close,
        close=close,
        adjusted_close=close,
        volume=1000,
        source="synthetic",
    )


@dataclass
class RiskMarket:
    """The generated daily returns [date x symbol] and levels (VIX, DGS10)."""

    dates: list[dt.date]
    returns: pd.DataFrame
    prices: pd.DataFrame
    dgs10: pd.Series
    last_price: dict[str, float] = field(default_factory=dict)


def make_market(seed: int = 11, stocks: Mapping[str, tuple[float, float, float]] = STOCKS) -> RiskMarket:
    """Generates and stores the market (PriceBars and MacroSeries)."""
    rng = np.random.default_rng(seed)
    dates = [d.date() for d in pd.bdate_range(end=AS_OF, periods=DAYS)]
    n = len(dates) - 1
    spy = rng.normal(0.0003, 0.01, n)
    rets: dict[str, np.ndarray] = {"SPY": spy}
    for etf in ["VTV", "VUG", "MTUM", "QUAL", "IWM", "USMV"]:
        rets[etf] = spy + rng.normal(0.0, 0.004, n)
    rets["USO"] = 0.6 * spy + rng.normal(0.0, 0.02, n)
    rets["EWG"] = 0.7 * spy + rng.normal(0.0, 0.01, n)
    rets["VIX"] = -4.0 * spy + rng.normal(0.0, 0.03, n)
    for symbol, (beta, idio, _) in stocks.items():
        rets[symbol] = beta * spy + rng.normal(0.0, idio, n)
    rets["ALT"] = np.where(np.arange(n) % 2 == 0, 0.01, -0.01)
    returns = pd.DataFrame(rets, index=dates[1:])
    ends = {s: p for s, (_, _, p) in stocks.items()} | {"VIX": 18.0, "ALT": 100.0}
    growth = (1.0 + returns).cumprod()
    prices = pd.concat([pd.DataFrame(1.0, index=[dates[0]], columns=returns.columns), growth])
    prices = prices / prices.iloc[-1] * pd.Series({c: ends.get(c, 100.0) for c in prices.columns})
    PriceBar.objects.bulk_create(
        [
            bar(symbol, date, float(value))
            for symbol in prices.columns
            for date, value in prices[symbol].items()
        ],
        batch_size=5000,
    )
    dgs10 = pd.Series(
        0.04 + np.concatenate([[0.0], np.cumsum(0.02 * spy + rng.normal(0.0, 0.0005, n))]), index=dates
    )
    MacroSeries.objects.bulk_create(
        [MacroSeries(series_id="DGS10", date=d, value=float(v), source="synthetic") for d, v in dgs10.items()]
        + [MacroSeries(series_id="DGS3MO", date=d, value=RATE, source="synthetic") for d in dates],
        batch_size=5000,
    )
    return RiskMarket(dates, returns, prices, dgs10, {c: float(prices[c].iloc[-1]) for c in prices.columns})


def store_betas(
    betas: Mapping[str, Mapping[str, float]] | None = None,
    macro: Mapping[str, Mapping[str, float]] | None = None,
    stocks: Mapping[str, tuple[float, float, float]] = STOCKS,
    skip: Sequence[str] = ("NOB",),
) -> None:
    """SymbolFactorExposure rows of AS_OF: Market beta from ``stocks`` (styles 0) unless ``betas``
    overrides; ``macro`` sensitivities (TLT: Interest Rate -17 by default); ``skip`` gets none."""
    betas = dict(betas or {})
    macro = {"TLT": {"Interest Rate": -17.0, "Oil": 0.0, "International": 0.0}, **(macro or {})}
    rows = []
    for symbol, (beta, idio, _) in stocks.items():
        if symbol in skip:
            continue
        b = {"Market": beta, **dict.fromkeys(STYLES, 0.0), **betas.get(symbol, {})}
        rows.append(
            SymbolFactorExposure(
                symbol=symbol,
                as_of_date=AS_OF,
                betas=b,
                macro_betas={"Interest Rate": 0.0, "Oil": 0.0, "International": 0.0, **macro.get(symbol, {})},
                capm_beta=b["Market"],
                residual_volatility=idio * math.sqrt(252),
                observations=252,
                r_squared=0.5,
            )
        )
    rows.append(
        SymbolFactorExposure(
            symbol="ALT",
            as_of_date=AS_OF,
            betas={"Market": 0.0, **dict.fromkeys(STYLES, 0.0)},
            macro_betas={},
            capm_beta=0.0,
            residual_volatility=0.01 * math.sqrt(252),
            observations=252,
        )
    )
    SymbolFactorExposure.objects.bulk_create(rows)


def market_with_betas() -> RiskMarket:
    """The market of :func:`make_market` with the betas of :func:`store_betas` (both defaults): what
    most risk tests share, built once per module (``module_db``)."""
    market = make_market()
    store_betas()
    return market


def occ(underlying: str, strike: float, call: bool, expiry: dt.date = EXPIRY) -> str:
    return f"{underlying:<6}{expiry:%y%m%d}{'C' if call else 'P'}{int(round(strike * 1000)):08d}"


@dataclass
class Leg:
    """A position of a hand-made book: a stock (``strike`` None) or an option on ``symbol``."""

    symbol: str
    quantity: float
    strike: float | None = None
    call: bool = True
    iv: float = 0.30
    entry_date: dt.date = dt.date(2024, 6, 3)


def make_book(
    market: RiskMarket,
    legs: Sequence[Leg],
    *,
    owner: Any = None,
    cash: float = 0.0,
    with_valuations: bool = True,
    as_of: dt.date = AS_OF,
) -> Portfolio:
    """A portfolio of ``legs`` with hand-made valuations and aggregate for AS_OF (NAV = MV + cash)."""
    portfolio = PortfolioFactory(
        **({"owner": owner} if owner is not None else {}), cash_balance=Decimal(str(cash))
    )
    positions, valuations = [], []
    days = (EXPIRY - as_of).days
    for leg in legs:
        s = market.last_price[leg.symbol]
        if leg.strike is None:
            position = Position(
                portfolio=portfolio,
                symbol=leg.symbol,
                position_type="LONG" if leg.quantity > 0 else "SHORT",
                quantity=Decimal(str(leg.quantity)),
                multiplier=1,
                entry_price=Decimal("10"),
                entry_date=leg.entry_date,
            )
            price, delta, mult, und_price = s, 1.0, 1, s
        else:
            kind = ("LC" if leg.call else "LP") if leg.quantity > 0 else ("SC" if leg.call else "SP")
            position = Position(
                portfolio=portfolio,
                symbol=occ(leg.symbol, leg.strike, leg.call),
                position_type=kind,
                quantity=Decimal(str(leg.quantity)),
                multiplier=100,
                entry_price=Decimal("1"),
                entry_date=leg.entry_date,
                underlying_symbol=leg.symbol,
                option_type="call" if leg.call else "put",
                strike_price=Decimal(str(leg.strike)),
                expiration_date=EXPIRY,
                implied_volatility=leg.iv,
            )
            price, delta = bs(s, leg.strike, days, RATE, leg.iv, leg.call)
            mult, und_price = 100, s
        positions.append(position)
        mv = leg.quantity * price * mult
        valuations.append(
            dict(
                price=price,
                underlying_price=und_price,
                market_value=mv,
                cost_basis=mv,
                unrealized_pnl=0.0,
                delta=delta,
                delta_adjusted_exposure=delta * und_price * mult * leg.quantity,
            )
        )
    Position.objects.bulk_create(positions)
    if with_valuations:
        PositionValuation.objects.bulk_create(
            [
                PositionValuation(position=p, portfolio=portfolio, as_of_date=as_of, **v)
                for p, v in zip(positions, valuations, strict=True)
            ]
        )
        mvs = [v["market_value"] for v in valuations]
        exps = [v["delta_adjusted_exposure"] for v in valuations]
        PortfolioAggregate.objects.create(
            portfolio=portfolio,
            as_of_date=as_of,
            nav=sum(mvs) + cash,
            cash=cash,
            long_value=sum(m for m in mvs if m > 0),
            short_value=sum(m for m in mvs if m < 0),
            gross_exposure=sum(abs(m) for m in mvs),
            net_exposure=sum(mvs),
            delta_long=sum(e for e in exps if e > 0),
            delta_short=sum(e for e in exps if e < 0),
            delta_gross=sum(abs(e) for e in exps),
            delta_net=sum(exps),
            cost_basis=sum(mvs),
            unrealized_pnl=0.0,
            position_count=len(positions),
            priced_count=len(positions),
        )
    return portfolio


def run_risk(*portfolios: Portfolio, as_of: dt.date = AS_OF) -> Any:
    from analytics.services.risk import risk_step

    return risk_step(as_of=as_of, portfolio_ids=[str(p.id) for p in portfolios])
