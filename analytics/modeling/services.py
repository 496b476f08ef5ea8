"""Writes and workflows of modeling sessions (API.md "/modeling").

- :func:`session_create`: a session on the portfolio's last batch date (422 without one);
- :func:`session_trades_add`: validates every trade like a position (known symbol, quantity != 0,
  option fields consistent, expiry after the as-of date, a price > 0 given or found) and adds all
  of them or none (400 listing each problem);
- :func:`session_trade_delete`, :func:`session_cancel`;
- :func:`session_calculate`: the batch's engines in-process on the book before and after the
  trades and without each trade (``analytics.modeling.calculate``); results stored on the session;
- :func:`session_save`: a snapshot (``saved``) or, with ``apply``, the trades become positions
  (opened or closed at the trade price on the as-of date, lots split when partly closed) and the
  cash moves, in one transaction (``applied``).

Applied and cancelled sessions are read-only (409).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone

from analytics.modeling.book import TRADE_LOT_PREFIX, TradeLeg, book_lots, modeled_book
from analytics.modeling.calculate import books_figures
from analytics.modeling.impacts import session_impacts
from analytics.modeling.models import ModelingSession, ModelingTrade, SessionStatus, TradePriceSource
from analytics.modeling.selectors import (
    known_symbols,
    last_batch_date,
    session_impacts_get,
    session_legs,
    trade_default_prices,
)
from portfolios.holdings import positions_frame
from portfolios.models import Portfolio, Position
from portfolios.services import tags_get_or_create
from portfolios.validation import PositionInvalid, derive_position_type, position_clean
from sigmasight.api.exceptions import ApplicationError, Conflict, InsufficientData, NotFound

__all__ = [
    "MAX_TRADES_PER_SESSION",
    "session_books",
    "session_calculate",
    "session_cancel",
    "session_create",
    "session_save",
    "session_trade_delete",
    "session_trades_add",
]

#: Most trades one session may hold (a basket of 500 names, or 250 two-leg spreads).
MAX_TRADES_PER_SESSION = 500
#: The actions a trade may name, and the sign of quantity each requires.
ACTION_SIGNS = {"buy": 1, "buy_to_cover": 1, "sell": -1, "sell_short": -1}


def _locked(session: ModelingSession, *related: str) -> ModelingSession:
    """The session's row, locked for this transaction; 404 when a concurrent request deleted it
    (with its portfolio) since the caller read it."""
    locked = (
        ModelingSession.objects.select_for_update().select_related(*related).filter(pk=session.pk).first()
    )
    if locked is None:
        raise NotFound("Not found.")
    return locked


def _writable(session: ModelingSession) -> None:
    if session.read_only:
        raise Conflict(
            f"The session is {session.status}: it is read-only.",
            {"session_id": str(session.id), "status": session.status},
        )


@transaction.atomic
def session_create(*, owner: Any, portfolio: Portfolio, name: str) -> ModelingSession:
    """A new active session on the portfolio's last batch date."""
    as_of = last_batch_date(portfolio=portfolio)
    if as_of is None:
        raise InsufficientData(
            "The portfolio has no batch results to model from yet: run the batch first.",
            {"missing": "batch results (risk metrics)", "portfolio_id": str(portfolio.id)},
        )
    return ModelingSession.objects.create(owner=owner, portfolio=portfolio, name=name, as_of_date=as_of)


def _clean_trade(raw: Mapping[str, Any], *, as_of: dt.date) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """(normalized fields, errors by field) of one trade input; the price may still be missing."""
    errors: dict[str, list[str]] = {}
    symbol = raw.get("occ_symbol") or raw.get("symbol")
    if raw.get("occ_symbol") and raw.get("symbol"):
        errors["symbol"] = ["Give either symbol or occ_symbol, not both."]
    if not symbol:
        return {}, {"symbol": ["Give a symbol (stocks, ETFs, funds) or an occ_symbol (options)."]}
    quantity = raw.get("quantity")
    price = raw.get("price")
    data = {
        "symbol": str(symbol).strip().upper(),
        "quantity": quantity,
        "entry_price": price if price is not None else Decimal("1"),  # validated once known
        "entry_date": as_of,
    }
    try:
        fields = position_clean(data, today=as_of)
    except PositionInvalid as exc:
        for field, messages in exc.errors.items():
            name = {"entry_price": "price", "entry_date": "as_of_date"}.get(field, field)
            errors.setdefault(name, []).extend(messages)
        return {}, errors
    expiration = fields.get("expiration_date")
    if expiration is not None and expiration <= as_of:
        errors.setdefault("expiration_date", []).append(
            f"Must be after the session's as-of date ({as_of.isoformat()})."
        )
    action = raw.get("action") or ""
    if action and quantity and np.sign(float(quantity)) != ACTION_SIGNS[action]:
        errors.setdefault("action", []).append(
            f"'{action}' needs a {'positive' if ACTION_SIGNS[action] > 0 else 'negative'} quantity."
        )
    fields.update(action=action, tag=raw.get("tag") or "", price=price)
    return fields, errors


