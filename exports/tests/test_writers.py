"""The file writers on hand-made rows: CSV cells, XLSX typed cells, FIX framing, filenames."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook

from exports.files import export_filename
from exports.writers.csv_writer import csv_bytes
from exports.writers.fix_writer import FixOrder, fix_orders_bytes
from exports.writers.xlsx_writer import Column, Sheet, xlsx_bytes
from portfolios.occ import parse_occ


def test_csv_cells_numbers_stay_numbers_and_text_is_neutralized() -> None:
    rows = [{"a": "=1+1", "b": -3.5, "c": ["@x", "y"], "d": dt.date(2026, 1, 2)}, {"a": "\tx", "b": None}]

    text = csv_bytes(columns=["a", "b", "c", "d"], rows=rows).decode()

    assert text.splitlines() == ["a,b,c,d", "'=1+1,-3.5,'@x;y,2026-01-02", "'\tx,,,"]


def test_xlsx_columns_of_one_format_keep_their_own_values() -> None:
    columns = [
        Column("t", "text"),
        Column("m1", "m1", "money"),
        Column("m2", "m2", "money"),
        Column("q", "q", "quantity"),
        Column("p", "p", "percent", scale=0.01),
        Column("v", "v", "money", kind_key="kind"),
    ]
    rows = [
        {"t": "+SUM(A1)", "m1": 1.5, "m2": -2.25, "q": 10.0, "p": 12.5, "v": 3, "kind": "integer"},
        {"t": "ok", "m1": 7.0, "m2": None, "q": 0.5, "p": None, "v": dt.date(2026, 1, 2), "kind": "date"},
    ]

    ws = load_workbook(io.BytesIO(xlsx_bytes([Sheet("S", columns, rows)])))["S"]

    values = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert values[0] == ["'+SUM(A1)", 1.5, -2.25, 10, 0.125, 3]
    assert values[1][:5] == ["ok", 7, None, 0.5, None] and values[1][5].date() == dt.date(2026, 1, 2)
    formats = [[c.number_format for c in row] for row in ws.iter_rows(min_row=2)]
    assert formats[0][1:] == ["#,##0.00", "#,##0.00", "#,##0", "0.00%", "0"]
    assert formats[1][3] == "#,##0.######" and formats[1][5] == "yyyy-mm-dd"
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold


def test_fix_messages_are_framed_and_numbered() -> None:
    orders = [
        FixOrder("a" * 32, "SPY", "buy", Decimal("5"), "market", None, None),
        FixOrder(
            "b" * 32,
            "AAPL  250620C00200000",
            "sell_short",
            Decimal("2"),
            "limit",
            Decimal("1.5"),
            parse_occ("AAPL  250620C00200000"),
        ),
    ]

    content = fix_orders_bytes(
        orders, sender="SIGMASIGHT", target="X", transact_time=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    )

    first, second = content.split(b"\n")[:2]
    assert first.startswith(b"8=FIX.4.4\x019=") and first.endswith(b"\x01")
    assert b"\x0134=1\x01" in first and b"\x0134=2\x01" in second
    assert b"\x0160=20260102-03:04:05.000\x01" in first
    assert b"\x0154=5\x01" in second and b"\x0144=1.5\x01" in second and b"\x01167=OPT\x01" in second


def test_filenames_are_slugified_and_stamped() -> None:
    assert export_filename(
        kind="portfolio", name="../My Book!", stamp=dt.date(2026, 1, 2), extension="xlsx"
    ) == ("portfolio-my-book-2026-01-02.xlsx")
    stamp = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert (
        export_filename(kind="trades", name="", stamp=stamp, extension="fix") == "trades-20260102T030405Z.fix"
    )
