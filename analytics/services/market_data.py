"""Engine 1: market data sync for every held symbol, the factor ETFs and the macro series."""

from __future__ import annotations

import datetime as dt

from analytics.batch.result import EngineResult
from marketdata.providers.registry import get_macro_provider, get_provider
from marketdata.selectors import reference_symbols
from marketdata.services import market_data_sync
from portfolios.holdings import held_symbols


def market_data_step(*, as_of: dt.date, portfolio_ids: list[str]) -> EngineResult:
    """Syncs what the portfolios hold (stocks, options and their underlyings) plus reference symbols."""
    held = held_symbols(portfolio_ids=portfolio_ids, as_of=as_of)
    symbols = sorted(set(held.symbols) | set(reference_symbols()))
    report = market_data_sync(
        symbols=symbols,
        as_of=as_of,
        provider=get_provider(),
        macro_provider=get_macro_provider(),
        history_start=held.earliest_entry,
    )
    summary = report.as_dict()
    return EngineResult(
        counts={
            "symbols": report.symbols_requested,
            "synced": report.symbols_synced,
            "up_to_date": report.symbols_up_to_date,
            "bars_written": report.bars_written,
            "macro_points_written": report.macro_points_written,
        },
        notes={"provider": report.provider, "missing_symbols": summary["failures"]},
    )
