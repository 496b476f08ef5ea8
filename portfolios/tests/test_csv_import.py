"""The CSV parser (portfolios.csv_import): file checks, row rules, the corpus of bad files, and the
CSV-level OCC round trip. No database: ticker lookups are fed in by hand."""

from __future__ import annotations

import codecs
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolios.csv_import.columns import COLUMNS
from portfolios.csv_import.reading import read_csv
from portfolios.csv_import.results import CsvFileError, ParsedRow
from portfolios.csv_import.rows import add_unknown_symbol_errors, is_formula, parse_csv
from portfolios.occ import OCCContract, format_occ
from sigmasight.api.csv_safety import csv_safe, csv_safe_row

CORPUS = Path(__file__).parent / "csv_corpus"
TODAY = dt.date(2026, 11, 24)
HEADER = "ticker,quantity,entry_price,entry_date"


def parse(text: str | bytes, **kwargs):  # type: ignore[no-untyped-def]
    data = text.encode() if isinstance(text, str) else text
    return parse_csv(data, today=kwargs.pop("today", TODAY), **kwargs)


def issues(result) -> set[tuple[int | None, str | None]]:  # type: ignore[no-untyped-def]
    return {(e.row, e.field) for e in result.errors}


class TestTheReadmeExample:
    def test_every_row_is_valid_with_types_tags_and_cash(self):
        result = parse((CORPUS / "readme_example.csv").read_bytes())

        assert result.ok, result.errors
        assert (result.rows_total, result.rows_valid, result.rows_invalid) == (7, 7, 0)
        assert result.cash_balance == Decimal("25000") and result.cash_row == 8
        by_symbol = {r.symbol: r for r in result.rows}
        assert {s: r.fields["position_type"] for s, r in by_symbol.items()} == {
            "AAPL": "LONG",
            "MSFT": "LONG",
            "JNJ": "LONG",
            "TSLA": "SHORT",
            "AAPL  270115C00230000": "LC",
            "AAPL  270115C00250000": "SC",
        }
        assert by_symbol["AAPL"].tags == ["Core Holdings", "Tech Growth"]
        assert by_symbol["AAPL  270115C00250000"].strategies == ["AAPL bull call spread"]
        leg = by_symbol["AAPL  270115C00230000"].fields
        assert (leg["underlying_symbol"], leg["strike_price"], leg["expiration_date"], leg["multiplier"]) == (
            "AAPL",
            Decimal("230.000"),
            dt.date(2027, 1, 15),
            100,
        )
        assert "CASH" not in by_symbol


class TestFileLevelErrors:
    @pytest.mark.parametrize(
        ("name", "code", "fragment"),
        [
            ("empty.csv", "empty", "empty"),
            ("header_only.csv", "no_rows", "no data rows"),
            ("missing_column.csv", "header", "Missing required column(s): entry_date"),
            ("binary_garbage.bin", "binary", "binary"),
            ("workbook.xlsx", "binary", "Excel workbook"),
        ],
    )
    def test_corpus_files_are_refused_with_a_clear_message(self, name, code, fragment):
        with pytest.raises(CsvFileError) as info:
            parse((CORPUS / name).read_bytes())

        assert info.value.code == code
        assert fragment in info.value.message
        assert not info.value.too_large

    def test_blank_lines_only_is_empty(self):
        with pytest.raises(CsvFileError, match="empty"):
            parse(b"\r\n  \n,,,\n")

    def test_a_file_over_the_byte_limit_is_too_large_with_the_limit(self):
        data = (HEADER + "\n" + "AAPL,1,1,2025-01-02\n" * 100).encode()

        with pytest.raises(CsvFileError) as info:
            parse(data, max_bytes=1024)

        assert info.value.code == "too_large" and info.value.too_large and info.value.limit == 1024
        assert "1,024 bytes" in info.value.message

    def test_ten_megabytes_and_one_byte_is_refused(self):
        data = b"x" * (10 * 1024 * 1024 + 1)

        with pytest.raises(CsvFileError) as info:
            parse(data)

        assert info.value.code == "too_large" and "10 MB" in info.value.message

    def test_more_rows_than_the_limit_is_too_many_rows(self):
        data = (HEADER + "\n" + "AAPL,1,1,2025-01-02\n" * 6).encode()

        with pytest.raises(CsvFileError) as info:
            parse(data, max_rows=5)

        assert info.value.code == "too_many_rows" and info.value.too_large
        assert "5 data rows" in info.value.message

    def test_exactly_the_row_limit_is_accepted(self):
        rows = "".join(f"AAPL,1,1,2025-01-{d:02d}\n" for d in range(1, 6))

        assert parse(HEADER + "\n" + rows, max_rows=5).rows_total == 5

    def test_a_cell_too_large_for_csv_is_malformed(self):
        with pytest.raises(CsvFileError) as info:
            parse(f'{HEADER}\nAAPL,1,1,"{"x" * 200_000}"\n')

        assert info.value.code == "malformed" and "line" in info.value.message

    def test_a_column_given_twice_is_an_error(self):
        with pytest.raises(CsvFileError, match="appears twice"):
            parse("ticker,quantity,entry_price,entry_date,Ticker\nAAPL,1,1,2025-01-02,MSFT\n")

    def test_a_file_without_header_names_the_missing_columns(self):
        with pytest.raises(CsvFileError) as info:
            parse("AAPL,100,150,2025-01-02\n")

        assert info.value.code == "header" and "header" in info.value.message

    def test_a_utf8_bom_that_is_not_utf8_is_an_encoding_error(self):
        with pytest.raises(CsvFileError) as info:
            parse(codecs.BOM_UTF8 + b"ticker\xff\xfe,quantity\n")

        assert info.value.code == "encoding"


