"""portfolios.occ: parsing and formatting OCC option symbols (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolios.occ import OCCContract, OCCError, format_occ, is_occ, parse_occ

AAPL_CALL = OCCContract("AAPL", dt.date(2025, 12, 19), "call", Decimal("150.000"))


class TestParseOcc:
    @pytest.mark.parametrize(
        "text",
        ["AAPL  251219C00150000", "AAPL251219C00150000", "aapl251219c00150000", "  AAPL  251219C00150000 "],
    )
    def test_padded_unpadded_and_lowercase_forms(self, text: str) -> None:
        assert parse_occ(text) == AAPL_CALL

    def test_put_with_fractional_strike(self) -> None:
        contract = parse_occ("SPY   240315P00412500")
        assert contract == OCCContract("SPY", dt.date(2024, 3, 15), "put", Decimal("412.500"))
        assert contract.strike.as_tuple().exponent == -3

    def test_six_character_root_and_digit_roots(self) -> None:
        assert parse_occ("GOOGL1260116C00001500").underlying == "GOOGL1"
        assert parse_occ("A1260116P00001000") == OCCContract(
            "A1", dt.date(2026, 1, 16), "put", Decimal("1.000")
        )

    def test_smallest_and_largest_strikes(self) -> None:
        assert parse_occ("X     300101C00000001").strike == Decimal("0.001")
        assert parse_occ("X     300101C99999999").strike == Decimal("99999.999")

    @pytest.mark.parametrize(
        ("text", "part", "fragment"),
        [
            ("AAPL  251332C00150000", "expiration", "not a valid YYMMDD date"),
            ("AAPL  250230C00150000", "expiration", "not a valid YYMMDD date"),
            ("AAPL  251219C00000000", "strike", "must be positive"),
            ("AAPL  251219X00150000", None, "C or P"),
            ("AAPL  251219C0015000", None, "C or P"),
            ("AAPL 251219C00150000", None, "padded with spaces to exactly 6"),
            ("TOOLONG251219C00150000", "underlying", "1 to 6 letters or digits"),
            ("AA-PL 251219C00150000", "underlying", "1 to 6 letters or digits"),
            ("251219C00150000", None, "too short"),
            ("AAPL", None, "too short"),
            ("", None, "too short"),
        ],
    )
    def test_invalid_symbols_raise_a_clear_error(self, text: str, part: str | None, fragment: str) -> None:
        with pytest.raises(OCCError, match=fragment) as info:
            parse_occ(text)
        assert info.value.part == part

    def test_non_string(self) -> None:
        with pytest.raises(OCCError):
            parse_occ(None)  # type: ignore[arg-type]


class TestFormatOcc:
    def test_padded_is_21_characters(self) -> None:
        assert format_occ(AAPL_CALL) == "AAPL  251219C00150000"
        assert len(format_occ(AAPL_CALL)) == 21

    def test_unpadded(self) -> None:
        assert format_occ(AAPL_CALL, padded=False) == "AAPL251219C00150000"

    def test_integer_strike_and_lowercase_root(self) -> None:
        contract = OCCContract("spy", dt.date(2024, 3, 15), "put", Decimal("412.5"))
        assert format_occ(contract) == "SPY   240315P00412500"

    @pytest.mark.parametrize(
        ("contract", "part"),
        [
            (OCCContract("AAPL", dt.date(2025, 12, 19), "call", Decimal("0")), "strike"),
            (OCCContract("AAPL", dt.date(2025, 12, 19), "call", Decimal("-5")), "strike"),
            (OCCContract("AAPL", dt.date(2025, 12, 19), "call", Decimal("100000")), "strike"),
            (OCCContract("AAPL", dt.date(2025, 12, 19), "call", Decimal("1.0005")), "strike"),
            (OCCContract("AAPL", dt.date(1999, 12, 17), "call", Decimal("10")), "expiration"),
            (OCCContract("AAPL", dt.date(2025, 12, 19), "straddle", Decimal("10")), "option_type"),  # type: ignore[arg-type]
            (OCCContract("BRK.B", dt.date(2025, 12, 19), "call", Decimal("10")), "underlying"),
            (OCCContract("", dt.date(2025, 12, 19), "call", Decimal("10")), "underlying"),
        ],
    )
    def test_unrepresentable_contracts(self, contract: OCCContract, part: str) -> None:
        with pytest.raises(OCCError) as info:
            format_occ(contract)
        assert info.value.part == part


class TestIsOcc:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("AAPL  251219C00150000", True),
            ("AAPL251219P00150000", True),
            ("AAPL", False),
            ("BRK.B", False),
            ("AAPL  251340C00150000", False),
            (None, False),
            (42, False),
        ],
    )
    def test_is_occ(self, text: object, expected: bool) -> None:
        assert is_occ(text) is expected


contracts = st.builds(
    OCCContract,
    underlying=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=6),
    expiration=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)),
    option_type=st.sampled_from(["call", "put"]),
    strike=st.integers(min_value=1, max_value=99_999_999).map(lambda n: Decimal(n).scaleb(-3)),
)


class TestRoundTrip:
    @given(contract=contracts)
    def test_padded_format_then_parse_round_trips(self, contract: OCCContract) -> None:
        text = format_occ(contract, padded=True)
        assert len(text) == 21
        assert parse_occ(text) == contract
        assert is_occ(text)

    @given(contract=contracts)
    def test_unpadded_format_then_parse_round_trips(self, contract: OCCContract) -> None:
        text = format_occ(contract, padded=False)
        assert " " not in text
        assert parse_occ(text) == contract
        assert format_occ(parse_occ(text), padded=True) == format_occ(contract, padded=True)
