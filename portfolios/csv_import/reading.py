"""Reading a positions CSV: decoding (UTF-8/UTF-16 BOMs, Windows-1252 fallback), binary sniffing,
the delimiter, the header and the file-level limits. Raises :class:`CsvFileError`; no row rules."""

from __future__ import annotations

import codecs
import csv
import io
import re

from portfolios.csv_import.columns import (
    COLUMNS,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    normalize_column,
)
from portfolios.csv_import.results import CsvFileError, CsvTable, RowIssue

_DELIMITERS = (",", ";", "\t")
_BINARY_SIGNATURES: dict[bytes, str] = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or a zip archive",
    b"\xd0\xcf\x11\xe0": "an Excel 97-2003 workbook (.xls)",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "a gzip archive",
}
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SAVE_AS_CSV = "Save the sheet as 'CSV UTF-8 (comma delimited)' and upload that file."


def read_csv(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_rows: int = DEFAULT_MAX_ROWS
) -> CsvTable:
    """Decodes the bytes, finds the header and the columns, and splits the data rows.

    Raises :class:`CsvFileError` for an empty, binary, too large or headerless file, missing
    required columns, or a header without data rows.
    """
    if len(data) > max_bytes:
        raise CsvFileError(
            "too_large",
            f"The file is {len(data):,} bytes; the limit is {_size(max_bytes)} ({max_bytes:,} bytes). "
            "Split it into several files.",
            limit=max_bytes,
        )
    text, encoding, warnings = decode(data)
    delimiter = _detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    header: list[str] | None = None
    header_row = 0
    rows: list[tuple[int, list[str]]] = []
    try:
        for number, cells in enumerate(reader, start=1):
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header, header_row = cells, number
                continue
            rows.append((number, cells))
            if len(rows) > max_rows:
                raise CsvFileError(
                    "too_many_rows",
                    f"The file has more than {max_rows:,} data rows; the limit is {max_rows:,} rows. "
                    "Split it into several files.",
                    limit=max_rows,
                )
    except csv.Error as exc:
        raise CsvFileError("malformed", f"The CSV is malformed near line {reader.line_num}: {exc}.") from None
    if header is None:
        raise CsvFileError("empty", "The file is empty: it has no header row and no data.")
    columns, header_warnings = _columns(header, header_row)
    if not rows:
        raise CsvFileError(
            "no_rows", "The file has a header row but no data rows: add one row per position (and CASH)."
        )
    for number, cells in rows:
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            header_warnings.append(
                RowIssue(
                    number,
                    None,
                    f"The row has {len(cells) - len(header)} more cell(s) than the header; ignored.",
                )
            )
    return CsvTable(
        encoding=encoding,
        delimiter=delimiter,
        columns=columns,
        rows=rows,
        warnings=warnings + header_warnings,
    )


def decode(data: bytes) -> tuple[str, str, list[RowIssue]]:
    """``(text, encoding, warnings)``: UTF-8 (BOM optional), UTF-16 with a BOM, else Windows-1252 /
    Latin-1 with a warning. Raises :class:`CsvFileError` for empty or binary content."""
    if not data.strip():
        raise CsvFileError("empty", "The file is empty.")
    for signature, kind in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise CsvFileError("binary", f"This is {kind}, not a CSV text file. {_SAVE_AS_CSV}")
    warnings: list[RowIssue] = []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding = _strict_decode(data, "utf-16", "UTF-16"), "utf-16"
    elif data.startswith(codecs.BOM_UTF8):
        text, encoding = _strict_decode(data[len(codecs.BOM_UTF8) :], "utf-8", "UTF-8"), "utf-8-sig"
    else:
        if b"\x00" in data:
            raise CsvFileError(
                "binary", f"The file contains binary data (NUL bytes), not CSV text. {_SAVE_AS_CSV}"
            )
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            try:
                text, encoding = data.decode("cp1252"), "windows-1252"
            except UnicodeDecodeError:
                text, encoding = data.decode("latin-1"), "latin-1"
            warnings.append(
                RowIssue(
                    None,
                    None,
                    f"The file is not UTF-8; it was read as {'Windows-1252' if encoding == 'windows-1252' else 'Latin-1'} "
                    "(Latin-1). Check accented tag or strategy names, or save it as 'CSV UTF-8'.",
                )
            )
    _reject_binary_text(text)
    if not text.strip():
        raise CsvFileError("empty", "The file is empty.")
    return text, encoding, warnings


def _strict_decode(data: bytes, codec: str, label: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise CsvFileError(
            "encoding",
            f"The file starts with a {label} byte-order mark but is not valid {label} (byte {exc.start}).",
        ) from None


def _reject_binary_text(text: str) -> None:
    """Binary garbage decoded as Latin-1 is full of control characters; CSV text has none."""
    controls = len(_CONTROL_CHARS.findall(text))
    if "\x00" in text or controls > max(2, len(text) // 100):
        raise CsvFileError("binary", f"The file looks like binary data, not CSV text. {_SAVE_AS_CSV}")


def _detect_delimiter(text: str) -> str:
    """The delimiter that splits the header into the most known column names (``,`` on ties)."""
    first = next((line for line in io.StringIO(text) if line.strip()), "")
    best, best_score = ",", -1
    for delimiter in _DELIMITERS:
        cells = next(csv.reader([first], delimiter=delimiter), [])
        score = sum(1 for c in cells if normalize_column(c) in COLUMNS)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _columns(header: list[str], row: int) -> tuple[dict[str, int], list[RowIssue]]:
    columns: dict[str, int] = {}
    warnings: list[RowIssue] = []
    for index, raw in enumerate(header):
        name = normalize_column(raw)
        if not name:
            warnings.append(RowIssue(row, None, f"Column {index + 1} has no name; it was ignored."))
        elif name in columns:
            raise CsvFileError(
                "header",
                f"The column {name!r} appears twice in the header (columns {columns[name] + 1} and {index + 1}).",
            )
        elif name in COLUMNS:
            columns[name] = index
        else:
            warnings.append(
                RowIssue(row, raw.strip(), f"Column {raw.strip()!r} is not used and was ignored.")
            )
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        found = ", ".join(repr(c.strip()) for c in header if c.strip()) or "none"
        raise CsvFileError(
            "header",
            f"Missing required column(s): {', '.join(missing)}. The first row must be a header with "
            f"{', '.join(REQUIRED_COLUMNS)} (any order, any case; optional: {', '.join(OPTIONAL_COLUMNS)}). "
            f"Found: {found}.",
        )
    return columns, warnings


def _size(n_bytes: int) -> str:
    mb = n_bytes / (1024 * 1024)
    return f"{mb:g} MB" if n_bytes >= 1024 * 1024 else f"{n_bytes:,} bytes"
