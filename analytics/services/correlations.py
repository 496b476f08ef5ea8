"""Engine 6: portfolio correlations (a *portfolio* engine: one call per chunk of portfolios).

Per portfolio (DESIGN.md "Correlations"): one row per underlying with its stored delta-adjusted
exposure e of ``as_of`` (USD, signed; a stock and its options add up), Pearson correlation of 90
daily log returns with a pairwise minimum overlap of 30 days; rows under $10,000 |e| or 1% of gross
are excluded and listed with the reason; weighted average correlation, effective number of bets,
and clusters (|rho| >= 0.7, at least 2 names) named by the most common regular tag of the
members' positions, else their sector -> :class:`analytics.models.CorrelationResult`
(lookback 90, min_overlap 30). The chunk's prices come from one query.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from analytics.batch.result import EngineResult
from analytics.models import CorrelationResult
from analytics.selectors.correlations import (
    CORRELATION_MIN_OVERLAP,
    CORRELATION_WINDOW,
    correlation_payload,
    portfolio_correlations_compute,
)

UPDATE_FIELDS = [
    "symbols",
    "matrix",
    "average_correlation",
    "effective_number_of_bets",
    "clusters",
    "excluded",
    "calculated_at",
]


@transaction.atomic
def correlation_results_save(*, rows: list[CorrelationResult]) -> None:
    """Upserts the batch results; a portfolio failing this time has no row in ``rows`` and keeps
    its stored ones (the last good result, served marked ``stale``)."""
    CorrelationResult.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["portfolio", "as_of_date", "lookback_days", "min_overlap"],
        update_fields=UPDATE_FIELDS,
    )


def correlations_step(*, as_of: dt.date, portfolio_ids: list[str]) -> EngineResult:
    """Engine 6 for a chunk of portfolios; failures (no valuation for the date) are per portfolio."""
    computed = portfolio_correlations_compute(
        portfolio_ids=[str(p) for p in portfolio_ids],
        as_of=as_of,
        lookback_days=CORRELATION_WINDOW,
        min_overlap=CORRELATION_MIN_OVERLAP,
    )
    rows = [
        CorrelationResult(
            portfolio_id=pid,
            as_of_date=as_of,
            lookback_days=CORRELATION_WINDOW,
            min_overlap=CORRELATION_MIN_OVERLAP,
            **correlation_payload(result),
        )
        for pid, result in computed.results.items()
    ]
    correlation_results_save(rows=rows)
    return EngineResult(
        counts={
            "portfolios": len(rows),
            "symbols": sum(len(r.symbols) for r in rows),
            "excluded": sum(len(r.excluded) for r in rows),
            "clusters": sum(len(r.clusters) for r in rows),
        },
        failures=dict(computed.failures),
    )
