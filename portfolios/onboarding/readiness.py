"""Whether the first batch can run for an upload's positions, check by check (reads only)."""

from __future__ import annotations

from typing import Any

from marketdata.providers.registry import market_as_of
from marketdata.selectors import FACTOR_MODEL_META
from portfolios.onboarding import prices
from portfolios.onboarding.models import OnboardingStatus, OnboardingUpload
from portfolios.onboarding.prices import PRICE_MAX_AGE_DAYS
from portfolios.onboarding.selectors import upload_require_processed, upload_rows


def upload_readiness(*, upload: OnboardingUpload) -> dict[str, Any]:
    """Whether the batch can run for these positions, check by check (reads only).

    Required checks: ``rows_valid`` (no invalid row), ``prices`` (every stock has a close within
    7 days of as_of; every option its own close or its underlying's, from which the batch prices
    it), ``history`` (every stock and option underlying has at least the factor model's minimum of
    daily bars), ``option_underlyings`` (every option's underlying has a recent close).
    ``market_data_sync`` (the enrichment had no failure) is informational: an option contract
    without bars of its own is normal.
    """
    upload_require_processed(upload)
    minimum = int(FACTOR_MODEL_META["minimum_data_points"])
    rows = upload_rows(upload)
    as_of = market_as_of()
    found = prices.symbol_prices(symbols=prices.rows_symbols(rows), as_of=as_of, quote_missing=False)

    def fresh(symbol: str) -> bool:
        return symbol in found and found[symbol].fresh(as_of)

    def bars(symbol: str) -> int:
        return found[symbol].bars if symbol in found else 0

    risk_symbols = sorted({r.lookup_symbol for r in rows})
    unpriced = sorted(
        {r.symbol for r in rows if not fresh(r.symbol) and not (r.is_option and fresh(r.lookup_symbol))}
    )
    short_history = [
        {"symbol": s, "bars": bars(s), "required": minimum} for s in risk_symbols if bars(s) < minimum
    ]
    underlyings = sorted({r.lookup_symbol for r in rows if r.is_option})
    bad_underlyings = [s for s in underlyings if not fresh(s)]
    failures = upload.enrichment.get("failures") or {}
    enrichment_status = upload.enrichment.get("status", "pending")
    stock_symbols = len({r.symbol for r in rows})
    checks = [
        _check(
            "rows_valid",
            upload.rows_invalid == 0 and upload.status != OnboardingStatus.FAILED,
            upload.failure_message or f"{upload.rows_valid} of {upload.rows_total} rows are valid.",
        ),
        _check(
            "prices",
            not unpriced,
            f"{stock_symbols - len(unpriced)} of {stock_symbols} symbols have a "
            f"price within {PRICE_MAX_AGE_DAYS} days of {as_of.isoformat()}."
            + (f" Missing: {', '.join(unpriced)}." if unpriced else ""),
        ),
        _check(
            "history",
            not short_history,
            f"{len(risk_symbols) - len(short_history)} of {len(risk_symbols)} stocks/underlyings have at least "
            f"{minimum} daily bars (factor model minimum)."
            + (f" Short: {', '.join(h['symbol'] for h in short_history)}." if short_history else ""),
        ),
        _check(
            "option_underlyings",
            not bad_underlyings,
            f"{len(underlyings) - len(bad_underlyings)} of {len(underlyings)} option underlyings have prices."
            + (f" Missing: {', '.join(bad_underlyings)}." if bad_underlyings else ""),
        ),
        _check(
            "market_data_sync",
            enrichment_status == "succeeded",
            f"Market-data sync {enrichment_status}"
            + (f"; failed for {', '.join(sorted(failures))}." if failures else "."),
            required=False,
        ),
    ]
    ready = all(c["passed"] for c in checks if c["required"])
    return {
        "upload_id": upload.pk,
        "ready": ready,
        "as_of_date": as_of,
        "min_history_bars": minimum,
        "checks": checks,
        "missing": {
            "invalid_rows": upload.rows_invalid,
            "prices": unpriced,
            "history": short_history,
            "option_underlyings": bad_underlyings,
            "sync_failures": [{"symbol": s, "reason": r} for s, r in sorted(failures.items())],
        },
        "next_step": "POST complete to import the positions."
        if ready
        else "POST retry to sync market data again, or fix the file and upload it again.",
    }


def _check(name: str, passed: bool, detail: str, *, required: bool = True) -> dict[str, Any]:
    return {"name": name, "passed": bool(passed), "required": required, "detail": detail}
