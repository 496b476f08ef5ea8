"""Exposures of a book grouped by position type, sector and tag.

Sums of the numbers the batch stored for each position (``/data/portfolio/{id}/complete``:
``market_value`` and ``delta_adjusted_exposure``), nothing recomputed. Per group: long = sum of
positive market values, short = sum of negative ones (<= 0), gross = sum |MV|, net = sum MV,
delta_adjusted = sum of delta-adjusted exposures, each also in percent of NAV (DESIGN.md
"Valuation"). A position with several tags counts in each of them (tag groups may overlap); untagged
positions go to ``(untagged)``; a sector comes from the security master (an option: its
underlying's), else ``(unknown)``. Positions without a price are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from marketdata.selectors import securities
from portfolios.models import PositionType

UNTAGGED = "(untagged)"
UNKNOWN_SECTOR = "(unknown)"
TYPE_LABELS = {choice.value: choice.label for choice in PositionType}


def _empty() -> dict[str, float]:
    return {"long": 0.0, "short": 0.0, "gross": 0.0, "net": 0.0, "delta_adjusted": 0.0, "positions": 0}


def _rows(groups: Mapping[str, dict[str, float]], nav: float | None) -> list[dict[str, Any]]:
    """Groups as rows, largest gross first, with ``*_percent`` of NAV (null when NAV is 0)."""
    rows = []
    for key, sums in groups.items():
        row: dict[str, Any] = {"key": key, **{k: round(v, 2) for k, v in sums.items() if k != "positions"}}
        row["positions"] = int(sums["positions"])
        for name in ("gross", "net", "delta_adjusted"):
            row[f"{name}_percent"] = round(sums[name] / nav * 100, 4) if nav else None
        rows.append(row)
    return sorted(rows, key=lambda r: (-r["gross"], r["key"]))


def _add(groups: dict[str, dict[str, float]], key: str, mv: float, dae: float) -> None:
    sums = groups.setdefault(key, _empty())
    sums["long" if mv > 0 else "short"] += mv
    sums["gross"] += abs(mv)
    sums["net"] += mv
    sums["delta_adjusted"] += dae
    sums["positions"] += 1


def group_exposures(
    positions: Sequence[Mapping[str, Any]], *, nav: float | None, sectors: Mapping[str, str]
) -> dict[str, list[dict[str, Any]]]:
    """``{by_type, by_sector, by_tag}`` rows from position rows of the complete-portfolio payload."""
    by_type: dict[str, dict[str, float]] = {}
    by_sector: dict[str, dict[str, float]] = {}
    by_tag: dict[str, dict[str, float]] = {}
    for p in positions:
        mv = p.get("market_value")
        if mv is None:
            continue
        dae = p.get("delta_adjusted_exposure") or 0.0
        _add(by_type, TYPE_LABELS.get(p["position_type"], p["position_type"]), mv, dae)
        symbol = p.get("underlying_symbol") or p["symbol"]
        _add(by_sector, sectors.get(symbol) or UNKNOWN_SECTOR, mv, dae)
        for tag in p.get("tags") or [UNTAGGED]:
            _add(by_tag, tag, mv, dae)
    return {"by_type": _rows(by_type, nav), "by_sector": _rows(by_sector, nav), "by_tag": _rows(by_tag, nav)}


def sectors_of(positions: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """{symbol: sector} of the positions' (underlying) symbols known to the security master."""
    symbols = {p.get("underlying_symbol") or p["symbol"] for p in positions}
    return {s: sec.sector for s, sec in securities(symbols=sorted(symbols)).items() if sec.sector}