class TestRowErrorsOfTheCorpus:
    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("bad_dates.csv", {(2, "entry_date"), (3, "entry_date"), (4, "entry_date")}),
            ("zero_quantity.csv", {(2, "quantity")}),
            ("negative_price.csv", {(2, "entry_price")}),
            ("malformed_occ.csv", {(2, "ticker"), (3, "ticker"), (4, "ticker")}),
            ("formula_cells.csv", {(2, "tags"), (3, "strategy"), (4, "ticker"), (5, "tags")}),
            ("duplicate_rows.csv", {(3, "ticker")}),
            ("two_cash_rows.csv", {(3, "ticker")}),
        ],
    )
    def test_each_bad_row_is_reported_with_row_and_column(self, name, expected):
        result = parse((CORPUS / name).read_bytes())

        assert issues(result) == expected, result.errors
        assert all(e.message for e in result.errors)
        assert result.rows_invalid == len({row for row, _ in expected})

    def test_bad_date_messages(self):
        result = parse((CORPUS / "bad_dates.csv").read_bytes())
        messages = {e.row: e.message for e in result.errors}

        assert "use YYYY-MM-DD" in messages[2]
        assert "not a valid calendar date" in messages[3]
        assert "future" in messages[4]

    def test_malformed_occ_messages_name_the_part(self):
        result = parse((CORPUS / "malformed_occ.csv").read_bytes())
        messages = {e.row: e.message for e in result.errors}

        assert "YYMMDD" in messages[2]  # month 13
        assert "strike" in messages[3]  # zero strike
        assert "OCC" in messages[4]  # X is neither C nor P

    def test_formula_messages_quote_the_cell(self):
        result = parse((CORPUS / "formula_cells.csv").read_bytes())

        assert any("=HYPERLINK" in e.message and "formula" in e.message for e in result.errors)
        assert [r.symbol for r in result.rows] == []

    def test_an_unknown_ticker_becomes_a_row_error_once_looked_up(self):
        result = parse((CORPUS / "unknown_ticker.csv").read_bytes())
        assert result.ok and result.lookup_symbols() == {"AAPL": [2], "ZZZZQ": [3]}

        add_unknown_symbol_errors(result, {"ZZZZQ": "unknown symbol"})

        assert issues(result) == {(3, "ticker")}
        assert "Unknown ticker 'ZZZZQ'" in result.errors[0].message
        assert [r.symbol for r in result.rows] == ["AAPL"]
        assert (result.rows_valid, result.rows_invalid) == (1, 1)

    def test_an_option_is_looked_up_by_its_underlying(self):
        result = parse(f"{HEADER}\nZZZZQ270115C00050000,1,2,2025-03-03\n")

        assert result.lookup_symbols() == {"ZZZZQ": [2]}
        add_unknown_symbol_errors(result, {"ZZZZQ": "unknown symbol"})
        assert "underlying 'ZZZZQ'" in result.errors[0].message


