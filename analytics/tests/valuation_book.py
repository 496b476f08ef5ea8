"""A hand-worked book for the valuation and aggregation tests (services and API).

As of Friday 2024-07-05 (the day after the July 4th holiday: the previous session is Wednesday
2024-07-03). Cash 10,000. Positions (quantity @ entry):

1. LONG  AAA 100 @ 90        close 102, previous 100         (Technology)
2. SHORT BBB -50 @ 55        close 48, previous 50           (Energy)
3. LC    AAA 241220 C100 2 @ 5.00, IV 30%: its own bar 9.50, previous 8.00
4. SP    AAA 241220 P95 -3 @ 4.00, IV 25%: no bar -> Black-Scholes model price
5. LONG  CCC 10 @ 20         no bar at all -> missing price (row with nulls)
6. LONG  BBB 10 @ 47.50      opened on 2024-07-05 -> daily P&L against its entry price
7. LONG  AAA 5 @ 80          closed 2024-07-01 (exit 85) -> not held, not valued

r = DGS3MO = 5% (decimal), q = 0 (no dividend yield stored). Tags: "tech" on 1 and 3, strategy tag
"hedge" on 4. The Black-Scholes reference below is written from the textbook formula with
math.erf, independent of the engine.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from analytics.engines.option_pricer import option_greeks
from marketdata.models import MacroSeries, PriceBar, Security
from portfolios.models import Portfolio, Position
from portfolios.tests.factories import PortfolioFactory, PositionFactory, TagFactory

AS_OF = dt.date(2024, 7, 5)
PREVIOUS = dt.date(2024, 7, 3)
EXPIRY = dt.date(2024, 12, 20)
CALL_OCC = "AAA   241220C00100000"
PUT_OCC = "AAA   241220P00095000"
RATE = 0.05


def bar(symbol: str, date: dt.date, close: float, source: str = "synthetic", volume: int = 1000) -> PriceBar:
    return PriceBar(
        symbol=symbol,
        date=date,
        open=close,
        high=close,
        low=close,
        close=close,
        adjusted_close=close,
        volume=volume,
        source=source,
    )


def norm_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def bs(s: float, k: float, days: int, r: float, sigma: float, call: bool) -> tuple[float, float]:
    """(price, delta) per share of a European option, q = 0, T = days / 365."""
    t = days / 365.0
    d1 = (math.log(s / k) + (r + sigma**2 / 2) * t) / (sigma * math.sqrt(t))
    d2 = d1 - sigma * math.sqrt(t)
    if call:
        return s * norm_cdf(d1) - k * math.exp(-r * t) * norm_cdf(d2), norm_cdf(d1)
    return k * math.exp(-r * t) * norm_cdf(-d2) - s * norm_cdf(-d1), norm_cdf(d1) - 1.0


def implied_sigma(price: float, s: float, k: float, days: int, r: float, call: bool) -> float:
    """The European (q = 0) volatility that reprices ``price``, by bisection on :func:`bs`."""
    low, high = 1e-4, 5.0
    for _ in range(200):
        mid = 0.5 * (low + high)
        low, high = (mid, high) if bs(s, k, days, r, mid, call)[0] < price else (low, mid)
    return 0.5 * (low + high)


def american(s: float, k: float, days: int, r: float, sigma: float, call: bool) -> tuple[float, float]:
    """(price, delta) per share of an American option, q = 0, T = days / 365."""
    greeks = option_greeks(s, k, days / 365.0, r, 0.0, sigma, call, True)
    return float(greeks.price), float(greeks.delta)


@dataclass
class Book:
    portfolio: Portfolio
    aaa: Position
    bbb_short: Position
    call: Position
    put: Position
    ccc: Position
    bbb_new: Position
    closed: Position

    def expected(self) -> dict[str, dict[str, Any]]:
        """Hand-worked valuation of each held position (USD; None = unknown)."""
        # The call is marked at 9.50 by its own bar: its one sigma is the vol that reprices that mark
        # (solved here by bisection on the closed form; the position's 30% is not used).
        days = (EXPIRY - AS_OF).days
        call_sigma = implied_sigma(9.5, 102, 100, days, RATE, True)
        call_delta = bs(102, 100, days, RATE, call_sigma, True)[1]
        # The put on a stock is American: its early-exercise value comes from the project's pricer
        # (checked against QuantLib's finite-difference engine in engines/test_option_pricer.py);
        # the call pays no dividend, so its American value is the European closed form above.
        put_price, put_delta = american(102, 95, (EXPIRY - AS_OF).days, RATE, 0.25, False)
        put_previous = american(100, 95, (EXPIRY - PREVIOUS).days, RATE, 0.25, False)[0]
        return {
            "aaa": dict(
                price=102.0,
                previous_close=100.0,
                market_value=10200.0,
                cost_basis=9000.0,
                unrealized_pnl=1200.0,
                pnl_percent=1200 / 9000 * 100,
                daily_pnl=200.0,
                delta=1.0,
                delta_adjusted_exposure=10200.0,
                underlying_price=102.0,
                price_source="synthetic",
            ),
            "bbb_short": dict(
                price=48.0,
                previous_close=50.0,
                market_value=-2400.0,
                cost_basis=-2750.0,
                unrealized_pnl=350.0,
                pnl_percent=350 / 2750 * 100,
                daily_pnl=100.0,
                delta=1.0,
                delta_adjusted_exposure=-2400.0,
                underlying_price=48.0,
                price_source="synthetic",
            ),
            "call": dict(
                price=9.5,
                previous_close=8.0,
                market_value=1900.0,
                cost_basis=1000.0,
                unrealized_pnl=900.0,
                pnl_percent=90.0,
                daily_pnl=300.0,
                delta=call_delta,
                delta_adjusted_exposure=call_delta * 102 * 100 * 2,
                underlying_price=102.0,
                price_source="synthetic",
            ),
            "put": dict(
                price=put_price,
                previous_close=put_previous,
                market_value=-300 * put_price,
                cost_basis=-1200.0,
                unrealized_pnl=-300 * put_price + 1200,
                pnl_percent=(-300 * put_price + 1200) / 1200 * 100,
                daily_pnl=-300 * (put_price - put_previous),
                delta=put_delta,
                delta_adjusted_exposure=put_delta * 102 * 100 * -3,
                underlying_price=102.0,
                price_source="model",
            ),
            "ccc": dict(
                price=None,
                previous_close=None,
                market_value=None,
                cost_basis=200.0,
                unrealized_pnl=None,
                pnl_percent=None,
                daily_pnl=None,
                delta=1.0,
                delta_adjusted_exposure=None,
                underlying_price=None,
                price_source="",
            ),
            "bbb_new": dict(
                price=48.0,
                previous_close=47.5,
                market_value=480.0,
                cost_basis=475.0,
                unrealized_pnl=5.0,
                pnl_percent=5 / 475 * 100,
                daily_pnl=5.0,
                delta=1.0,
                delta_adjusted_exposure=480.0,
                underlying_price=48.0,
                price_source="synthetic",
            ),
        }


def market_data() -> None:
    """Bars, rate and securities of the book (hand-made)."""
    PriceBar.objects.bulk_create(
        [
            bar("AAA", dt.date(2024, 7, 1), 98),
            bar("AAA", dt.date(2024, 7, 2), 99),
            bar("AAA", PREVIOUS, 100),
            bar("AAA", AS_OF, 102),
            bar("BBB", PREVIOUS, 50),
            bar("BBB", AS_OF, 48),
            bar(CALL_OCC, PREVIOUS, 8.0),
            bar(CALL_OCC, AS_OF, 9.5),
        ]
    )
    MacroSeries.objects.bulk_create(
        [MacroSeries(series_id="DGS3MO", date=d, value=RATE, source="synthetic") for d in (PREVIOUS, AS_OF)]
    )
    Security.objects.bulk_create(
        [
            Security(symbol="AAA", sector="Technology"),
            Security(symbol="BBB", sector="Energy"),
        ]
    )


def hand_book(owner: Any = None, *, with_market_data: bool = True) -> Book:
    """Creates the book (and, by default, its market data) for ``owner``."""
    if with_market_data:
        market_data()
    portfolio = PortfolioFactory(
        **({"owner": owner} if owner is not None else {}), cash_balance=Decimal("10000")
    )
    tech = TagFactory(owner=portfolio.owner, name="tech")
    hedge = TagFactory(owner=portfolio.owner, name="hedge", strategy=True)
    common = {"portfolio": portfolio, "entry_date": dt.date(2024, 1, 2)}
    option = {"multiplier": 100, "underlying_symbol": "AAA", "expiration_date": EXPIRY}
    return Book(
        portfolio=portfolio,
        aaa=PositionFactory(
            **common, symbol="AAA", quantity=Decimal("100"), entry_price=Decimal("90"), tags=[tech]
        ),
        bbb_short=PositionFactory(
            **common, short=True, symbol="BBB", quantity=Decimal("-50"), entry_price=Decimal("55")
        ),
        call=PositionFactory(
            **common,
            **option,
            long_call=True,
            symbol=CALL_OCC,
            quantity=Decimal("2"),
            entry_price=Decimal("5"),
            strike_price=Decimal("100"),
            implied_volatility=0.30,
            tags=[tech],
        ),
        put=PositionFactory(
            **common,
            **option,
            short_put=True,
            symbol=PUT_OCC,
            quantity=Decimal("-3"),
            entry_price=Decimal("4"),
            strike_price=Decimal("95"),
            implied_volatility=0.25,
            tags=[hedge],
        ),
        ccc=PositionFactory(**common, symbol="CCC", quantity=Decimal("10"), entry_price=Decimal("20")),
        bbb_new=PositionFactory(
            portfolio=portfolio,
            symbol="BBB",
            quantity=Decimal("10"),
            entry_price=Decimal("47.5"),
            entry_date=AS_OF,
        ),
        closed=PositionFactory(
            **common,
            symbol="AAA",
            quantity=Decimal("5"),
            entry_price=Decimal("80"),
            exit_price=Decimal("85"),
            exit_date=dt.date(2024, 7, 1),
        ),
    )


def run_valuation_and_aggregation(portfolio: Portfolio, as_of: dt.date = AS_OF) -> None:
    from analytics.services.aggregation import aggregation_step
    from analytics.services.valuation import valuation_step

    valuation_step(as_of=as_of, portfolio_ids=[str(portfolio.id)])
    aggregation_step(as_of=as_of, portfolio_ids=[str(portfolio.id)])


def sized_book(owner: Any, n: int) -> Portfolio:
    """A portfolio of ``n`` positions on distinct symbols (every 5th a model-priced call on the
    previous stock), with bars on PREVIOUS and AS_OF, valued and aggregated for AS_OF."""
    portfolio = PortfolioFactory(owner=owner, cash_balance=Decimal("1000"))
    tag = TagFactory(owner=owner)
    bars, positions = [], []
    for i in range(n):
        if i % 5 == 4:
            underlying = f"S{n}X{i - 1}"
            positions.append(
                Position(
                    portfolio=portfolio,
                    symbol=f"{underlying} 241220C00100000",
                    position_type="LC",
                    quantity=Decimal("1"),
                    multiplier=100,
                    entry_price=Decimal("3"),
                    entry_date=dt.date(2024, 1, 2),
                    underlying_symbol=underlying,
                    option_type="call",
                    strike_price=Decimal("100"),
                    expiration_date=EXPIRY,
                    implied_volatility=0.3,
                )
            )
            continue
        symbol = f"S{n}X{i}"
        bars += [bar(symbol, PREVIOUS, 100 + i), bar(symbol, AS_OF, 101 + i)]
        positions.append(
            Position(
                portfolio=portfolio,
                symbol=symbol,
                position_type="LONG" if i % 2 == 0 else "SHORT",
                quantity=Decimal(10 if i % 2 == 0 else -10),
                multiplier=1,
                entry_price=Decimal("99"),
                entry_date=dt.date(2024, 1, 2),
            )
        )
    PriceBar.objects.bulk_create(bars)
    if not MacroSeries.objects.filter(series_id="DGS3MO", date=AS_OF).exists():
        MacroSeries.objects.create(series_id="DGS3MO", date=AS_OF, value=RATE, source="synthetic")
    Position.objects.bulk_create(positions)
    for p in positions:
        p.tags.add(tag)
    run_valuation_and_aggregation(portfolio)
    return portfolio
