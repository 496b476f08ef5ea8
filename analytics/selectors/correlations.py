"""Correlation reads: the engine's inputs for many portfolios at once, and the stored results (API).

Inputs, in a constant number of queries for a chunk of portfolios (positions, valuations, tags,
securities, ONE price frame for every symbol of the chunk):
- exposures: the stored delta-adjusted exposure of ``as_of`` (USD, signed), summed per underlying
  (a stock and its options make one row);
- labels naming the clusters: the most common *regular* tag of the symbol's positions in that
  portfolio (ties: alphabetical), else the security's sector;
- returns: daily LOG returns of adjusted closes over the window, computed per portfolio on the
  dates where one of its symbols has a bar (so a result never depends on the chunk it ran in).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.utils import timezone

from analytics.engines.conventions import CORRELATION_MIN_OVERLAP, CORRELATION_WINDOW
from analytics.engines.correlations import (
    CorrelationResult as CorrelationAnalysis,
)
from analytics.engines.correlations import (
    correlation_analysis,
    exposure_by_underlying,
    log_returns,
)
from analytics.models import CorrelationResult
from analytics.selectors.access import require
from analytics.selectors.conventions import correlation_matrix_conventions
from analytics.selectors.factors import position_exposures_frame, window_start
from analytics.selectors.staleness import result_stale
from marketdata.models import Security
from marketdata.selectors import data_source, price_frame
from portfolios.holdings import position_tags
from portfolios.models import Portfolio, TagType
from sigmasight.api.numbers import number


@dataclass(frozen=True)
class PortfolioCorrelations:
    """Per-portfolio engine results and the portfolios that could not be analysed (id -> reason)."""

    results: dict[str, CorrelationAnalysis]
    failures: dict[str, str]


def correlation_labels(*, positions: pd.DataFrame) -> dict[str, dict[str, str]]:
    """{portfolio id: {risk symbol: label}}: most common regular tag, else the sector (2 queries)."""
    if positions.empty:
        return {}
    tags = position_tags(position_ids=list(positions["position_id"]))
    tags = tags[tags["tag_type"] == str(TagType.REGULAR)]
    keyed = positions[["position_id", "portfolio_id", "risk_symbol"]].dropna()
    labels: dict[str, dict[str, str]] = {}
    if not tags.empty:
        merged = tags.merge(keyed, on="position_id")
        counts = merged.groupby(["portfolio_id", "risk_symbol", "tag"]).size().rename("n").reset_index()
        counts = counts.sort_values(
            ["portfolio_id", "risk_symbol", "n", "tag"], ascending=[True, True, False, True]
        )
        for row in counts.drop_duplicates(["portfolio_id", "risk_symbol"]).itertuples(index=False):
            labels.setdefault(row.portfolio_id, {})[row.risk_symbol] = row.tag
    symbols = sorted(set(keyed["risk_symbol"]))
    sectors = {
        s: sector
        for s, sector in Security.objects.filter(symbol__in=symbols).values_list("symbol", "sector")
        if sector
    }
    for row in keyed.drop_duplicates(["portfolio_id", "risk_symbol"]).itertuples(index=False):
        own = labels.setdefault(row.portfolio_id, {})
        if row.risk_symbol not in own and row.risk_symbol in sectors:
            own[row.risk_symbol] = sectors[row.risk_symbol]
    return labels


class _ChunkReturns:
    """Daily log returns of a chunk's price frame, served per portfolio as if computed alone.

    A portfolio's returns are those of its own symbols on the dates where one of them has a bar;
    when that is every date of the chunk frame (the usual case) the chunk-wide log returns are
    reused (same rows, so the same numbers), else they are recomputed on the portfolio's dates.
    """

    def __init__(self, prices: pd.DataFrame) -> None:
        self.prices = prices
        self.position = {str(c): j for j, c in enumerate(prices.columns)}
        self.present = prices.notna().to_numpy()
        self.returns = log_returns(prices) if len(prices.columns) else pd.DataFrame()
        self.values = self.returns.to_numpy(dtype=float) if len(prices.columns) else None

    def for_symbols(self, symbols: list[str]) -> pd.DataFrame:
        known = [s for s in symbols if s in self.position]
        if not known or self.values is None:
            return pd.DataFrame(columns=known, dtype=float)
        idx = [self.position[s] for s in known]
        dates = self.present[:, idx].any(axis=1)
        if dates.all():
            return pd.DataFrame(self.values[:, idx], index=self.returns.index, columns=known)
        return log_returns(self.prices.iloc[dates, idx])


def portfolio_correlations_compute(
    *,
    portfolio_ids: Sequence[str],
    as_of: dt.date,
    lookback_days: int = CORRELATION_WINDOW,
    min_overlap: int = CORRELATION_MIN_OVERLAP,
) -> PortfolioCorrelations:
    """Runs the correlation engine for each portfolio (no writes).

    A portfolio holding positions none of which has a valuation for ``as_of`` fails (listed in
    ``failures``); a portfolio holding nothing gets an empty result. One price query for all.
    """
    ids = [str(p) for p in portfolio_ids]
    positions = position_exposures_frame(portfolio_ids=ids, as_of=as_of)
    failures: dict[str, str] = {}
    if not positions.empty:
        valued = positions.groupby("portfolio_id")["has_valuation"].any()
        for pid, ok in valued.items():
            if not ok:
                failures[str(pid)] = (
                    f"no position valuation for {as_of.isoformat()} (run the valuation engine first)"
                )
    symbols = sorted({str(s) for s in positions["risk_symbol"].dropna()})
    prices = (
        price_frame(symbols=symbols, start=window_start(as_of, lookback_days + 1), end=as_of)
        if symbols
        else pd.DataFrame()
    )
    chunk_returns = _ChunkReturns(prices)
    labels = correlation_labels(positions=positions)
    groups = (
        {str(pid): frame for pid, frame in positions.groupby("portfolio_id")} if not positions.empty else {}
    )
    results: dict[str, CorrelationAnalysis] = {}
    for pid in ids:
        if pid in failures:
            continue
        held = groups.get(pid)
        if held is None or held.empty:
            exposure = pd.Series(dtype=float, name="exposure")
        else:
            keyed = held.dropna(subset=["risk_symbol"])
            exposure = exposure_by_underlying(keyed["exposure"].to_numpy(), keyed["risk_symbol"].to_numpy())
        results[pid] = correlation_analysis(
            chunk_returns.for_symbols(list(exposure.index)),
            exposure,
            labels=labels.get(pid, {}),
            window=lookback_days,
            min_overlap=min_overlap,
        )
    return PortfolioCorrelations(results=results, failures=failures)


def correlation_payload(result: CorrelationAnalysis) -> dict[str, Any]:
    """The stored / served shape of one analysis (None for every non-finite number).

    ``matrix`` {A: {B: rho}} over the included symbols (largest |exposure| first); clusters with
    their average pairwise rho and share of the included gross exposure (percent); ``excluded``
    with the reason (missing_exposure, below_min_exposure, below_min_gross_percent,
    no_price_history, insufficient_history), its detail and exposure (USD, signed).
    """
    symbols = list(result.symbols)
    rho = result.matrix.reindex(index=symbols, columns=symbols).to_numpy(dtype=float)
    abs_exposure = result.exposure.reindex(symbols).abs()
    return {
        "symbols": symbols,
        "matrix": {
            a: dict(zip(symbols, map(number, row), strict=True)) for a, row in zip(symbols, rho, strict=True)
        },
        "average_correlation": number(result.average_correlation),
        "effective_number_of_bets": number(result.effective_number_of_bets),
        "clusters": [
            {
                "name": c.name,
                "symbols": list(c.symbols),
                "average_correlation": number(c.average_correlation),
                "portfolio_percentage": number(c.portfolio_percentage),
                "gross_exposure": number(abs_exposure.reindex(list(c.symbols)).sum()),
                "exposure": number(c.exposure),
            }
            for c in result.clusters
        ],
        "excluded": [
            {
                "symbol": str(e["symbol"]),
                "reason": str(e["reason"]),
                "detail": str(e.get("detail", "")),
                "exposure": number(e.get("exposure")),
            }
            for e in result.excluded
        ],
    }


#: The one base of every cluster's ``portfolio_percentage`` (its ``gross_exposure`` over it).
PERCENTAGE_BASE = "sum of |delta-adjusted exposure| of the included underlyings"


def correlation_matrix_get(
    *,
    portfolio: Portfolio,
    lookback_days: int = CORRELATION_WINDOW,
    min_overlap: int = CORRELATION_MIN_OVERLAP,
    as_of_date: dt.date | None = None,
) -> dict[str, Any]:
    """The portfolio's correlation analysis: stored for the defaults (90, 30), else computed now.

    Other windows are computed from stored prices and the stored exposures of the date of the
    latest stored result (so every window answers 422 until the batch has run). Constant queries.
    """
    stored_qs = CorrelationResult.objects.filter(
        portfolio=portfolio, lookback_days=CORRELATION_WINDOW, min_overlap=CORRELATION_MIN_OVERLAP
    )
    if as_of_date is not None:
        stored_qs = stored_qs.filter(as_of_date=as_of_date)
    stored = require(
        stored_qs.order_by("-as_of_date").first(),
        what="correlation analysis",
        portfolio=portfolio,
        as_of=as_of_date,
    )
    if lookback_days == CORRELATION_WINDOW and min_overlap == CORRELATION_MIN_OVERLAP:
        symbols = list(stored.symbols)
        body: dict[str, Any] = {
            "symbols": symbols,
            # JSONB keeps no key order: serve rows and columns in ``symbols`` order
            "matrix": {a: {b: stored.matrix.get(a, {}).get(b) for b in symbols} for a in symbols},
            "average_correlation": number(stored.average_correlation),
            "effective_number_of_bets": number(stored.effective_number_of_bets),
            "clusters": list(stored.clusters),
            "excluded": list(stored.excluded),
            "calculated_at": stored.calculated_at,
            "source": "batch",
        }
    else:
        computed = portfolio_correlations_compute(
            portfolio_ids=[str(portfolio.id)],
            as_of=stored.as_of_date,
            lookback_days=lookback_days,
            min_overlap=min_overlap,
        )
        result = computed.results.get(str(portfolio.id))
        result = require(
            result, what="position valuations for this date", portfolio=portfolio, as_of=stored.as_of_date
        )
        body = {**correlation_payload(result), "calculated_at": timezone.now(), "source": "on_request"}
    all_symbols = sorted(set(body["symbols"]) | {e["symbol"] for e in body["excluded"]})
    body.update(
        {
            "percentage_base": PERCENTAGE_BASE,
            "portfolio_id": str(portfolio.id),
            "lookback_days": lookback_days,
            "min_overlap": min_overlap,
            "as_of_date": stored.as_of_date,
            "stale": result_stale(
                portfolio_id=portfolio.id,
                engines=("correlations",),
                result_as_of=stored.as_of_date,
                requested_as_of=as_of_date,
            ),
            "data_source": data_source(symbols=all_symbols or None),
        }
    )
    body["conventions"] = correlation_matrix_conventions(lookback_days=lookback_days, min_overlap=min_overlap)
    return body