class TestColumnsAndEncodings:
    def test_column_names_are_case_insensitive_and_extra_columns_warn(self):
        result = parse(" TICKER ,Quantity,Entry Price,ENTRY-DATE,Notes\nAAPL,100,150,2025-01-02,hello\n")

        assert result.ok and result.rows[0].symbol == "AAPL"
        assert [(w.row, w.field) for w in result.warnings] == [(1, "Notes")]
        assert "ignored" in result.warnings[0].message

    def test_utf8_bom_and_semicolons(self):
        result = parse((CORPUS / "utf8_bom_semicolons.csv").read_bytes())

        assert result.ok and result.encoding == "utf-8-sig"
        assert result.rows[0].fields["quantity"] == Decimal("100")

    def test_latin1_is_read_with_a_warning(self):
        result = parse((CORPUS / "latin1_tags.csv").read_bytes())

        assert result.ok and result.rows[0].tags == ["Café Holdings"]
        assert result.encoding == "windows-1252"
        assert any("not UTF-8" in w.message for w in result.warnings)

    def test_utf16_with_a_bom(self):
        text = f"{HEADER}\nAAPL,100,150,2025-01-02\n"

        result = parse(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))

        assert result.ok and result.encoding == "utf-16"

    def test_blank_rows_are_skipped_but_numbered(self):
        result = parse(f"{HEADER}\n\nAAPL,0,150,2025-01-02\n,,,\nMSFT,1,1,2025-01-02\n")

        assert result.rows_total == 2
        assert issues(result) == {(3, "quantity")}
        assert result.rows[0].row == 5

    def test_extra_cells_beyond_the_header_warn(self):
        result = parse(f"{HEADER}\nAAPL,1,150,2025-01-02,surprise\n")

        assert result.ok and result.warnings[0].row == 2


class TestRowRules:
    def test_negative_quantity_is_a_short_not_a_formula(self):
        result = parse(f"{HEADER}\nTSLA,-100,250,2025-01-02\n")

        assert result.ok and result.rows[0].fields["position_type"] == "SHORT"

    @pytest.mark.parametrize(
        ("ticker", "quantity", "expected"),
        [
            ("AAPL  270115C00230000", "2", "LC"),
            ("AAPL270115C00230000", "-2", "SC"),
            ("aapl270115p00200000", "3", "LP"),
            ("AAPL  270115P00200000", "-3", "SP"),
        ],
    )
    def test_option_types_from_padded_and_unpadded_occ(self, ticker, quantity, expected):
        result = parse(f"{HEADER}\n{ticker},{quantity},5,2025-01-02\n")

        assert result.ok, result.errors
        row = result.rows[0]
        assert row.fields["position_type"] == expected and row.fields["multiplier"] == 100
        assert len(row.symbol) == 21  # stored padded

    def test_thousands_separators_and_decimals(self):
        result = parse(f'{HEADER}\nAAPL,"1,250",1234.567891,2025-01-02\nMSFT,1,1.1234567,2025-01-02\n')

        assert result.rows[0].fields["quantity"] == Decimal("1250")
        assert issues(result) == {(3, "entry_price")}
        assert "6 decimal places" in result.errors[0].message

    @pytest.mark.parametrize("cell", ["abc", "1.2.3", "NaN", "Infinity", "1e5", "$100"])
    def test_non_numbers_are_errors(self, cell):
        result = parse(f"{HEADER}\nAAPL,{cell},150,2025-01-02\n")

        assert issues(result) == {(2, "quantity")} and "not a number" in result.errors[0].message

    def test_missing_required_cell(self):
        result = parse(f"{HEADER}\nAAPL,,150,2025-01-02\n")

        assert issues(result) == {(2, "quantity")} and "required" in result.errors[0].message

    def test_exit_price_and_date_go_together(self):
        result = parse(f"{HEADER},exit_date,exit_price\nAAPL,1,150,2025-01-02,2025-02-03,\n")

        assert issues(result) == {(2, "exit_price")}

    def test_closed_lot(self):
        result = parse(f"{HEADER},exit_date,exit_price\nAAPL,1,150,2025-01-02,2025-02-03,160\n")

        assert result.ok and result.rows[0].fields["exit_price"] == Decimal("160")

    def test_tags_and_strategies_are_trimmed_and_deduplicated(self):
        result = parse(f'{HEADER},tags,strategy\nAAPL,1,150,2025-01-02," a , b,a,, ","Spread 1, Spread 2"\n')

        assert result.rows[0].tags == ["a", "b"]
        assert result.rows[0].strategies == ["Spread 1", "Spread 2"]

    def test_a_tag_too_long_is_an_error(self):
        result = parse(f"{HEADER},tags\nAAPL,1,150,2025-01-02,{'x' * 101}\n")

        assert issues(result) == {(2, "tags")}

    def test_an_expired_option_without_exit_warns(self):
        result = parse(f"{HEADER}\nAAPL250117C00200000,1,5,2024-06-03\n")

        assert result.ok and "expired" in result.warnings[0].message

    def test_the_same_ticker_on_another_date_is_not_a_duplicate(self):
        result = parse(f"{HEADER}\nAAPL,1,150,2025-01-02\nAAPL,2,150,2025-01-03\n")

        assert result.ok and len(result.rows) == 2

    def test_padded_and_unpadded_forms_of_one_contract_are_duplicates(self):
        result = parse(
            f"{HEADER}\nAAPL  270115C00230000,1,5,2025-01-02\nAAPL270115C00230000,1,5,2025-01-02\n"
        )

        assert issues(result) == {(3, "ticker")}


