"""The floor of the batch benchmark: the irreducible work of the nightly numbers, alone.

``floor_run`` reads what the engines read, computes the batch's numbers batched (numpy over every
portfolio of a block at once, no per-portfolio Python objects), and COPYs them out, with no
orchestration (no BatchRun / BatchStep rows, no chunk tasks, no isolation retries, no JSON
layout). Blocks of :data:`BLOCK` portfolios keep its memory flat. What it computes, per engine:

- valuation / aggregation / Greeks: the engine-7 book read (positions, stored valuations and
  option inputs, ``risk_books_load``); market values and delta exposures summed per portfolio;
  the pricer's Greeks for every option of the block in one call;
- factors: one least-squares fit of every symbol's 252 daily returns on the 7 regressors;
- correlations: the symbols' correlation matrix once, then every portfolio's exposure-weighted
  average pairwise correlation;
- stress tests, VaR, contributions (engine 7, ~75 % of the batch): every scenario on the whole
  block (``stress_book_run``), per-portfolio totals by ``bincount``; each view's option values on
  the historical and Monte Carlo scenarios with the batch's own vectorized call
  (``engines.scenario_batch``, so the same numbers), historical and Monte Carlo P&L totals as
  matrix products, VaR / ES (3 confidences x 2 horizons) and tail-mean components, parametric
  VaR and Euler contributions from the covariance;
- snapshots: 500 days of NAV of every portfolio's stock positions as one matrix product, and the
  daily returns' volatility and drawdown;
- results: one binary COPY of every portfolio's numbers (float8 arrays) into a temporary table.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd

#: Portfolios per block of the floor (bounded memory, independent of the book's size).
BLOCK = 250


def floor_run(ids: list[str], as_of: dt.date) -> dict[str, float]:
    """Seconds per part (read, compute, copy), in total (wall) and in process CPU."""
    from django.db import connection, transaction
    from django.db.models.functions import Coalesce

    from analytics.engines.correlations import log_returns as log_returns_of
    from analytics.engines.factors import factor_regressors
    from analytics.engines.option_pricer import option_greeks
    from analytics.engines.var import (
        CONFIDENCES,
        compounded_returns,
        monte_carlo_normals,
        monte_carlo_paths,
        sample_covariance,
    )
    from analytics.selectors.risk_inputs import (
        HISTORICAL_WINDOW,
        risk_books_load,
        risk_market_inputs,
        stress_scenarios_active,
        symbol_risk_get,
    )
    from analytics.services.risk_portfolio import VIEWS, chunk_scenarios, monte_carlo_seed, view_rows
    from analytics.services.stress import book_sensitivities, scenario_from_model, stress_book_run
    from marketdata.selectors import model_factor_etfs, price_frame
    from portfolios.models import Position

    parts: dict[str, float] = defaultdict(float)
    t_all, c_all = time.perf_counter(), time.process_time()

    # --- reads shared by the whole book -----------------------------------------------------
    t0 = time.perf_counter()
    risk_symbols = sorted(
        {
            str(s)
            for s in Position.objects.filter(portfolio_id__in=ids)
            .annotate(risk=Coalesce("underlying_symbol", "symbol"))
            .values_list("risk", flat=True)
            .distinct()
        }
    )
    market = risk_market_inputs(as_of=as_of, risk_symbols=risk_symbols)
    columns = list(market.returns.columns)
    symbols = symbol_risk_get(as_of=as_of, symbols=columns)
    scenarios = [scenario_from_model(s) for s in stress_scenarios_active(owner_ids=[])]
    etfs = model_factor_etfs()
    prices = price_frame(
        symbols=sorted(set(columns) | set(etfs.values())), start=as_of - dt.timedelta(days=800), end=as_of
    ).sort_index()
    parts["read"] += time.perf_counter() - t0

    # --- per-date work: factor fit, correlations, covariances --------------------------------
    t0 = time.perf_counter()
    returns = market.returns.to_numpy(dtype=np.float64)
    cols = {s: i for i, s in enumerate(columns)}
    seed = monte_carlo_seed(as_of)
    regressors = factor_regressors(prices[list(etfs.values())].pct_change(fill_method=None).iloc[1:], etfs)
    x = np.column_stack([np.ones(252), np.nan_to_num(regressors.to_numpy()[-252:])])
    betas = np.linalg.lstsq(x, np.nan_to_num(returns[-252:]), rcond=None)[0]  # every symbol at once
    logs = log_returns_of(prices.reindex(columns=columns)).iloc[-90:].to_numpy()
    with np.errstate(all="ignore"):  # a constant column has no correlation (NaN)
        corr = np.corrcoef(np.nan_to_num(logs), rowvar=False)
    cov_all, _ = sample_covariance(returns)
    history = np.nan_to_num(prices.reindex(columns=columns).to_numpy()[-HISTORICAL_WINDOW:])
    scen = {h: compounded_returns(returns, h) for h in (1, 10)}
    parts["compute"] += time.perf_counter() - t0
    normals = None
    cache: dict[bytes, np.ndarray] = {}
    out_rows: list[tuple[str, str, list[float]]] = []

    for start in range(0, len(ids), BLOCK):
        block = ids[start : start + BLOCK]
        t0 = time.perf_counter()
        loaded = risk_books_load(as_of=as_of, portfolio_ids=block)
        parts["read"] += time.perf_counter() - t0

        t0 = time.perf_counter()
        books = {p: b for p, b in loaded.books.items() if not b.empty}
        chunk = pd.concat(list(books.values()))
        pidx = pd.Index(list(books)).get_indexer(chunk["portfolio_id"])
        n_p = len(books)
        exposure = chunk["exposure"].to_numpy(dtype=np.float64)
        mv = chunk["market_value"].to_numpy(dtype=np.float64)
        nav = np.bincount(pidx, weights=np.nan_to_num(mv), minlength=n_p)
        gross = np.bincount(pidx, weights=np.abs(np.nan_to_num(exposure)), minlength=n_p)
        opt = chunk["is_option"].to_numpy(dtype=bool)
        g = chunk[opt]
        greeks = option_greeks(
            g["price"].to_numpy(float),
            g["strike"].to_numpy(float),
            g["expiry_years"].to_numpy(float),
            g["rate"].to_numpy(float),
            g["dividend_yield"].to_numpy(float),
            g["sigma"].to_numpy(float),
            g["is_call"].to_numpy(bool),
            g["is_american"].to_numpy(bool),
        )
        delta_net = np.bincount(pidx[opt], weights=np.nan_to_num(greeks.delta), minlength=n_p)
        # stress: every scenario on the block at once, totals per portfolio
        sens = book_sensitivities(chunk, symbols.sensitivities)
        outcome = stress_book_run(chunk, sens, scenarios, market.stress_cov)
        stress_totals = np.stack(
            [np.bincount(pidx, weights=np.nan_to_num(row), minlength=n_p) for row in outcome.pnl]
        )
        # option values on every view's scenarios: the batch's own vectorized call
        values, normals = chunk_scenarios(books, market=market, seed=seed, normals=normals, cache=cache)
        under = np.array([cols.get(s, -1) for s in chunk["risk_symbol"]])
        for j, (pid, book) in enumerate(books.items()):
            rows = np.flatnonzero(pidx == j)
            numbers: list[float] = [nav[j], gross[j], delta_net[j], *stress_totals[:, j]]
            for view in VIEWS:
                part, reason = view_rows(view, book, market)
                sel = rows[book.index.get_indexer(part.index)][reason.isna().to_numpy()]
                if sel.size == 0:
                    continue
                u = under[sel]
                qpm = (
                    chunk["quantity"].to_numpy(float)
                    * chunk["price"].to_numpy(float)
                    * chunk["multiplier"].to_numpy(float)
                )[sel]
                is_opt = opt[sel]
                e_sym = np.bincount(u[~is_opt], weights=qpm[~is_opt], minlength=returns.shape[1])
                e_all = np.bincount(u, weights=np.nan_to_num(exposure[sel]), minlength=returns.shape[1])
                used = np.unique(u)
                sigma = float(np.sqrt(max(e_all[used] @ cov_all[np.ix_(used, used)] @ e_all[used], 0.0)))
                numbers += [sigma * 1.6448536269514722, sigma * 2.3263478740408408]
                bs = values[pid].get(view)
                q_opt = (chunk["quantity"].to_numpy(float) * chunk["multiplier"].to_numpy(float))[sel][is_opt]
                for h in (1, 10):
                    s_h = scen[h]
                    mask = np.isfinite(s_h[:, used]).all(axis=1)
                    linear = s_h[mask][:, used] @ e_sym[used]
                    total = linear
                    if bs is not None and h in bs.historical:
                        ov = bs.historical[h]
                        total = linear + (ov.shocked - ov.base) @ q_opt
                    for c in CONFIDENCES:
                        qv = np.quantile(total, 1 - c)
                        tail = total <= qv
                        comp = -(s_h[mask][tail][:, used].mean(axis=0))
                        numbers += [-qv, -total[tail].mean(), float(comp.sum())]
                if view == "portfolio":
                    cov_p, n_obs = sample_covariance(returns[:, used])
                    z = monte_carlo_normals(seed, 10_000, used.size, normals)
                    for h in (1, 10):
                        draws = monte_carlo_paths(z, cov_p, h)
                        total = draws @ e_sym[used]
                        if bs is not None and h in bs.monte_carlo:
                            ov = bs.monte_carlo[h]
                            total = total + (ov.shocked - ov.base) @ q_opt
                        for c in CONFIDENCES:
                            qv = np.quantile(total, 1 - c)
                            tail = total <= qv
                            numbers += [-qv, -total[tail].mean(), float(draws[tail].mean(axis=0).sum())]
                # contributions: Euler CTR per symbol, factor exposures from the fitted betas
                marginal = cov_all[np.ix_(used, used)] @ e_all[used]
                numbers += list(e_all[used] * marginal / max(sigma, 1e-300))
                numbers += list(betas[1:, used] @ e_all[used])
                # correlations: exposure-weighted average pairwise correlation
                w = np.abs(e_all[used])
                c_sub = corr[np.ix_(used, used)]
                off = w @ c_sub @ w - (w * w) @ np.diag(c_sub)
                numbers.append(float(off / max(w.sum() ** 2 - (w * w).sum(), 1e-300)))
            # snapshots: NAV path of the stock positions over the window, its vol and drawdown
            stock = rows[~opt[rows] & (under[rows] >= 0)]
            qty = np.bincount(
                under[stock], weights=chunk["quantity"].to_numpy(float)[stock], minlength=returns.shape[1]
            )
            path = history @ qty
            daily = np.diff(path) / np.where(path[:-1] != 0, path[:-1], np.nan)
            numbers += [float(np.nanstd(daily)), float(np.nanmin(path / np.maximum.accumulate(path) - 1.0))]
            out_rows.append((pid, "all", [float(v) for v in numbers]))
        parts["compute"] += time.perf_counter() - t0

    # --- results out: one COPY ----------------------------------------------------------------
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_floor_results (portfolio_id text, kind text, numbers float8[]) "
            "ON COMMIT DROP"
        )
        with cursor.cursor.copy("COPY bench_floor_results FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["text", "text", "float8[]"])
            for row in out_rows:
                copy.write_row(row)
        cursor.execute("SELECT count(*), sum(cardinality(numbers)) FROM bench_floor_results")
        n_rows, n_numbers = cursor.fetchone()
    parts["copy"] += time.perf_counter() - t0
    parts["total"] = time.perf_counter() - t_all
    parts["cpu"] = time.process_time() - c_all
    parts["numbers"] = float(n_numbers or 0)
    parts["rows"] = float(n_rows or 0)
    return dict(parts)


def describe(parts: dict[str, Any]) -> str:
    return (
        f"read {parts['read']:.1f}s, compute {parts['compute']:.1f}s, COPY {parts['copy']:.1f}s "
        f"({int(parts['numbers']):,} numbers in {int(parts['rows']):,} rows)"
    )
