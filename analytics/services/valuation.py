"""Engine 2: position valuation (DESIGN.md "Conventions of the numbers", "Valuation").

For every position held on ``as_of`` (entry_date <= as_of < exit_date or no exit):

- price (currency per share): stocks, ETFs and funds -> their own close on or before as_of
  (``price_snapshot``: stale after 7 days = missing). Options -> the OCC contract's own bar when
  the provider has one (``price_source`` = that provider, e.g. ``synthetic``), else the model
  price of the Greeks engine (``price_source`` = ``model``: the option pricer with the option's
  exercise style and its one sigma; a marked option's sigma is implied from that mark, so the
  model reprices it at its mark).
- previous close: the last bar strictly before as_of (weekends and holidays handled by the bars
  themselves, never "yesterday"). For a model-priced option it is the model price at the last NYSE
  session before as_of (the underlying's previous close, T measured from that session, same sigma,
  rate and dividend yield). A position opened after that session is measured against its entry
  price (its daily P&L is the P&L since it was opened).
- delta per share: 1 for stocks; the pricer's delta for options (American or European). ``underlying_price``: the option's
  underlying close, and the stock's own price for stocks.
- market value, cost basis, unrealized and daily P&L, pnl_percent and delta-adjusted exposure come
  from :func:`analytics.engines.valuation.value_positions` (stocks: MV; options: delta x S x
  multiplier x quantity), all in USD and signed.

A position without a usable price still gets a row: price, market value, P&L and exposure are null
(never invented) and it is counted under ``missing_price``. Rows of that date for positions of these
portfolios that are no longer held are deleted, so reruns are idempotent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
from django.db import transaction

from analytics.batch.result import EngineResult
from analytics.engines.conventions import DAYS_PER_YEAR
from analytics.engines.option_pricer import option_price
from analytics.engines.valuation import value_positions
from analytics.models import PositionValuation
from analytics.selectors.market_inputs import option_greeks_frame, price_snapshot
from marketdata.providers.calendar import last_session_before
from portfolios.holdings import positions_frame
from sigmasight.api.numbers import number

#: ``price_source`` of a price computed by the option pricer (no bar of the contract).
MODEL_SOURCE = "model"

#: Columns written on each upsert (everything but the key).
VALUATION_FIELDS = [
    "portfolio",
    "price",
    "price_source",
    "previous_close",
    "underlying_price",
    "market_value",
    "cost_basis",
    "unrealized_pnl",
    "pnl_percent",
    "daily_pnl",
    "delta",
    "delta_adjusted_exposure",
    "is_held",
]


def position_valuations_frame(
    *, positions: pd.DataFrame, as_of: dt.date, option_greeks: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Values held positions (rows of ``positions_frame``, stored or in-memory): one row per position id.

    Columns: portfolio_id, symbol, price, price_source, previous_close, underlying_price,
    market_value, cost_basis, unrealized_pnl, pnl_percent, daily_pnl, delta,
    delta_adjusted_exposure (USD, signed; NaN = unknown). Queries: the position prices (1) and the
    option inputs of :func:`option_greeks_frame` (4 when there are options). ``option_greeks``:
    that frame of the positions' options when the caller computed it already (a modeling session
    shares it with the Greeks and the risk book); computed here when omitted.
    """
    if positions.empty:
        return pd.DataFrame(
            columns=[
                "portfolio_id",
                "symbol",
                "price",
                "price_source",
                "previous_close",
                "underlying_price",
                "market_value",
                "cost_basis",
                "unrealized_pnl",
                "pnl_percent",
                "daily_pnl",
                "delta",
                "delta_adjusted_exposure",
            ]
        )
    ids = pd.Index(positions["id"], name="position_id")
    is_option = positions["is_option"].to_numpy(dtype=bool)
    options = positions[is_option]
    greeks = option_greeks_frame(options=options, as_of=as_of) if option_greeks is None else option_greeks
    greeks = greeks.reindex(ids) if not greeks.empty else pd.DataFrame(index=ids)

    def greek(name: str) -> np.ndarray:
        if name in greeks:
            return greeks[name].to_numpy(dtype=np.float64)
        return np.full(len(ids), np.nan)

    underlyings = positions["underlying_symbol"].where(is_option, "").fillna("")
    snapshot = price_snapshot(
        symbols=sorted(set(positions["symbol"]) | (set(underlyings) - {""})), as_of=as_of
    )
    bar_close = snapshot.close.reindex(positions["symbol"]).to_numpy(dtype=np.float64)
    bar_previous = snapshot.previous_close.reindex(positions["symbol"]).to_numpy(dtype=np.float64)
    bar_source = snapshot.source.reindex(positions["symbol"]).fillna("").to_numpy(dtype=object)

    # Model previous close of options without their own bar: the model price at the last session,
    # from the underlying's previous close (same sigma, rate and dividend yield as today).
    previous_session = last_session_before(as_of)
    days_before = np.array(
        [
            (e - previous_session).days if isinstance(e, dt.date) else np.nan
            for e in positions["expiration_date"]
        ],
        dtype=np.float64,
    )
    underlying_previous = snapshot.previous_close.reindex(underlyings).to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        model_previous = np.where(
            is_option,
            option_price(
                underlying_previous,
                positions["strike_price"].to_numpy(dtype=np.float64),
                days_before / DAYS_PER_YEAR,
                greek("rate"),
                greek("dividend_yield"),
                greek("sigma"),
                positions["is_call"].to_numpy(dtype=bool),
                np.nan_to_num(greek("is_american"), nan=0.0).astype(bool),
            ),
            np.nan,
        )

    own_bar = ~is_option | np.isfinite(bar_close)
    price = np.where(own_bar, bar_close, greek("price"))
    previous = np.where(own_bar, bar_previous, model_previous)
    source = np.where(~np.isfinite(price), "", np.where(own_bar, bar_source, MODEL_SOURCE)).astype(object)
    entry_price = positions["entry_price"].to_numpy(dtype=np.float64)
    opened_after = np.array([d > previous_session for d in positions["entry_date"]], dtype=bool)
    previous = np.where(opened_after, entry_price, previous)
    delta = np.where(is_option, greek("delta"), 1.0)
    underlying_price = np.where(is_option, greek("S"), price)

    values = value_positions(
        quantity=positions["quantity"].to_numpy(dtype=np.float64),
        price=price,
        entry_price=entry_price,
        multiplier=positions["multiplier"].to_numpy(dtype=np.float64),
        prev_close=previous,
        is_option=is_option,
        delta=delta,
        underlying_price=underlying_price,
        index=ids,
    )
    out = pd.DataFrame(
        {
            "portfolio_id": positions["portfolio_id"].to_numpy(),
            "symbol": positions["symbol"].to_numpy(),
            "price": price,
            "price_source": source,
            "previous_close": previous,
            "underlying_price": underlying_price,
            "market_value": values["market_value"].to_numpy(),
            "cost_basis": values["cost_basis"].to_numpy(),
            "unrealized_pnl": values["unrealized_pnl"].to_numpy(),
            "pnl_percent": values["pnl_percent"].to_numpy(),
            "daily_pnl": values["daily_pnl"].to_numpy(),
            "delta": delta,
            "delta_adjusted_exposure": values["delta_adjusted_exposure"].to_numpy(),
        },
        index=ids,
    )
    return out


