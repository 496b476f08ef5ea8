"""CSV import of positions (pure: no ORM, settings, clock or network), by sub-domain:

- :mod:`.columns`: the columns, limits and decimals of the file format;
- :mod:`.results`: what a read produces (:class:`~.results.CsvTable`, :class:`~.results.ParsedRow`,
  :class:`~.results.ParseResult`, :class:`~.results.RowIssue`, :class:`~.results.CsvFileError`);
- :mod:`.reading`: decoding, sniffing the delimiter, the header, the file-level checks;
- :mod:`.rows`: the per-row validation report (:func:`~.rows.parse_csv`).

``today`` and the limits are arguments; whether a ticker exists is decided by the caller (security
master, provider: :mod:`portfolios.onboarding.validation`) and fed back with
:func:`~.rows.add_unknown_symbol_errors`. The position rules themselves (sign, prices, dates, OCC symbols,
position type, multiplier) are :func:`portfolios.validation.position_clean`'s, never repeated here.

The file format (documented for users in the README and in ``GET /portfolio/templates``):

- A header row is required; column names are case-insensitive (surrounding blanks ignored, inner
  blanks or hyphens read as ``_``: ``Entry Price`` = ``entry_price``). Required: ``ticker,
  quantity, entry_price, entry_date``; optional: ``tags`` (comma-separated names, quote the cell:
  ``"Core,Tech"``), ``strategy`` (strategy tag names, comma-separated too), ``exit_date``,
  ``exit_price``. Any other column is ignored with a warning. The delimiter is ``,`` (``;`` or a tab
  are detected from the header, as written by European spreadsheets).
- ``ticker``: a stock/ETF/fund symbol, or an OCC option symbol, padded (``AAPL  251219C00150000``)
  or not (``AAPL251219C00150000``). ``quantity``: signed (negative = short), contracts for options.
  ``entry_price``/``exit_price``: per share, > 0. Dates: ``YYYY-MM-DD``, not in the future.
  Numbers may use ``,`` thousands separators (``1,250.50``, quoted).
- A row whose ticker is ``CASH`` sets the portfolio's cash balance to its ``quantity`` (USD, at
  most 2 decimals; ``entry_price`` blank or 1) and is not a position. At most one.
- Encoding: UTF-8 with or without a BOM (UTF-16 with a BOM too). A file that is not valid UTF-8 is
  read as Windows-1252/Latin-1 (what Excel writes for "CSV (Comma delimited)") and a warning says
  so: tickers and numbers are ASCII either way, only accented tag names could be misread.
- Limits: ``max_bytes`` and ``max_rows`` data rows (settings ``CSV_UPLOAD_MAX_BYTES`` = 10 MB,
  ``CSV_UPLOAD_MAX_ROWS`` = 10,000); beyond them the file is refused (HTTP 413).
- Rows are numbered like a spreadsheet: the header's row is 1 when it is the first line. Blank rows
  are skipped (but counted in the numbering).
- Every problem of a row is reported as ``{row, field, message}`` (``field`` is the CSV column).
  Besides the position rules: unparsable numbers and dates, too many decimals, duplicate rows (same
  ticker and entry_date: a re-import updates by that key, so it must be unique), and text cells
  that a spreadsheet would run as a formula: starting with ``=`` or ``@``, or with ``+``/``-``
  followed by something other than a digit (``-100`` is a number, ``-cmd`` is not).

File-level problems (empty, binary, no header, missing columns, header only, too large) raise
:class:`~.results.CsvFileError`; row-level ones are collected in :class:`~.results.ParseResult`.
"""
