"""The preview of an upload: its positions priced and valued, options grouped by underlying and
expiry, and the exposure summary (reads only).

Values come from the valuation engine (:mod:`analytics.engines.valuation`, a pure library):
market_value = quantity x price x multiplier and cost_basis = quantity x entry_price x multiplier
(USD, signed), each shown rounded half-up to the cent (:func:`sigmasight.api.numbers.money`, the
rule of every money output, /data included). The summary aggregates the market values as
shown (so that the totals foot with the rows): long = sum of the positive ones, short = sum of the
negative ones (<= 0), gross = long - short, net = long + short, total_value = net + cash; unpriced
positions count in none of them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd

from analytics.engines.valuation import exposure_summary, value_positions
from marketdata.providers.registry import market_as_of
from marketdata.selectors import data_source
from portfolios.csv_import.results import ParsedRow
from portfolios.onboarding import prices
from portfolios.onboarding.models import OnboardingUpload
from portfolios.onboarding.prices import PriceInfo
from portfolios.onboarding.selectors import parsed_position, upload_require_processed, upload_rows
from sigmasight.api.numbers import money


def upload_preview(*, upload: OnboardingUpload) -> dict[str, Any]:
    """Parsed positions with their types, option legs grouped by underlying and expiry, prices
    found and signed market values (USD, quantity x multiplier x price), and a summary."""
    upload_require_processed(upload)
    rows = upload_rows(upload)
    as_of = market_as_of()
    symbols = prices.rows_symbols(rows)
    found = prices.symbol_prices(symbols=symbols, as_of=as_of, quote_missing=True)
    cash = float(upload.cash_balance) if upload.cash_balance is not None else None
    valued = positions_value(rows, found)
    positions = [
        _preview_position(row, found, market_value, cost_basis)
        for row, market_value, cost_basis in zip(
            rows, valued["market_value"], valued["cost_basis"], strict=True
        )
    ]
    return {
        "upload_id": upload.pk,
        "status": upload.status,
        "portfolio_id": upload.portfolio_id,
        "portfolio_name": upload.portfolio_name,
        "as_of_date": as_of,
        "data_source": data_source(symbols=symbols),
        "cash_balance": cash,
        "positions": positions,
        "option_legs": _option_legs(rows, found),
        "summary": {
            "position_count": len(rows),
            "stock_count": sum(1 for r in rows if not r.is_option),
            "option_count": sum(1 for r in rows if r.is_option),
            "priced_count": sum(1 for p in positions if p["price"] is not None),
            "unpriced_count": sum(1 for p in positions if p["price"] is None),
            **exposure_totals(valued, cash=cash or 0.0),
            "rows_invalid": upload.rows_invalid,
        },
    }


def positions_value(rows: list[ParsedRow], found: dict[str, PriceInfo]) -> pd.DataFrame:
    """:func:`~analytics.engines.valuation.value_positions` of the rows at the prices found (NaN
    price, hence NaN market value, where none was found), one row per position in row order."""
    price = [found[r.symbol].price if r.symbol in found else None for r in rows]
    return value_positions(
        quantity=[float(r.fields["quantity"]) for r in rows],
        price=[np.nan if p is None else p for p in price],
        entry_price=[float(r.fields["entry_price"]) for r in rows],
        multiplier=[int(r.fields["multiplier"]) for r in rows],
    )


def exposure_totals(valued: pd.DataFrame, *, cash: float) -> dict[str, float | None]:
    """The summary's long/short/gross/net/total (USD, to the cent) from the engine's
    :func:`~analytics.engines.valuation.exposure_summary` of the market values rounded to the cent
    (as each row shows them)."""
    if valued.empty:  # the engine needs at least one position (a file with only a CASH row)
        return _totals(long=0.0, short=0.0, gross=0.0, net=0.0, nav=cash)
    shown = valued.assign(market_value=[_money_or_nan(v) for v in valued["market_value"]])
    summary = exposure_summary(shown, cash=cash)
    return _totals(
        long=summary.long, short=summary.short, gross=summary.gross, net=summary.net, nav=summary.nav
    )


def _totals(*, long: float, short: float, gross: float, net: float, nav: float) -> dict[str, float | None]:
    return {
        "long_value": money(long),
        "short_value": money(short),
        "gross_exposure": money(gross),
        "net_exposure": money(net),
        "total_value": money(nav),
    }


def _preview_position(
    row: ParsedRow, found: dict[str, PriceInfo], market_value: float, cost_basis: float
) -> dict[str, Any]:
    info = found.get(row.symbol, PriceInfo())
    underlying = found.get(row.lookup_symbol) if row.is_option else None
    return {
        **parsed_position(row),
        "cost_basis": money(cost_basis),
        "price": info.price,
        "price_date": info.price_date,
        "price_source": info.source,
        "underlying_price": underlying.price if underlying else None,
        "market_value": money(market_value),
    }


def _option_legs(rows: list[ParsedRow], found: dict[str, PriceInfo]) -> list[dict[str, Any]]:
    """Options grouped by underlying and expiration (a spread's legs together), sorted."""
    groups: defaultdict[tuple[str, dt.date], list[ParsedRow]] = defaultdict(list)
    for row in rows:
        if row.is_option:
            groups[(row.lookup_symbol, row.fields["expiration_date"])].append(row)
    out = []
    for (underlying, expiry), legs in sorted(groups.items()):
        legs.sort(key=lambda r: (r.fields["option_type"], r.fields["strike_price"], r.row))
        info = found.get(underlying)
        out.append(
            {
                "underlying_symbol": underlying,
                "expiration_date": expiry,
                "underlying_price": info.price if info else None,
                "strategies": sorted({s for leg in legs for s in leg.strategies}),
                "legs": [
                    {
                        "row": leg.row,
                        "symbol": leg.symbol,
                        "position_type": leg.fields["position_type"],
                        "option_type": leg.fields["option_type"],
                        "strike_price": float(leg.fields["strike_price"]),
                        "quantity": float(leg.fields["quantity"]),
                    }
                    for leg in legs
                ],
            }
        )
    return out


def _money_or_nan(value: float) -> float:
    """:func:`~sigmasight.api.numbers.money`, NaN kept (the engine's "unpriced")."""
    shown = money(value)
    return math.nan if shown is None else shown
