"""Before / after / change of a modeling session's figures (pure: no query, no Django).

``session_impacts`` turns the stored ``results`` of a calculation (``{"before": figures, "after":
figures, "without": {trade_id: light figures}, "trades": [{trade_id, symbol}]}``, figures of
:func:`analytics.modeling.calculate.books_figures`) into the API.md impacts shape. Money is USD
rounded to cents at output, share counts (delta, gamma) to 6 decimals, ``ctr_percent`` (percent of
the annualized risk) to 4; change = after - before computed in float64 before rounding; a figure
that is not finite on either side is ``null`` (and so is its change).

``marginal_var`` (incremental VaR of each trade): the parametric 95 % 1-day VaR of the book with
every trade minus that of the book without this trade (positive = the trade adds risk; a hedge is
negative).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sigmasight.api.numbers import number

__all__ = ["EXPOSURE_NAMES", "GREEK_NAMES", "session_impacts"]

EXPOSURE_NAMES = (
    "long",
    "short",
    "gross",
    "net",
    "delta_adjusted_net",
    "delta_adjusted_gross",
    "total_value",
)
GREEK_NAMES = ("delta", "delta_dollars", "gamma_dollars", "theta", "vega", "rho")
_SHARE_COUNTS = frozenset({"delta", "gamma"})


def _finite(value: Any) -> float | None:
    return number(value)


def _round(value: float | None, digits: int) -> float | None:
    rounded = number(value, digits)  # the API's one rounding rule (half-up), None when not finite
    return None if rounded is None else rounded + 0.0  # + 0.0: never -0.0


def _triple(before: Any, after: Any, digits: int = 2) -> dict[str, float | None]:
    b, a = _finite(before), _finite(after)
    change = a - b if a is not None and b is not None else None
    return {"before": _round(b, digits), "after": _round(a, digits), "change": _round(change, digits)}


def _var_rows(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for method, horizons in after["var"].items():
        for hk, confidences in horizons.items():
            for ck, entry in confidences.items():
                old = before["var"][method][hk][ck]
                var = _triple(old["var"], entry["var"])
                es = _triple(old["es"], entry["es"])
                rows.append(
                    {
                        "method": method,
                        "confidence": int(ck[1:]) / 100.0,
                        "horizon_days": int(hk[1:]),
                        **var,
                        "es_before": es["before"],
                        "es_after": es["after"],
                        "es_change": es["change"],
                    }
                )
    return rows


def _contributors(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "position_id": r["position_id"],
            "symbol": r["symbol"],
            "ctr_percent": _round(_finite(r["ctr_percent"]), 4),
        }
        for r in rows
    ]


def _scenarios(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for sid, entry in after["scenarios"].items():
        old = before["scenarios"].get(sid, {})
        rows.append(
            {"id": sid, "name": entry["name"], **_triple(old.get("dollar_impact"), entry["dollar_impact"])}
        )
    return rows


def _marginal(results: Mapping[str, Any]) -> dict[str, Any]:
    after = results["after"]["var"]["parametric"]["h1"]["c95"]["var"]
    by_trade = []
    for trade in results.get("trades", []):
        without = results.get("without", {}).get(trade["trade_id"])
        base = without["var"]["parametric"]["h1"]["c95"]["var"] if without else None
        a, b = _finite(after), _finite(base)
        value = a - b if a is not None and b is not None else None
        by_trade.append({"trade_id": trade["trade_id"], "symbol": trade["symbol"], "value": _round(value, 2)})
    return {"method": "parametric", "confidence": 0.95, "horizon_days": 1, "by_trade": by_trade}


def session_impacts(results: Mapping[str, Any]) -> dict[str, Any]:
    """The impacts body (without the session keys) of a calculation's stored ``results``."""
    before, after = results["before"], results["after"]
    return {
        "exposures": {n: _triple(before["exposures"][n], after["exposures"][n]) for n in EXPOSURE_NAMES},
        "greeks": {
            n: _triple(before["greeks"][n], after["greeks"][n], 6 if n in _SHARE_COUNTS else 2)
            for n in GREEK_NAMES
        },
        "factors": [
            {"name": name, **_triple(before["factors"].get(name), value)}
            for name, value in after["factors"].items()
        ],
        "var": _var_rows(before, after),
        "top_contributors": {
            "before": _contributors(before["top_contributors"]),
            "after": _contributors(after["top_contributors"]),
        },
        "scenarios": _scenarios(before, after),
        "marginal_var": _marginal(results),
        "position_count": {"before": before["position_count"], "after": after["position_count"]},
        "excluded": {"before": before["excluded"], "after": after["excluded"]},
    }
