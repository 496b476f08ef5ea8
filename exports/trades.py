"""Trade lists for a broker (POST /export/trades): validation, then a CSV, JSON or FIX 4.4 file.

:func:`trades_export` is the reusable entry point (the API and the what-if modeling sessions):
it validates every trade, then writes the file; nothing is written when any trade is invalid (a
400 VALIDATION_ERROR whose ``details`` name each faulty field as ``trades[<index>].<field>``).

Rules: ``quantity`` > 0 (whole contracts for options); ``order_type`` ``market`` (default, no
``limit_price``) or ``limit`` (``limit_price`` > 0); a stock/ETF ticker must be known (in the
security master or with stored prices); anything that is not a ticker must be an OCC option symbol
that parses, and its underlying must be known. With a ``portfolio``, ``sell`` may not exceed the
long quantity held of that symbol and ``buy_to_cover`` the short quantity, summed over the list
(two sells of 60 against 100 shares held oversell on the second).
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from exports.files import CONTENT_TYPES, ExportFile, export_filename
from exports.history import export_record_create
from exports.models import ExportKind
from exports.writers.csv_writer import csv_bytes
from exports.writers.fix_writer import FixOrder, fix_orders_bytes
from exports.writers.json_writer import json_bytes
from marketdata.selectors import last_closes, securities
from portfolios.models import Portfolio, Position
from portfolios.occ import OCCContract, OCCError, format_occ, parse_occ
from portfolios.validation import STOCK_SYMBOL
from sigmasight.api.exceptions import ApplicationError

__all__ = [
    "ACTIONS",
    "ORDER_TYPES",
    "TRADE_COLUMNS",
    "TRADE_FORMATS",
    "TradeOrder",
    "trades_export",
    "trades_export_file",
    "trades_validate",
]

ACTIONS: tuple[str, ...] = ("buy", "sell", "sell_short", "buy_to_cover")
ORDER_TYPES: tuple[str, ...] = ("market", "limit")
TRADE_FORMATS: tuple[str, ...] = ("csv", "json", "fix")
#: Who the orders are addressed to when no broker is given (FIX TargetCompID).
DEFAULT_BROKER = "BROKER"
BROKER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$")
#: Columns of the CSV rows (and keys of the JSON rows), in order.
TRADE_COLUMNS: tuple[str, ...] = (
    "client_order_id",
    "symbol",
    "action",
    "quantity",
    "order_type",
    "limit_price",
    "security_type",
    "underlying_symbol",
    "option_type",
    "strike_price",
    "expiration_date",
)


@dataclass(frozen=True)
class TradeOrder:
    """A validated trade: ``symbol`` upper-cased (options in the padded 21-character OCC form),
    ``quantity`` > 0 (shares, or contracts for options), ``limit_price`` per share for limits."""

    symbol: str
    action: str
    quantity: Decimal
    order_type: str
    limit_price: Decimal | None
    option: OCCContract | None

    @property
    def underlying(self) -> str:
        return self.option.underlying if self.option else self.symbol

    def row(self, client_order_id: str) -> dict[str, Any]:
        o = self.option
        return {
            "client_order_id": client_order_id,
            "symbol": self.symbol,
            "action": self.action,
            "quantity": self.quantity,
            "order_type": self.order_type,
            "limit_price": self.limit_price,
            "security_type": "option" if o else "equity",
            "underlying_symbol": o.underlying if o else None,
            "option_type": o.option_type if o else None,
            "strike_price": _plain(o.strike) if o else None,
            "expiration_date": o.expiration if o else None,
        }


def trades_export(
    *,
    trades: Sequence[Mapping[str, Any]],
    format: str,  # noqa: A002 - the API's parameter name
    portfolio: Portfolio | None = None,
    broker: str | None = None,
) -> tuple[bytes, str, str]:
    """Validates ``trades`` (dicts with ``symbol, action, quantity, order_type?, limit_price?``) and
    writes them as ``format`` (csv, json or fix). Returns ``(content, filename, content_type)``;
    raises the 400 VALIDATION_ERROR (nothing written) when a trade or the broker is invalid."""
    if format not in TRADE_FORMATS:
        raise ApplicationError(
            f"format: must be one of {', '.join(TRADE_FORMATS)}.",
            {"format": [f"Must be one of {', '.join(TRADE_FORMATS)}."]},
        )
    target = _broker(broker)
    orders = trades_validate(trades=trades, portfolio=portfolio)
    now = timezone.now()
    ids = [uuid.uuid4().hex for _ in orders]
    if format == "fix":
        content = fix_orders_bytes(
            [
                FixOrder(i, o.symbol, o.action, o.quantity, o.order_type, o.limit_price, o.option)
                for i, o in zip(ids, orders, strict=True)
            ],
            sender="SIGMASIGHT",
            target=target,
            transact_time=now,
        )
    elif format == "csv":
        content = csv_bytes(columns=TRADE_COLUMNS, rows=[o.row(i) for i, o in zip(ids, orders, strict=True)])
    else:
        content = json_bytes(
            {
                "portfolio_id": str(portfolio.id) if portfolio is not None else None,
                "broker": target,
                "generated_at": now,
                "trades": [o.row(i) for i, o in zip(ids, orders, strict=True)],
            }
        )
    filename = export_filename(
        kind="trades", name=portfolio.name if portfolio is not None else None, stamp=now, extension=format
    )
    return content, filename, CONTENT_TYPES[format]


def trades_export_file(
    *,
    user: Any,
    trades: Sequence[Mapping[str, Any]],
    file_format: str,
    portfolio: Portfolio | None = None,
    broker: str | None = None,
) -> ExportFile:
    """:func:`trades_export` for ``user`` (``portfolio`` already owner-checked), recorded in the
    history (kind ``trades``) once the file is written."""
    content, filename, content_type = trades_export(
        trades=trades, format=file_format, portfolio=portfolio, broker=broker
    )
    file = ExportFile(content=content, filename=filename, content_type=content_type)
    export_record_create(
        owner=user, kind=ExportKind.TRADES, file_format=file_format, file=file, portfolio=portfolio
    )
    return file


# Validation ---------------------------------------------------------------------------------------


def trades_validate(
    *, trades: Sequence[Mapping[str, Any]], portfolio: Portfolio | None = None
) -> list[TradeOrder]:
    """Every trade checked (all errors collected); raises the 400 envelope listing them."""
    errors: dict[str, list[str]] = defaultdict(list)
    if not trades:
        errors["trades"].append("At least one trade is required.")
    parsed: list[TradeOrder | None] = [
        _trade(errors, f"trades[{index}]", trade) for index, trade in enumerate(trades)
    ]
    valid = [(index, order) for index, order in enumerate(parsed) if order is not None]
    _check_known(errors, valid)
    if portfolio is not None:
        _check_holdings(errors, valid, portfolio)
    if errors:
        first_field, first_messages = next(iter(errors.items()))
        raise ApplicationError(f"{first_field}: {first_messages[0]}", dict(errors))
    return [order for order in parsed if order is not None]


def _trade(errors: dict[str, list[str]], at: str, trade: Mapping[str, Any]) -> TradeOrder | None:
    """One trade's own rules; None (with errors recorded under ``at``) when it breaks one."""
    count = sum(len(v) for v in errors.values())
    symbol, option = _symbol(errors, at, trade.get("symbol"))
    action = trade.get("action")
    if action not in ACTIONS:
        errors[f"{at}.action"].append(f"Must be one of {', '.join(ACTIONS)}.")
    quantity = _decimal(trade.get("quantity"))
    if quantity is None or quantity <= 0:
        errors[f"{at}.quantity"].append("Must be a number greater than 0.")
    elif option is not None and quantity != quantity.to_integral_value():
        errors[f"{at}.quantity"].append("Option quantities are whole contracts.")
    order_type = trade.get("order_type") or "market"
    limit = trade.get("limit_price")
    limit_price = _decimal(limit)
    if order_type not in ORDER_TYPES:
        errors[f"{at}.order_type"].append(f"Must be one of {', '.join(ORDER_TYPES)}.")
    elif order_type == "limit" and (limit_price is None or limit_price <= 0):
        errors[f"{at}.limit_price"].append("A limit order needs a limit_price greater than 0.")
    elif order_type == "market" and limit is not None:
        errors[f"{at}.limit_price"].append("A market order takes no limit_price.")
    if sum(len(v) for v in errors.values()) > count or symbol is None or quantity is None:
        return None
    return TradeOrder(
        symbol=symbol,
        action=str(action),
        quantity=quantity,
        order_type=order_type,
        limit_price=limit_price if order_type == "limit" else None,
        option=option,
    )