@transaction.atomic
def position_valuations_upsert(
    *, valuations: pd.DataFrame, as_of: dt.date, portfolio_ids: Sequence[str]
) -> tuple[int, int]:
    """Upserts one PositionValuation per row and deletes that date's rows of positions no longer held.

    Returns (rows written, stale rows deleted).
    """
    rows = [
        PositionValuation(
            position_id=pid,
            portfolio_id=rec["portfolio_id"],
            as_of_date=as_of,
            price=number(rec["price"]),
            price_source=rec["price_source"] or "",
            previous_close=number(rec["previous_close"]),
            underlying_price=number(rec["underlying_price"]),
            market_value=number(rec["market_value"]),
            cost_basis=float(rec["cost_basis"]),
            unrealized_pnl=number(rec["unrealized_pnl"]),
            pnl_percent=number(rec["pnl_percent"]),
            daily_pnl=number(rec["daily_pnl"]),
            delta=number(rec["delta"]),
            delta_adjusted_exposure=number(rec["delta_adjusted_exposure"]),
            is_held=True,
        )
        for pid, rec in zip(valuations.index, valuations.to_dict("records"), strict=True)
    ]
    if rows:
        PositionValuation.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["position", "as_of_date"],
            update_fields=VALUATION_FIELDS,
        )
    deleted, _ = (
        PositionValuation.objects.filter(portfolio_id__in=list(portfolio_ids), as_of_date=as_of)
        .exclude(position_id__in=list(valuations.index))
        .delete()
    )
    return len(rows), deleted


def valuation_step(*, as_of: dt.date, portfolio_ids: list[str]) -> EngineResult:
    """Batch engine 2 for a chunk of portfolios (vectorized across the chunk).

    Counts: positions (valued rows), priced, model_priced, missing_price, missing_delta, deleted.
    Notes: ``missing_price``: [{portfolio_id, position_id, symbol}] (rows stored with nulls).
    """
    positions = positions_frame(portfolio_ids=portfolio_ids, as_of=as_of)
    valuations = position_valuations_frame(positions=positions, as_of=as_of)
    written, deleted = position_valuations_upsert(
        valuations=valuations, as_of=as_of, portfolio_ids=portfolio_ids
    )
    priced = np.isfinite(valuations["price"].to_numpy(dtype=np.float64))
    exposure_known = np.isfinite(valuations["delta_adjusted_exposure"].to_numpy(dtype=np.float64))
    missing = valuations[~priced]
    return EngineResult(
        counts={
            "positions": written,
            "priced": int(priced.sum()),
            "model_priced": int((valuations["price_source"] == MODEL_SOURCE).sum()),
            "missing_price": int((~priced).sum()),
            "missing_delta": int((priced & ~exposure_known).sum()),
            "deleted": deleted,
        },
        notes={
            "missing_price": [
                {"portfolio_id": rec["portfolio_id"], "position_id": pid, "symbol": rec["symbol"]}
                for pid, rec in zip(missing.index, missing.to_dict("records"), strict=True)
            ]
        },
    )