def _legs_frame(cleaned: Sequence[Mapping[str, Any]], *, as_of: dt.date) -> pd.DataFrame:
    """``positions_frame``-layout rows of the cleaned trades (id = index), for pricing."""
    return pd.DataFrame(
        {
            "id": [str(i) for i in range(len(cleaned))],
            "symbol": [c["symbol"] for c in cleaned],
            "quantity": [float(c["quantity"]) for c in cleaned],
            "multiplier": [float(c["multiplier"]) for c in cleaned],
            "underlying_symbol": [c.get("underlying_symbol") or "" for c in cleaned],
            "strike_price": [
                float(c["strike_price"]) if c.get("strike_price") is not None else np.nan for c in cleaned
            ],
            "expiration_date": [c.get("expiration_date") for c in cleaned],
            "implied_volatility": [np.nan] * len(cleaned),
            "is_option": [bool(c.get("option_type")) for c in cleaned],
            "is_call": [c.get("option_type") == "call" for c in cleaned],
        }
    )


@transaction.atomic
def session_trades_add(
    *, session: ModelingSession, trades: Sequence[Mapping[str, Any]]
) -> list[ModelingTrade]:
    """Adds every trade or none: a 400 lists ``{index, field, message}`` of each problem."""
    session = _locked(session)
    _writable(session)
    existing = session.trades.count()
    if existing + len(trades) > MAX_TRADES_PER_SESSION:
        raise ApplicationError(
            f"trades: a session holds at most {MAX_TRADES_PER_SESSION} trades ({existing} already).",
            {"trades": [f"At most {MAX_TRADES_PER_SESSION} trades per session ({existing} already)."]},
        )
    as_of = session.as_of_date
    problems: list[dict[str, Any]] = []
    cleaned: list[dict[str, Any]] = []
    for index, raw in enumerate(trades):
        fields, errors = _clean_trade(raw, as_of=as_of)
        problems += [{"index": index, "field": f, "message": m} for f, ms in errors.items() for m in ms]
        cleaned.append(fields)
    valid = [c for c in cleaned if c]
    if valid:
        wanted = {c.get("underlying_symbol") or c["symbol"] for c in valid}
        known = known_symbols(symbols=sorted(wanted))
        for index, c in enumerate(cleaned):
            if c and (c.get("underlying_symbol") or c["symbol"]) not in known:
                name = c.get("underlying_symbol") or c["symbol"]
                field = "underlying_symbol" if c.get("underlying_symbol") else "symbol"
                problems.append({"index": index, "field": field, "message": f"Unknown symbol {name}."})
    if not problems:
        prices = trade_default_prices(legs=_legs_frame(cleaned, as_of=as_of), as_of=as_of)
        for index, c in enumerate(cleaned):
            if c["price"] is not None:
                c["price_value"], c["price_source"] = float(c["price"]), TradePriceSource.GIVEN
                continue
            value = float(prices["price"].iloc[index])
            if not np.isfinite(value) or value <= 0:
                problems.append(
                    {
                        "index": index,
                        "field": "price",
                        "message": f"No close of {c['symbol']} on or within 7 days before {as_of.isoformat()} "
                        "and no model price: give a price.",
                    }
                )
            c["price_value"], c["price_source"] = value, str(prices["price_source"].iloc[index])
    if problems:
        first = problems[0]
        raise ApplicationError(
            f"trades[{first['index']}].{first['field']}: {first['message']}", {"trades": problems}
        )
    base = (session.trades.order_by("-sequence").values_list("sequence", flat=True).first() or 0) + 1
    rows = [
        ModelingTrade(
            session=session,
            sequence=base + i,
            symbol=c["symbol"],
            position_type=str(c["position_type"]),
            quantity=c["quantity"],
            multiplier=c["multiplier"],
            price=c["price_value"],
            price_source=c["price_source"],
            action=c["action"],
            tag=c["tag"],
            underlying_symbol=c.get("underlying_symbol") or "",
            option_type=c.get("option_type") or "",
            strike_price=c.get("strike_price"),
            expiration_date=c.get("expiration_date"),
        )
        for i, c in enumerate(cleaned)
    ]
    ModelingTrade.objects.bulk_create(rows)
    _touch(session)
    return rows


