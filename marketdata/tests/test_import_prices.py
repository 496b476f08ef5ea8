"""manage.py import_prices FILE: all-or-nothing CSV price import."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from marketdata.models import PriceBar, Security

pytestmark = pytest.mark.django_db

HEADER = "symbol,date,open,high,low,close,adjusted_close,volume"
GOOD_ROWS = (
    "AAPL,2024-01-02,187.15,188.44,183.885,185.64,184.61,82488674",
    "AAPL,2024-01-03,184.22,185.88,183.43,184.25,183.23,58414460",
    "msft,2024-01-03,369.01,373.26,368.51,370.6,368.9,23083500",
)


def write_csv(tmp_path: Path, *lines: str, encoding: str = "utf-8", name: str = "prices.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def run_import(path: Path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_prices", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failing_import(path: Path) -> tuple[str, str]:
    """Runs an import that must fail; returns (CommandError message, stderr)."""
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_prices", str(path), stdout=io.StringIO(), stderr=err)
    return str(exc.value), err.getvalue()


def all_bars() -> list[tuple]:
    return list(
        PriceBar.objects.order_by("symbol", "date").values_list(
            "symbol", "date", "open", "high", "low", "close", "adjusted_close", "volume", "source"
        )
    )


@pytest.fixture
def existing_bar() -> PriceBar:
    """A bar already stored, to show a failed import leaves the table as it was."""
    return PriceBar.objects.create(
        symbol="SPY",
        date=dt.date(2024, 1, 2),
        open=470,
        high=475,
        low=468,
        close=472,
        adjusted_close=472,
        volume=1000,
        source="synthetic",
    )


class TestGoodFile:
    def test_imports_every_row_and_reports_counts(self, tmp_path: Path) -> None:
        out, err = run_import(write_csv(tmp_path, HEADER, *GOOD_ROWS))
        assert err == ""
        assert "Imported 3 bars for 2 symbol(s) from prices.csv (2024-01-02 to 2024-01-03)" in out
        assert all_bars() == [
            ("AAPL", dt.date(2024, 1, 2), 187.15, 188.44, 183.885, 185.64, 184.61, 82488674, "csv"),
            ("AAPL", dt.date(2024, 1, 3), 184.22, 185.88, 183.43, 184.25, 183.23, 58414460, "csv"),
            ("MSFT", dt.date(2024, 1, 3), 369.01, 373.26, 368.51, 370.6, 368.9, 23083500, "csv"),
        ]
        assert not Security.objects.exists()  # a price file has no security master data

    def test_rerunning_the_same_file_changes_nothing(self, tmp_path: Path) -> None:
        path = write_csv(tmp_path, HEADER, *GOOD_ROWS)
        run_import(path)
        before = all_bars()
        out, _ = run_import(path)
        assert "Imported 3 bars" in out
        assert all_bars() == before
        assert PriceBar.objects.count() == 3

    def test_a_corrected_file_updates_bars_in_place(self, tmp_path: Path, existing_bar: PriceBar) -> None:
        run_import(write_csv(tmp_path, "symbol,date,close", "SPY,2024-01-02,473.5", "SPY,2024-01-03,470"))
        assert PriceBar.objects.count() == 2
        existing_bar.refresh_from_db()
        # close only: open/high/low/adjusted default to close, volume unknown -> 0
        assert (existing_bar.open, existing_bar.high, existing_bar.low, existing_bar.close) == (473.5,) * 4
        assert (existing_bar.volume, existing_bar.source) == (0, "csv")

    def test_utf8_with_bom_is_accepted(self, tmp_path: Path) -> None:
        run_import(write_csv(tmp_path, HEADER, *GOOD_ROWS, encoding="utf-8-sig"))
        assert PriceBar.objects.count() == 3


class TestBadFile:
    def test_every_bad_row_is_reported_and_nothing_is_written(
        self, tmp_path: Path, existing_bar: PriceBar
    ) -> None:
        before = all_bars()
        path = write_csv(
            tmp_path,
            HEADER,
            GOOD_ROWS[0],  # row 2: fine, but not imported either
            "AAPL,2024-13-45,1,1,1,1,1,1",  # row 3: bad date
            "AAPL,2024-01-05,-1,2,1,1.5,1.5,100",  # row 4: negative price
            "AAPL,2024-01-08,10,9,11,10,10,100",  # row 5: high < low
            "MSFT,01/09/2024,370,-375,369,371,371,-5",  # row 6: three problems in one row
        )
        message, err = failing_import(path)

        assert "nothing was imported" in message
        assert "4 row(s)" in message
        lines = err.strip().splitlines()
        assert lines[0] == "row 3, date: expected a date as YYYY-MM-DD, got '2024-13-45'"
        assert lines[1].startswith("row 4, open: open must be positive")
        assert lines[2] == "row 5, high: high 9 is below low 11"
        row6 = [line for line in lines if line.startswith("row 6,")]
        assert {line.split(":")[0] for line in row6} == {"row 6, date", "row 6, high", "row 6, volume"}
        assert all(line.startswith(("row 3,", "row 4,", "row 5,", "row 6,")) for line in lines)
        assert all_bars() == before

    def test_unknown_columns_are_reported_and_nothing_is_written(
        self, tmp_path: Path, existing_bar: PriceBar
    ) -> None:
        message, err = failing_import(
            write_csv(tmp_path, "symbol,date,close,currency", "AAPL,2024-01-02,185,USD")
        )
        assert "row 1, header: unknown columns: currency" in err
        assert "nothing was imported" in message
        assert PriceBar.objects.count() == 1

    def test_latin1_bytes_are_reported_and_nothing_is_written(
        self, tmp_path: Path, existing_bar: PriceBar
    ) -> None:
        path = write_csv(
            tmp_path, "symbol,date,close", "NESN.SW,2024-01-02,100", "CAFÉ,2024-01-02,5", encoding="latin-1"
        )
        message, err = failing_import(path)
        assert err.startswith("file, file: file is not UTF-8 (looks like Latin-1")
        assert "nothing was imported" in message
        assert PriceBar.objects.count() == 1

    def test_missing_file(self, tmp_path: Path) -> None:
        message, _ = failing_import(tmp_path / "nope.csv")
        assert message.startswith("Cannot read")

    def test_header_only(self, tmp_path: Path) -> None:
        message, _ = failing_import(write_csv(tmp_path, HEADER))
        assert "no price rows" in message
        assert PriceBar.objects.count() == 0
