"""Broker-style validation and normalization of one position, and the derived fields.

One rule set shared by the API services, the admin and imports: :func:`position_clean` takes typed
values (``Decimal``, ``date``, ``str`` or ``None``; parsing text is the caller's job), checks every
rule, and returns the model field values with ``symbol``, ``position_type`` and ``multiplier`` set.
All problems are collected per field and raised together as :class:`PositionInvalid`.

Rules: quantity != 0; entry_price > 0; entry_date from 1970-01-01 and not after ``today``; exit_price and exit_date both
or neither, exit_price > 0, entry_date <= exit_date <= today. A stock symbol is 1-10 of A-Z 0-9 . -
(upper-cased). An option is given either by an OCC symbol (parsed) or by underlying_symbol +
option_type + strike_price + expiration_date (the OCC symbol is built); fields given alongside an OCC
symbol must agree with it; strike > 0 (at most 3 decimals, OCC); expiration on or after entry;
implied_volatility in (0, 5] and only for options. Options are stored under their padded OCC symbol.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from portfolios.models import OptionType, PositionType
from portfolios.occ import OCCContract, OCCError, format_occ, parse_occ

#: The earliest entry date accepted: older dates are typos (0001-01-01, 1900-01-01) that would make
#: the snapshots engine backfill a century of NAV and fail on every run for the portfolio.
EARLIEST_ENTRY_DATE = dt.date(1970, 1, 1)
STOCK_SYMBOL = re.compile(r"^[A-Z0-9][A-Z0-9.\-]{0,9}$")
OPTION_ROOT = re.compile(r"^[A-Z0-9]{1,6}$")
STOCK_MULTIPLIER = 1
OPTION_MULTIPLIER = 100
MAX_IMPLIED_VOLATILITY = 5.0
CONTRACT_FIELDS = ("underlying_symbol", "option_type", "strike_price", "expiration_date")
_OCC_MIN_LENGTH = 16  # a 1-letter root + YYMMDD + C/P + 8 digits; stock symbols are at most 10
_OCC_PART_FIELDS = {
    "underlying": "underlying_symbol",
    "expiration": "expiration_date",
    "option_type": "option_type",
    "strike": "strike_price",
}
_POSITION_TYPES = {
    (None, True): PositionType.LONG,
    (None, False): PositionType.SHORT,
    (OptionType.CALL, True): PositionType.LC,
    (OptionType.CALL, False): PositionType.SC,
    (OptionType.PUT, True): PositionType.LP,
    (OptionType.PUT, False): PositionType.SP,
}


class PositionInvalid(ValueError):
    """One or more rules failed: ``errors`` maps field names to lists of messages."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        self.errors = {field: list(messages) for field, messages in errors.items()}
        super().__init__("; ".join(f"{f}: {' '.join(m)}" for f, m in self.errors.items()))


def derive_position_type(quantity: Decimal, option_type: str | None) -> PositionType:
    """LONG/SHORT for stocks, LC/SC/LP/SP for options, by the sign of ``quantity``.

    Raises ``ValueError`` for a zero quantity or an unknown option type.
    """
    if not quantity:
        raise ValueError("A position cannot have a zero quantity.")
    kind = OptionType(option_type) if option_type else None
    return _POSITION_TYPES[(kind, quantity > 0)]


def derive_multiplier(option_type: str | None) -> int:
    """Shares per unit: 100 for a listed option contract, 1 for stocks, ETFs and funds."""
    return OPTION_MULTIPLIER if option_type else STOCK_MULTIPLIER


def is_option_input(data: Mapping[str, Any]) -> bool:
    """An input describes an option when it has an OCC-length symbol or any contract field."""
    symbol = str(data.get("symbol") or "").strip()
    return len(symbol) >= _OCC_MIN_LENGTH or any(
        data.get(field) not in (None, "") for field in CONTRACT_FIELDS
    )