def _touch(session: ModelingSession) -> None:
    """The trade list changed: a new revision (stored impacts become stale)."""
    session.trades_revision += 1
    if session.status == SessionStatus.SAVED:
        session.status = SessionStatus.ACTIVE
    session.save(update_fields=["trades_revision", "status", "updated_at"])


@transaction.atomic
def session_trade_delete(*, session: ModelingSession, trade_id: Any) -> None:
    """Removes one trade of the session (404 when it has no such trade)."""
    session = _locked(session)
    _writable(session)
    deleted, _ = ModelingTrade.objects.filter(session=session, pk=trade_id).delete()
    if not deleted:
        raise NotFound("Trade not found in this session.")
    _touch(session)


@transaction.atomic
def session_cancel(*, session: ModelingSession) -> ModelingSession:
    """Cancels the session (read-only from now on)."""
    session = _locked(session)
    _writable(session)
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = timezone.now()
    session.save(update_fields=["status", "cancelled_at", "updated_at"])
    return session


def session_books(
    session: ModelingSession,
) -> tuple[dict[str, pd.DataFrame], dict[str, float], list[str], list[TradeLeg], float]:
    """The books of a calculation: ``before`` (the positions held on the as-of date), ``after``
    (with every trade) and one light ``without:<trade id>`` per trade, all selections of one lot
    table (``book_lots``); their cash (USD; the trades move it by minus their cost), the light
    keys, the trade legs and the portfolio's cash."""
    portfolio_id, as_of = str(session.portfolio_id), session.as_of_date
    held = positions_frame(portfolio_ids=[portfolio_id], as_of=as_of)
    cash = float(Portfolio.objects.values_list("cash_balance", flat=True).get(pk=session.portfolio_id))
    legs = session_legs(session)
    lots = book_lots(held, legs, portfolio_id=portfolio_id, as_of=as_of)
    after = modeled_book(held, legs, portfolio_id=portfolio_id, as_of=as_of, lots=lots)
    books = {"before": held, "after": after.positions}
    cash_of = {"before": cash, "after": cash + after.cash_moved}
    light = []
    for leg in legs:
        others = [x for x in legs if x.id != leg.id]
        variant = modeled_book(held, others, portfolio_id=portfolio_id, as_of=as_of, lots=lots)
        key = f"without:{leg.id}"
        books[key], cash_of[key] = variant.positions, cash + variant.cash_moved
        light.append(key)
    return books, cash_of, light, legs, cash


def session_calculate(*, session: ModelingSession) -> dict[str, Any]:
    """Runs the engines on the session's books and stores the results; returns the impacts.

    Books (:func:`session_books`): ``before``, ``after`` and, for the incremental VaR, one
    ``without:<trade id>`` per trade (1-day parametric VaR only), computed together by
    ``calculate.books_figures``.
    """
    session = ModelingSession.objects.prefetch_related("trades").get(pk=session.pk)
    _writable(session)
    revision = session.trades_revision
    books, cash_of, light, legs, cash = session_books(session)
    figures = books_figures(
        books=books, cash=cash_of, as_of=session.as_of_date, owner_id=session.owner_id, light=light
    )
    results = {
        "before": figures["before"],
        "after": figures["after"],
        "without": {leg.id: figures[f"without:{leg.id}"] for leg in legs},
        "trades": [{"trade_id": leg.id, "symbol": leg.symbol} for leg in legs],
        "cash": {"before": cash, "after": cash_of["after"]},
    }
    session_impacts(results)  # fails here, not on read, if a figure is malformed
    with transaction.atomic():
        locked = ModelingSession.objects.select_for_update().get(pk=session.pk)
        _writable(locked)
        if locked.trades_revision != revision:
            raise Conflict("The trades changed during the calculation: calculate again.")
        locked.results = results
        locked.calculated_revision = revision
        locked.calculated_at = timezone.now()
        locked.save(update_fields=["results", "calculated_revision", "calculated_at", "updated_at"])
    session.refresh_from_db()
    return session_impacts_get(session=session)


