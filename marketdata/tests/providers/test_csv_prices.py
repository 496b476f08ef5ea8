"""CSV price import: parsing, row-by-row validation, encoding, and the csv provider."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from marketdata.providers.base import BAR_COLUMNS, ProviderError
from marketdata.providers.csv_prices import CSVProvider, parse_price_csv


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def where(errors: list) -> list[tuple[int | None, str]]:
    return [(e["row"], e["field"]) for e in errors]


class TestValidFiles:
    def test_all_columns(self) -> None:
        parsed = parse_price_csv(
            csv_bytes(
                "symbol,date,open,high,low,close,adjusted_close,volume",
                "msft,2024-01-03,369.01,373.26,368.51,370.6,368.9,23083500",
                "AAPL,2024-01-03,184.22,185.88,183.43,184.25,183.23,58414460",
                "AAPL,2024-01-02,187.15,188.44,183.885,185.64,184.61,82488674",
            )
        )
        assert parsed.ok and parsed.errors == []
        bars = parsed.bars
        assert list(bars.columns) == list(BAR_COLUMNS)
        assert list(zip(bars["symbol"], bars["date"], strict=True)) == [
            ("AAPL", dt.date(2024, 1, 2)),
            ("AAPL", dt.date(2024, 1, 3)),
            ("MSFT", dt.date(2024, 1, 3)),  # upper-cased, sorted
        ]
        first = bars.iloc[0]
        assert (first["open"], first["high"], first["low"], first["close"], first["adjusted_close"]) == (
            187.15,
            188.44,
            183.885,
            185.64,
            184.61,
        )
        assert first["volume"] == 82488674 and set(bars["source"]) == {"csv"}

    def test_minimal_columns_default_to_close(self) -> None:
        parsed = parse_price_csv(csv_bytes(" Symbol , DATE ,Close", "SPY,2024-01-02,472.65"))
        assert parsed.ok
        bar = parsed.bars.iloc[0]
        assert bar["open"] == bar["high"] == bar["low"] == bar["adjusted_close"] == 472.65
        assert pd.isna(bar["volume"]) and str(parsed.bars["volume"].dtype) == "Int64"

    def test_empty_optional_cells_default_too(self) -> None:
        parsed = parse_price_csv(csv_bytes("symbol,date,close,high,low,volume", "SPY,2024-01-02,10,,,"))
        assert parsed.ok and parsed.bars.iloc[0]["high"] == 10.0

    def test_bom_and_crlf_are_accepted(self) -> None:
        data = "\ufeffsymbol,date,close\r\nAAPL,2024-01-02,185.64\r\n".encode()
        parsed = parse_price_csv(data)
        assert parsed.ok and list(parsed.bars["symbol"]) == ["AAPL"]


class TestRowErrors:
    def test_every_bad_row_is_reported_with_row_and_field(self) -> None:
        # given a file with one good row and many bad ones (header = row 1)
        parsed = parse_price_csv(
            csv_bytes(
                "symbol,date,open,high,low,close,volume",
                "AAPL,2024-01-02,187.15,188.44,183.885,185.64,82488674",  # row 2: fine
                "AAPL,01/03/2024,184.22,185.88,183.43,184.25,58414460",  # row 3: date format
                "AAPL,2024-01-04,182.15,183.09,180.88,abc,71983570",  # row 4: close not numeric
                "AAPL,2024-01-05,181.99,182.76,180.17,0,62303300",  # row 5: close not positive
                "MSFT,2024-01-02,370,368,372,370,100",  # row 6: high < low
                "MSFT,2024-01-03,380,373.26,368.51,370.6,100",  # row 7: open above high
                "MSFT,2024-01-04,369,373.26,368.51,360,100",  # row 8: close below low
                "MSFT,2024-01-05,369,373.26,368.51,370,-5",  # row 9: negative volume
                "AAPL,2024-01-02,187.15,188.44,183.885,185.64,1",  # row 10: duplicate of row 2
                ",2024-01-08,1,1,1,1,1",  # row 11: no symbol
                "NVDA,2024-02-30,1,-2,1,1,1",  # row 12: impossible date and negative high
            )
        )
        # then every one of them is listed, in order, and only the good row is kept
        assert where(parsed.errors) == [
            (3, "date"),
            (4, "close"),
            (5, "close"),
            (6, "high"),
            (7, "open"),
            (8, "close"),
            (9, "volume"),
            (10, "date"),
            (11, "symbol"),
            (12, "date"),
            (12, "high"),
        ]
        assert not parsed.ok
        assert list(parsed.bars["date"]) == [dt.date(2024, 1, 2)]
        messages = {(e["row"], e["field"]): e["message"] for e in parsed.errors}
        assert messages[(3, "date")] == "expected a date as YYYY-MM-DD, got '01/03/2024'"
        assert messages[(4, "close")] == "close is not a number: 'abc'"
        assert messages[(5, "close")] == "close must be positive, got 0"
        assert messages[(6, "high")] == "high 368 is below low 372"
        assert messages[(7, "open")] == "open 380 is outside [low 368.51, high 373.26]"
        assert messages[(9, "volume")] == "volume must not be negative, got -5"
        assert messages[(10, "date")] == "duplicate of row 2 (AAPL 2024-01-02)"

    def test_blank_lines_count_as_rows(self) -> None:
        parsed = parse_price_csv(csv_bytes("symbol,date,close", "AAPL,2024-01-02,1", "", "AAPL,2024-01-03,x"))
        assert where(parsed.errors) == [(4, "close")]
        assert len(parsed.bars) == 1

    def test_duplicates_ignore_symbol_case(self) -> None:
        parsed = parse_price_csv(csv_bytes("symbol,date,close", "aapl,2024-01-02,1", "AAPL,2024-01-02,1"))
        assert where(parsed.errors) == [(3, "date")]

    def test_too_many_values(self) -> None:
        parsed = parse_price_csv(csv_bytes("symbol,date,close", "AAPL,2024-01-02,1,2"))
        assert parsed.errors == [
            {"row": 2, "field": "", "message": "row has 4 values but the header has 3 columns"}
        ]

    @pytest.mark.parametrize(
        ("cell", "message"),
        [
            ("nan", "close is not a finite number: 'nan'"),
            ("inf", "close is not a finite number: 'inf'"),
            ("", "close is empty"),
        ],
    )
    def test_close_edge_cases(self, cell: str, message: str) -> None:
        parsed = parse_price_csv(csv_bytes("symbol,date,close", f"AAPL,2024-01-02,{cell}"))
        assert parsed.errors == [{"row": 2, "field": "close", "message": message}]

    def test_fractional_volume(self) -> None:
        parsed = parse_price_csv(csv_bytes("symbol,date,close,volume", "AAPL,2024-01-02,1,10.5"))
        assert where(parsed.errors) == [(2, "volume")]


class TestFileErrors:
    def test_latin1_is_rejected_with_the_message(self) -> None:
        data = csv_bytes("symbol,date,close", "NESN,2024-01-02,100", "# Nestlé", encoding="latin-1")
        parsed = parse_price_csv(data)
        assert len(parsed.errors) == 1
        error = parsed.errors[0]
        assert error["row"] is None and error["field"] == "file"
        assert error["message"].startswith("file is not UTF-8 (looks like Latin-1")
        assert "0xE9" in error["message"]
        assert parsed.bars.empty

    def test_utf16_is_rejected(self) -> None:
        parsed = parse_price_csv("symbol,date,close\n".encode("utf-16"))
        assert parsed.errors[0]["message"].startswith("file is not UTF-8 (looks like UTF-16")

    def test_unknown_columns_are_listed_and_rows_still_checked(self) -> None:
        parsed = parse_price_csv(
            csv_bytes("symbol,date,close,Adj Close,exchange", "AAPL,2024-01-02,1,1,XNAS", "AAPL,bad,1,1,X")
        )
        assert where(parsed.errors) == [(1, "header"), (3, "date")]
        assert parsed.errors[0]["message"].startswith(
            "unknown columns: adj close, exchange (allowed: symbol,"
        )

    def test_missing_required_columns(self) -> None:
        parsed = parse_price_csv(csv_bytes("symbol,open,high", "AAPL,1,2"))
        assert parsed.errors == [
            {"row": 1, "field": "header", "message": "missing required columns: date, close"}
        ]
        assert parsed.bars.empty

    def test_duplicate_columns(self) -> None:
        parsed = parse_price_csv(csv_bytes("symbol,date,close,close", "AAPL,2024-01-02,1,1"))
        assert parsed.errors == [{"row": 1, "field": "header", "message": "duplicate columns: close"}]

    @pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\n"])
    def test_empty_file(self, data: bytes) -> None:
        parsed = parse_price_csv(data)
        assert where(parsed.errors) == [(1, "header")]


class TestCSVProvider:
    def provider(self) -> CSVProvider:
        parsed = parse_price_csv(
            csv_bytes(
                "symbol,date,close",
                "AAPL,2024-01-02,185.64",
                "AAPL,2024-01-03,184.25",
                "AAPL,2024-01-04,181.91",
                "MSFT,2024-01-02,370.87",
            )
        )
        assert parsed.ok
        return CSVProvider(parsed.bars)

    def test_history_filters_symbols_and_dates(self) -> None:
        result = self.provider().history(["AAPL", "MSFT", "NVDA"], dt.date(2024, 1, 3), dt.date(2024, 1, 4))
        assert list(zip(result.bars["symbol"], result.bars["date"], strict=True)) == [
            ("AAPL", dt.date(2024, 1, 3)),
            ("AAPL", dt.date(2024, 1, 4)),
        ]
        assert result.missing == {
            "MSFT": "no imported bars between 2024-01-03 and 2024-01-04",
            "NVDA": "not in the imported prices",
        }
        assert set(result.bars["source"]) == {"csv"}

    def test_quotes_and_profiles_are_missing_and_series_raise(self) -> None:
        provider = self.provider()
        assert provider.quotes(["AAPL"]).missing == {"AAPL": "the CSV import has no quotes"}
        assert provider.profile(["AAPL"]).profiles == {}
        with pytest.raises(ProviderError, match="price bars only"):
            provider.series("DGS10", dt.date(2024, 1, 2), dt.date(2024, 1, 4))

    def test_needs_bar_columns(self) -> None:
        with pytest.raises(ValueError, match="lacks columns"):
            CSVProvider(pd.DataFrame({"symbol": ["AAPL"]}))

    def test_empty_provider(self) -> None:
        result = CSVProvider.empty().history(["AAPL"], dt.date(2024, 1, 2), dt.date(2024, 1, 4))
        assert result.bars.empty and list(result.bars.columns) == list(BAR_COLUMNS)
        assert result.missing == {"AAPL": "not in the imported prices"}