def position_clean(data: Mapping[str, Any], *, today: dt.date) -> dict[str, Any]:
    """Validates one position and returns its normalized model field values (see module docstring).

    ``data`` keys: symbol, quantity, entry_price, entry_date, exit_price, exit_date,
    underlying_symbol, option_type, strike_price, expiration_date, implied_volatility (absent = None).
    Raises :class:`PositionInvalid` with every failing field.
    """
    errors: defaultdict[str, list[str]] = defaultdict(list)
    quantity, entry_price, entry_date = data.get("quantity"), data.get("entry_price"), data.get("entry_date")
    exit_price, exit_date = data.get("exit_price"), data.get("exit_date")
    iv = data.get("implied_volatility")

    _require(errors, data, ("quantity", "entry_price", "entry_date"))
    if quantity is not None and quantity == 0:
        errors["quantity"].append("Must not be zero (positive = long, negative = short).")
    if entry_price is not None and entry_price <= 0:
        errors["entry_price"].append("Must be greater than 0.")
    if entry_date is not None and entry_date > today:
        errors["entry_date"].append(f"Must not be in the future (today is {today.isoformat()}).")
    if entry_date is not None and entry_date < EARLIEST_ENTRY_DATE:
        errors["entry_date"].append(f"Must be on or after {EARLIEST_ENTRY_DATE.isoformat()}.")
    _check_exit(errors, exit_price, exit_date, entry_date, today)

    option = is_option_input(data)
    if option:
        instrument = _clean_option(errors, data)
    else:
        instrument = _clean_stock(errors, data)
    if iv is not None and not 0 < iv <= MAX_IMPLIED_VOLATILITY:
        errors["implied_volatility"].append(
            f"Must be greater than 0 and at most {MAX_IMPLIED_VOLATILITY:g} (a decimal: 0.25 = 25%)."
        )
    if iv is not None and not option:
        errors["implied_volatility"].append("Only options have an implied volatility.")
    expiration = instrument.get("expiration_date")
    if expiration is not None and entry_date is not None and expiration < entry_date:
        errors["expiration_date"].append("Must be on or after entry_date (the contract had expired).")
    if errors:
        raise PositionInvalid(errors)

    option_type = instrument["option_type"] or None
    return {
        **instrument,
        "quantity": quantity,
        "entry_price": entry_price,
        "entry_date": entry_date,
        "exit_price": exit_price,
        "exit_date": exit_date,
        "implied_volatility": iv,
        "position_type": derive_position_type(quantity, option_type),
        "multiplier": derive_multiplier(option_type),
    }


def _require(errors: defaultdict[str, list[str]], data: Mapping[str, Any], fields: tuple[str, ...]) -> None:
    for field in fields:
        if data.get(field) in (None, ""):
            errors[field].append("This field is required.")


def _check_exit(
    errors: defaultdict[str, list[str]],
    exit_price: Decimal | None,
    exit_date: dt.date | None,
    entry_date: dt.date | None,
    today: dt.date,
) -> None:
    if (exit_price is None) != (exit_date is None):
        missing = "exit_price" if exit_price is None else "exit_date"
        errors[missing].append("exit_price and exit_date go together: give both (closed) or neither (open).")
    if exit_price is not None and exit_price <= 0:
        errors["exit_price"].append("Must be greater than 0.")
    if exit_date is not None:
        if entry_date is not None and exit_date < entry_date:
            errors["exit_date"].append("Must be on or after entry_date.")
        if exit_date > today:
            errors["exit_date"].append(f"Must not be in the future (today is {today.isoformat()}).")


def _clean_stock(errors: defaultdict[str, list[str]], data: Mapping[str, Any]) -> dict[str, Any]:
    symbol = str(data.get("symbol") or "").strip().upper()
    if not symbol:
        errors["symbol"].append("This field is required.")
    elif not STOCK_SYMBOL.match(symbol):
        errors["symbol"].append(
            "Must be 1-10 characters: letters, digits, '.' or '-' (or an OCC option symbol)."
        )
    return {
        "symbol": symbol,
        "underlying_symbol": "",
        "option_type": "",
        "strike_price": None,
        "expiration_date": None,
    }