class TestCashRow:
    def test_sets_the_balance_and_is_not_a_position(self):
        result = parse(f"{HEADER}\nAAPL,1,150,2025-01-02\ncash,-1500.25,,\n")

        assert result.ok and result.cash_balance == Decimal("-1500.25")
        assert [r.symbol for r in result.rows] == ["AAPL"]

    @pytest.mark.parametrize(
        ("cells", "field"),
        [
            ("100,2,2025-01-02", "entry_price"),
            ("100.001,1,2025-01-02", "quantity"),
            (",1,2025-01-02", "quantity"),
        ],
    )
    def test_errors(self, cells, field):
        result = parse(f"{HEADER}\nCASH,{cells}\n")

        assert issues(result) == {(2, field)} and result.cash_balance is None

    def test_a_formula_as_the_balance_is_reported_once(self):
        result = parse(f"{HEADER}\nCASH,=1+1,1,2025-01-02\n")

        assert [(e.row, e.field) for e in result.errors] == [(2, "quantity")]
        assert "formula" in result.errors[0].message

    def test_only_the_cash_row_alone_is_a_valid_file(self):
        result = parse(f"{HEADER}\nCASH,100,1,2025-01-02\n")

        assert result.ok and result.rows == [] and result.cash_balance == Decimal("100")


class TestFormulaDetection:
    @pytest.mark.parametrize("text", ["=1+1", "@SUM(A1)", "+cmd", "-cmd", " =x", "\t=x", "-=1", "+-1"])
    def test_formulas(self, text):
        assert is_formula(text)

    @pytest.mark.parametrize("text", ["-100", "+5", "-.5", "-", "", "AAPL", "1,000", "a=b"])
    def test_not_formulas(self, text):
        assert not is_formula(text)


class TestCsvSafe:
    @pytest.mark.parametrize("text", ["=HYPERLINK(1)", "+1", "-cmd", "@x", "\tx", "\rx"])
    def test_text_starting_with_a_formula_character_is_quoted(self, text):
        assert csv_safe(text) == "'" + text

    @pytest.mark.parametrize("value", ["AAPL", "Core Holdings", "", -100, 1.5, None])
    def test_other_values_are_unchanged(self, value):
        assert csv_safe(value) == value

    def test_rows(self):
        assert csv_safe_row(["=1", -1, "ok"]) == ["'=1", -1, "ok"]


class TestStorage:
    def test_parsed_rows_round_trip_through_json(self):
        row = parse(f"{HEADER},tags\nAAPL  270115C00230000,2,12.5,2025-09-02,x\n").rows[0]

        again = ParsedRow.from_json(row.to_json())

        assert again.fields == row.fields and again.tags == ["x"] and again.row == 2
        assert again.to_json()["fields"]["strike_price"] == "230.000"

    def test_read_csv_exposes_the_used_columns(self):
        table = read_csv(b"Notes,ticker,quantity,entry_price,entry_date,tags\nx,AAPL,1,1,2025-01-02,\n")

        assert table.columns == {"ticker": 1, "quantity": 2, "entry_price": 3, "entry_date": 4, "tags": 5}
        assert set(table.columns) <= set(COLUMNS)


contracts = st.builds(
    OCCContract,
    underlying=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=6),
    expiration=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)),
    option_type=st.sampled_from(["call", "put"]),
    strike=st.integers(min_value=1, max_value=99_999_999).map(lambda n: Decimal(n).scaleb(-3)),
)


class TestOCCRoundTripThroughACsvRow:
    @settings(max_examples=150, deadline=None)
    @given(contract=contracts, padded=st.booleans(), quantity=st.integers(-500, 500).filter(bool))
    def test_a_formatted_symbol_in_a_csv_row_parses_to_the_same_contract(self, contract, padded, quantity):
        symbol = format_occ(contract, padded=padded)
        text = f"{HEADER}\n{symbol},{quantity},1.25,2000-01-01\n"

        result = parse_csv(text.encode(), today=dt.date(2100, 1, 1))

        assert result.ok, result.errors
        fields = result.rows[0].fields
        assert (fields["underlying_symbol"], fields["expiration_date"], fields["option_type"]) == (
            contract.underlying,
            contract.expiration,
            contract.option_type,
        )
        assert fields["strike_price"] == contract.strike
        assert fields["symbol"] == format_occ(contract, padded=True)
        assert (
            fields["position_type"]
            == {("call", True): "LC", ("call", False): "SC", ("put", True): "LP", ("put", False): "SP"}[
                (contract.option_type, quantity > 0)
            ]
        )