@transaction.atomic
def session_save(*, session: ModelingSession, apply: bool = False) -> ModelingSession:
    """Saves the session as a snapshot, or applies its trades to the portfolio (see module doc)."""
    session = _locked(session, "portfolio")
    _writable(session)
    now = timezone.now()
    if apply:
        _apply(session)
        session.status = SessionStatus.APPLIED
        session.applied_at = now
    else:
        session.status = SessionStatus.SAVED
    session.saved_at = now
    session.save(update_fields=["status", "saved_at", "applied_at", "updated_at"])
    return session


def _decimal(value: float, places: int = 6) -> Decimal:
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places))


def _apply(session: ModelingSession) -> None:
    """The trades become positions and cash, inside the caller's transaction (see module doc)."""
    portfolio = Portfolio.objects.select_for_update().get(pk=session.portfolio_id)
    as_of = session.as_of_date
    trades = {str(t.id): t for t in session.trades.all()}
    held = positions_frame(portfolio_ids=[str(portfolio.pk)], as_of=as_of)
    book = modeled_book(held, session_legs(session), portfolio_id=str(portfolio.pk), as_of=as_of)
    lots: dict[str, Position] = {
        str(p.pk): p for p in Position.objects.filter(pk__in=list(held["id"])).prefetch_related("tags")
    }
    for trade_id, quantity in book.opened.items():
        trade = trades[trade_id]
        lot = Position.objects.create(
            portfolio=portfolio,
            symbol=trade.symbol,
            position_type=str(_type_of(quantity, trade.option_type)),
            quantity=_decimal(quantity),
            multiplier=trade.multiplier,
            entry_price=_decimal(trade.price),
            entry_date=as_of,
            underlying_symbol=trade.underlying_symbol,
            option_type=trade.option_type,
            strike_price=trade.strike_price,
            expiration_date=trade.expiration_date,
        )
        if trade.tag:
            lot.tags.set(tags_get_or_create(owner=session.owner, names=[trade.tag]))
        lots[f"{TRADE_LOT_PREFIX}{trade_id}"] = lot
    for closing in book.closings:
        _close(lots[closing.position_id], _decimal(closing.quantity), _decimal(closing.price), as_of)
    cost = sum(
        (Decimal(t.quantity) * Decimal(repr(float(t.price))) * t.multiplier for t in trades.values()),
        Decimal(0),
    )
    portfolio.cash_balance = (portfolio.cash_balance - cost).quantize(Decimal("0.01"))
    portfolio.save(update_fields=["cash_balance", "updated_at"])


def _type_of(quantity: float, option_type: str) -> str:
    return str(derive_position_type(Decimal(repr(quantity)), option_type or None))


def _close(lot: Position, quantity: Decimal, price: Decimal, as_of: dt.date) -> None:
    """Closes ``quantity`` (signed like the lot) of ``lot`` at ``price`` on ``as_of``: the whole lot,
    or a closed piece split off it (same entry, tags copied) while the rest stays open."""
    if quantity == lot.quantity:
        lot.exit_price, lot.exit_date = price, as_of
        lot.save(update_fields=["exit_price", "exit_date", "updated_at"])
        return
    tags = list(lot.tags.all())
    piece = Position.objects.create(
        portfolio_id=lot.portfolio_id,
        symbol=lot.symbol,
        position_type=lot.position_type,
        quantity=quantity,
        multiplier=lot.multiplier,
        entry_price=lot.entry_price,
        entry_date=lot.entry_date,
        exit_price=price,
        exit_date=as_of,
        underlying_symbol=lot.underlying_symbol,
        option_type=lot.option_type,
        strike_price=lot.strike_price,
        expiration_date=lot.expiration_date,
        implied_volatility=lot.implied_volatility,
    )
    if tags:
        piece.tags.set(tags)
    lot.quantity = lot.quantity - quantity
    lot.save(update_fields=["quantity", "updated_at"])
