"""portfolios.validation: the broker-style rules and the derived fields (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from portfolios.models import PositionType
from portfolios.validation import (
    PositionInvalid,
    derive_multiplier,
    derive_position_type,
    position_clean,
    tag_color_clean,
    tag_name_clean,
)

TODAY = dt.date(2025, 3, 14)


def stock(**overrides: Any) -> dict[str, Any]:
    return {
        "symbol": "aapl",
        "quantity": Decimal("100"),
        "entry_price": Decimal("150.25"),
        "entry_date": dt.date(2025, 1, 2),
        **overrides,
    }


def option_fields(**overrides: Any) -> dict[str, Any]:
    return stock(
        **{
            "symbol": None,
            "quantity": Decimal("2"),
            "entry_price": Decimal("5.5"),
            "underlying_symbol": "aapl",
            "option_type": "call",
            "strike_price": Decimal("150"),
            "expiration_date": dt.date(2025, 12, 19),
            **overrides,
        }
    )


def errors_of(data: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(PositionInvalid) as info:
        position_clean(data, today=TODAY)
    return info.value.errors


class TestDerivedFields:
    @pytest.mark.parametrize(
        ("quantity", "option_type", "expected"),
        [
            ("10", None, PositionType.LONG),
            ("-10", "", PositionType.SHORT),
            ("1", "call", PositionType.LC),
            ("-1", "call", PositionType.SC),
            ("1", "put", PositionType.LP),
            ("-1", "put", PositionType.SP),
        ],
    )
    def test_position_type_by_sign_and_instrument(
        self, quantity: str, option_type: str | None, expected: str
    ) -> None:
        assert derive_position_type(Decimal(quantity), option_type) == expected

    def test_zero_quantity_has_no_type(self) -> None:
        with pytest.raises(ValueError):
            derive_position_type(Decimal("0"), None)

    def test_multiplier(self) -> None:
        assert derive_multiplier(None) == 1
        assert derive_multiplier("put") == 100


class TestStockRules:
    def test_valid_stock_is_normalized(self) -> None:
        values = position_clean(stock(symbol=" brk.b "), today=TODAY)
        assert values["symbol"] == "BRK.B"
        assert values["position_type"] == PositionType.LONG
        assert values["multiplier"] == 1
        assert values["underlying_symbol"] == "" and values["option_type"] == ""
        assert values["strike_price"] is None and values["expiration_date"] is None

    def test_short_stock(self) -> None:
        assert (
            position_clean(stock(quantity=Decimal("-5")), today=TODAY)["position_type"] == PositionType.SHORT
        )

    @pytest.mark.parametrize("symbol", ["", None, "TOOLONGSYMB", "AA PL", "AA$", ".A", "ÄPFEL"])
    def test_bad_symbols(self, symbol: str | None) -> None:
        assert "symbol" in errors_of(stock(symbol=symbol))

    def test_every_failing_field_is_reported_at_once(self) -> None:
        errors = errors_of(
            stock(
                quantity=Decimal("0"),
                entry_price=Decimal("0"),
                entry_date=TODAY + dt.timedelta(days=1),
                implied_volatility=0.3,
            )
        )
        assert set(errors) == {"quantity", "entry_price", "entry_date", "implied_volatility"}
        assert "future" in errors["entry_date"][0]

    def test_entry_today_is_allowed(self) -> None:
        assert position_clean(stock(entry_date=TODAY), today=TODAY)["entry_date"] == TODAY

    def test_missing_required_values(self) -> None:
        errors = errors_of({"symbol": "AAPL"})
        assert set(errors) == {"quantity", "entry_price", "entry_date"}


class TestExitRules:
    def test_closed_position(self) -> None:
        values = position_clean(stock(exit_price=Decimal("170"), exit_date=dt.date(2025, 2, 1)), today=TODAY)
        assert values["exit_price"] == Decimal("170")

    @pytest.mark.parametrize(
        ("exit_price", "exit_date", "field"),
        [
            (Decimal("170"), None, "exit_date"),
            (None, dt.date(2025, 2, 1), "exit_price"),
            (Decimal("0"), dt.date(2025, 2, 1), "exit_price"),
            (Decimal("170"), dt.date(2024, 12, 31), "exit_date"),
            (Decimal("170"), TODAY + dt.timedelta(days=1), "exit_date"),
        ],
    )
    def test_exit_rules(self, exit_price: Decimal | None, exit_date: dt.date | None, field: str) -> None:
        assert list(errors_of(stock(exit_price=exit_price, exit_date=exit_date))) == [field]


class TestOptionRules:
    def test_from_fields_builds_the_padded_occ_symbol(self) -> None:
        values = position_clean(option_fields(), today=TODAY)
        assert values["symbol"] == "AAPL  251219C00150000"
        assert values["underlying_symbol"] == "AAPL"
        assert values["strike_price"] == Decimal("150.000")
        assert (values["position_type"], values["multiplier"]) == (PositionType.LC, 100)

    def test_from_unpadded_occ_symbol(self) -> None:
        values = position_clean(stock(symbol="aapl251219p00150000", quantity=Decimal("-1")), today=TODAY)
        assert values["symbol"] == "AAPL  251219P00150000"
        assert values["option_type"] == "put"
        assert values["expiration_date"] == dt.date(2025, 12, 19)
        assert values["position_type"] == PositionType.SP

    def test_symbol_equal_to_the_underlying_reads_as_the_underlying(self) -> None:
        assert position_clean(option_fields(symbol="AAPL"), today=TODAY)["symbol"] == "AAPL  251219C00150000"

    def test_consistent_fields_alongside_occ_are_accepted(self) -> None:
        data = option_fields(symbol="AAPL  251219C00150000", strike_price=Decimal("150.000"))
        assert position_clean(data, today=TODAY)["option_type"] == "call"

    def test_inconsistent_fields_alongside_occ(self) -> None:
        errors = errors_of(
            option_fields(symbol="AAPL  251219C00150000", option_type="put", strike_price=Decimal("155"))
        )
        assert set(errors) == {"option_type", "strike_price"}
        assert "does not match the OCC symbol" in errors["option_type"][0]

    def test_incomplete_fields(self) -> None:
        errors = errors_of(option_fields(strike_price=None, expiration_date=None))
        assert set(errors) == {"strike_price", "expiration_date"}

    def test_invalid_occ_symbol(self) -> None:
        errors = errors_of(stock(symbol="AAPL  251332C00150000"))
        assert list(errors) == ["symbol"]
        assert "YYMMDD" in errors["symbol"][0]

    def test_short_non_occ_symbol_with_option_fields(self) -> None:
        assert "symbol" in errors_of(option_fields(symbol="MSFT"))

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"strike_price": Decimal("0")}, "strike_price"),
            ({"strike_price": Decimal("-1")}, "strike_price"),
            ({"strike_price": Decimal("100000")}, "strike_price"),
            ({"underlying_symbol": "BRK.B"}, "underlying_symbol"),
            ({"expiration_date": dt.date(2024, 12, 31)}, "expiration_date"),
            ({"implied_volatility": 0.0}, "implied_volatility"),
            ({"implied_volatility": 5.01}, "implied_volatility"),
            ({"implied_volatility": float("nan")}, "implied_volatility"),
        ],
    )
    def test_option_field_rules(self, overrides: dict[str, Any], field: str) -> None:
        assert field in errors_of(option_fields(**overrides))

    def test_implied_volatility_bounds_included(self) -> None:
        assert position_clean(option_fields(implied_volatility=5.0), today=TODAY)["implied_volatility"] == 5.0


class TestTagRules:
    def test_name(self) -> None:
        assert tag_name_clean("  tech ") == "tech"
        for bad in ("", "   ", "a,b", "x" * 101):
            with pytest.raises(ValueError):
                tag_name_clean(bad)

    def test_color(self) -> None:
        assert tag_color_clean("#1f77b4") == "#1F77B4"
        assert tag_color_clean("") == ""
        for bad in ("1F77B4", "#1F77B", "#GGGGGG", "red"):
            with pytest.raises(ValueError):
                tag_color_clean(bad)