def _symbol(errors: dict[str, list[str]], at: str, raw: Any) -> tuple[str | None, OCCContract | None]:
    """A ticker (upper-cased) or an OCC option symbol (the padded form and its contract)."""
    text = raw.strip().upper() if isinstance(raw, str) else ""
    if not text:
        errors[f"{at}.symbol"].append("A symbol is required.")
        return None, None
    if STOCK_SYMBOL.match(text):
        return text, None
    try:
        contract = parse_occ(text)
    except OCCError as exc:
        errors[f"{at}.symbol"].append(f"Not a ticker, and not a valid OCC option symbol: {exc}")
        return None, None
    return format_occ(contract, padded=True), contract


def _decimal(value: Any) -> Decimal | None:
    """A finite Decimal without trailing zeros (``100.000000`` -> ``100``, never ``1E+2``)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite():
        return None
    return _plain(number)


def _plain(number: Decimal) -> Decimal:
    """``number`` without trailing zeros (``100.000`` -> ``100``, never ``1E+2``)."""
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()


def _check_known(errors: dict[str, list[str]], orders: Sequence[tuple[int, TradeOrder]]) -> None:
    """Each ticker (an option's underlying) is in the security master or has stored prices
    (two queries whatever the number of trades)."""
    wanted = sorted({order.underlying for _, order in orders})
    known = set(securities(symbols=wanted))
    known |= set(last_closes(symbols=[s for s in wanted if s not in known], as_of=timezone.now().date()))
    for index, order in orders:
        if order.underlying not in known:
            what = f"the underlying {order.underlying!r}" if order.option else f"{order.symbol!r}"
            errors[f"trades[{index}].symbol"].append(
                f"Unknown symbol: {what} is neither in the security master nor priced."
            )


def _check_holdings(
    errors: dict[str, list[str]], orders: Sequence[tuple[int, TradeOrder]], portfolio: Portfolio
) -> None:
    """``sell`` within the long and ``buy_to_cover`` within the short quantity held (open lots)."""
    long: dict[str, Decimal] = defaultdict(Decimal)
    short: dict[str, Decimal] = defaultdict(Decimal)
    for symbol, quantity in Position.objects.filter(portfolio=portfolio, exit_date__isnull=True).values_list(
        "symbol", "quantity"
    ):
        if quantity > 0:
            long[symbol] += quantity
        else:
            short[symbol] -= quantity
    wanted: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for index, order in orders:
        if order.action not in ("sell", "buy_to_cover"):
            continue
        key = (order.action, order.symbol)
        wanted[key] += order.quantity
        held = (long if order.action == "sell" else short)[order.symbol]
        if wanted[key] > held:
            side = "long" if order.action == "sell" else "short"
            errors[f"trades[{index}].quantity"].append(
                f"{order.action} of {wanted[key].normalize():f} {order.symbol.strip()} in all exceeds the "
                f"{held.normalize():f} held {side} in the portfolio."
            )


def _broker(broker: str | None) -> str:
    if broker is None or broker == "":
        return DEFAULT_BROKER
    if not BROKER_ID.match(broker):
        message = "Must be 1 to 32 letters, digits, '_', '.' or '-' (it becomes the FIX TargetCompID)."
        raise ApplicationError(f"broker: {message}", {"broker": [message]})
    return broker