def _clean_option(errors: defaultdict[str, list[str]], data: Mapping[str, Any]) -> dict[str, Any]:
    """An option from its OCC symbol (fields, when given, must agree) or from its four fields.

    A short symbol equal to ``underlying_symbol`` is read as the underlying, not as an OCC symbol.
    """
    symbol = str(data.get("symbol") or "").strip().upper()
    given = {
        "underlying_symbol": str(data.get("underlying_symbol") or "").strip().upper() or None,
        "option_type": data.get("option_type") or None,
        "strike_price": data.get("strike_price"),
        "expiration_date": data.get("expiration_date"),
    }
    if given["underlying_symbol"] and not OPTION_ROOT.match(given["underlying_symbol"]):
        errors["underlying_symbol"].append("Must be an option root: 1-6 letters or digits.")
    if given["strike_price"] is not None and given["strike_price"] <= 0:
        errors["strike_price"].append("Must be greater than 0.")

    if symbol and symbol != given["underlying_symbol"]:
        contract = _contract_from_symbol(errors, symbol, given)
    else:
        contract = _contract_from_fields(errors, given)
    if contract is None:
        return {}
    return {"symbol": format_occ(contract, padded=True), **_contract_fields(contract)}


def _contract_from_symbol(
    errors: defaultdict[str, list[str]], symbol: str, given: Mapping[str, Any]
) -> OCCContract | None:
    try:
        contract = parse_occ(symbol)
    except OCCError as exc:
        hint = "" if len(symbol) >= _OCC_MIN_LENGTH else " For an option give an OCC symbol or omit symbol."
        errors["symbol"].append(f"{exc}{hint}")
        return None
    parsed = _contract_fields(contract)
    for field, value in given.items():
        if value is not None and value != parsed[field]:
            errors[field].append(
                f"{_display(value)} does not match the OCC symbol {symbol!r} ({_display(parsed[field])})."
            )
    return contract


def _contract_from_fields(
    errors: defaultdict[str, list[str]], given: Mapping[str, Any]
) -> OCCContract | None:
    for field, value in given.items():
        if value is None:
            errors[field].append(
                "Required for an option without an OCC symbol "
                "(give symbol, or all of underlying_symbol, option_type, strike_price, expiration_date)."
            )
    if any(field in errors for field in CONTRACT_FIELDS):
        return None
    contract = OCCContract(
        underlying=given["underlying_symbol"],
        expiration=given["expiration_date"],
        option_type=given["option_type"],
        strike=given["strike_price"],
    )
    try:
        # Round-trip through the OCC form: validates year and strike range and normalizes the strike.
        return parse_occ(format_occ(contract))
    except OCCError as exc:
        errors[_OCC_PART_FIELDS.get(exc.part or "", "symbol")].append(str(exc))
        return None


def _contract_fields(contract: OCCContract) -> dict[str, Any]:
    return {
        "underlying_symbol": contract.underlying,
        "option_type": contract.option_type,
        "strike_price": contract.strike,
        "expiration_date": contract.expiration,
    }


def _display(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


TAG_NAME_MAX_LENGTH = 100
TAG_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def tag_name_clean(name: str) -> str:
    """A tag name without surrounding blanks; 1-100 characters and no comma (``?tags=a,b`` splits on
    commas). Raises ``ValueError`` with the reason."""
    value = str(name).strip()
    if not value:
        raise ValueError("A tag name cannot be blank.")
    if len(value) > TAG_NAME_MAX_LENGTH:
        raise ValueError(f"A tag name has at most {TAG_NAME_MAX_LENGTH} characters.")
    if "," in value:
        raise ValueError("A tag name cannot contain a comma.")
    return value


def tag_color_clean(color: str) -> str:
    """``#RRGGBB`` upper-cased, or "" for no color. Raises ``ValueError`` otherwise."""
    value = str(color).strip()
    if value and not TAG_COLOR.match(value):
        raise ValueError("Must be a #RRGGBB hex color, e.g. #1F77B4.")
    return value.upper()
