"""Reads of modeling sessions: the user's sessions, a session with its trades, its impacts, the
portfolio's last batch date, the default prices of new trades, the trade list for export.

Another user's session (or portfolio) is 404; impacts are 422 before the first calculation and
409 once the trades changed since it (recalculate).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Count, QuerySet

from analytics.modeling.book import TradeLeg, modeled_book
from analytics.modeling.impacts import session_impacts
from analytics.modeling.models import ModelingSession, ModelingTrade
from analytics.models import RiskMetrics, RiskView
from analytics.selectors.market_inputs import option_greeks_frame, price_snapshot
from marketdata.models import Security
from marketdata.selectors import data_source
from portfolios.holdings import positions_frame
from portfolios.models import Portfolio
from sigmasight.api.exceptions import Conflict, InsufficientData, NotFound

__all__ = [
    "last_batch_date",
    "known_symbols",
    "session_export_trades",
    "session_get",
    "session_impacts_get",
    "session_legs",
    "session_list",
    "trade_default_prices",
]


def session_list(*, user: Any, portfolio: Portfolio | None = None) -> QuerySet[ModelingSession]:
    """The user's sessions (newest first), optionally of one portfolio, with their trades prefetched."""
    qs = ModelingSession.objects.filter(owner=user)
    if portfolio is not None:
        qs = qs.filter(portfolio=portfolio)
    return qs.annotate(trade_count=Count("trades")).prefetch_related("trades").order_by("-created_at", "id")


def session_get(*, user: Any, session_id: uuid.UUID | str) -> ModelingSession:
    """The user's session; 404 for another user's or an unknown one."""
    session = (
        ModelingSession.objects.filter(owner=user, pk=session_id)
        .select_related("portfolio")
        .prefetch_related("trades")
        .first()
    )
    if session is None:
        raise NotFound("Modeling session not found.")
    return session


def last_batch_date(*, portfolio: Portfolio) -> dt.date | None:
    """The last date the batch published the portfolio's risk results (engine 7, portfolio view)."""
    return (
        RiskMetrics.objects.filter(portfolio=portfolio, view=RiskView.PORTFOLIO)
        .order_by("-as_of_date")
        .values_list("as_of_date", flat=True)
        .first()
    )


def known_symbols(*, symbols: Sequence[str]) -> set[str]:
    """The symbols of the security master among ``symbols`` (one query)."""
    return set(Security.objects.filter(symbol__in=list(symbols)).values_list("symbol", flat=True))


def trade_default_prices(*, legs: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The default price of each trade (rows of ``positions_frame`` layout, ``id`` = row key):
    its last close on ``as_of`` (within the price-age rule), else for an option the model price of
    the Greeks engine. Columns: price (NaN = none), price_source (``close``/``model``/"")."""
    close = price_snapshot(symbols=list(legs["symbol"]), as_of=as_of).close
    price = close.reindex(legs["symbol"]).to_numpy(dtype=float)
    source = np.where(np.isfinite(price), "close", "").astype(object)
    unpriced_options = legs[legs["is_option"].to_numpy(dtype=bool) & ~np.isfinite(price)]
    if len(unpriced_options):
        model = option_greeks_frame(options=unpriced_options, as_of=as_of)["price"]
        model_price = model.reindex(legs["id"]).to_numpy(dtype=float)
        use = ~np.isfinite(price) & np.isfinite(model_price)
        price = np.where(use, model_price, price)
        source = np.where(use, "model", source)
    return pd.DataFrame({"price": price, "price_source": source}, index=pd.Index(legs["id"]))


def session_legs(session: ModelingSession) -> list[TradeLeg]:
    """The session's trades as book legs, in order (uses the prefetched trades)."""
    return [
        TradeLeg(
            id=str(t.id),
            symbol=t.symbol,
            quantity=float(t.quantity),
            price=float(t.price),
            multiplier=int(t.multiplier),
            underlying_symbol=t.underlying_symbol,
            option_type=t.option_type,
            strike_price=None if t.strike_price is None else float(t.strike_price),
            expiration_date=t.expiration_date,
        )
        for t in sorted(session.trades.all(), key=lambda t: t.sequence)
    ]


def session_impacts_get(*, session: ModelingSession) -> dict[str, Any]:
    """The impacts of the session's last calculation (API.md shape)."""
    if session.calculated_revision is None or not session.results:
        raise InsufficientData(
            "The session has not been calculated yet: POST .../calculate first.",
            {"missing": "calculation", "session_id": str(session.id)},
        )
    if session.calculated_revision != session.trades_revision:
        raise Conflict(
            "The trades changed since the last calculation: POST .../calculate again.",
            {
                "session_id": str(session.id),
                "calculated_revision": session.calculated_revision,
                "trades_revision": session.trades_revision,
            },
        )
    results = session.results
    return {
        "session_id": str(session.id),
        "portfolio_id": str(session.portfolio_id),
        "as_of_date": session.as_of_date,
        "calculated_at": session.calculated_at,
        "data_source": data_source(symbols=sorted(set(results["after"]["symbols"])) or None),
        **session_impacts(results),
    }


def session_export_trades(*, session: ModelingSession) -> list[dict[str, Any]]:
    """The session's trades as an order list for the /export/trades writer: ``{symbol, action,
    quantity (positive), order_type: "limit", limit_price}``; a trade that closes a held lot and goes
    beyond it is two orders (``sell`` + ``sell_short``, or ``buy_to_cover`` + ``buy``)."""
    held = positions_frame(portfolio_ids=[str(session.portfolio_id)], as_of=session.as_of_date)
    legs = session_legs(session)
    book = modeled_book(held, legs, portfolio_id=str(session.portfolio_id), as_of=session.as_of_date)
    closed: dict[str, float] = {}
    for closing in book.closings:
        closed[closing.trade_id] = closed.get(closing.trade_id, 0.0) + closing.quantity
    orders = []
    for leg in legs:
        price = round(leg.price, 6)
        closing = closed.get(leg.id, 0.0)
        if closing:
            action = "sell" if closing > 0 else "buy_to_cover"
            orders.append(_order(leg, action, abs(closing), price))
        opening = leg.quantity + closing  # the part not closing a lot (same sign as the trade)
        if abs(opening) > 1e-9:
            action = "buy" if opening > 0 else "sell_short"
            orders.append(_order(leg, action, abs(opening), price))
    return orders


def _order(leg: TradeLeg, action: str, quantity: float, price: float) -> dict[str, Any]:
    return {
        "symbol": leg.symbol,
        "action": action,
        "quantity": quantity,
        "order_type": "limit",
        "limit_price": price,
        "trade_id": leg.id,
    }


def trades_of(session: ModelingSession) -> list[ModelingTrade]:
    """The session's trades in order (prefetched)."""
    return sorted(session.trades.all(), key=lambda t: t.sequence)
