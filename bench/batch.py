"""Batch benchmark: N synthetic portfolios x 30 positions on PostgreSQL, the full pipeline, and a
naive baseline (one statsmodels OLS per position with row-by-row saves) timed in the same run.

Usage:
    .venv/bin/python bench/batch.py [--portfolios 1000] [--baseline-sample 150] [--as-of 2026-11-20]
        [--celery-workers 1,2] [--broker redis://127.0.0.1:6379/14] [--no-floor]

Database: $BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/sigmasight_bench_batch),
created and migrated by the script. Market data: the synthetic provider; ~500 price symbols = the
universe's stocks/ETFs plus listed options on them (OCC symbols the provider prices).
Prints per-engine timings, positions/s, peak memory (RSS), the floor (``bench/batch_floor.py``:
the same numbers computed batched and COPYed out with no orchestration) timed in the same run with
the ratio batch / floor, the Celery runs over each worker count with their ratio, and the
speed-up over the baseline.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sigmasight_bench_batch"
#: Process CPU seconds of each in-process run (the wall time on a shared machine includes waiting).
CPU: dict[int, float] = {}


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sigmasight.settings.local")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_book(n_portfolios: int, as_of: dt.date, seed: int = 7) -> list[str]:
    """Creates the bench user's portfolios (25 stocks/ETFs + 5 options each); returns their ids."""
    from accounts.models import User
    from marketdata.providers.calendar import add_months, third_friday
    from marketdata.providers.registry import get_provider
    from portfolios.models import Portfolio, Position
    from portfolios.occ import OCCContract, format_occ

    rng = random.Random(seed)
    User.objects.filter(email="bench@sigmasight.com").delete()
    user = User.objects.create_user("bench@sigmasight.com", "bench-password-123", full_name="Bench")
    provider = get_provider("synthetic")
    universe = [s for s in provider.symbols if s != "VIX"]
    optionable = [
        s
        for s in universe
        if s.isalnum() and provider.profile([s]).profiles[s].asset_type in ("stock", "etf")
    ]
    spot_frame = provider.history(optionable, as_of, as_of).bars
    spot = dict(zip(spot_frame["symbol"], spot_frame["close"], strict=True))
    # A fixed menu of ~320 option contracts -> with ~180 stocks, ~500 price symbols overall.
    contracts = []
    for symbol in optionable:
        for months, moneyness, kind in ((2, 1.05, "call"), (6, 0.9, "put")):
            expiry = add_months(as_of, months)
            step = 1 if spot[symbol] < 100 else 5
            strike = max(step, round(spot[symbol] * moneyness / step) * step)
            contracts.append(
                OCCContract(symbol, third_friday(expiry.year, expiry.month), kind, Decimal(str(strike)))
            )
    portfolios = Portfolio.objects.bulk_create(
        [
            Portfolio(owner=user, name=f"Bench {i:04d}", cash_balance=Decimal("100000"))
            for i in range(n_portfolios)
        ]
    )
    positions = []
    entry = as_of - dt.timedelta(days=400)
    for portfolio in portfolios:
        for symbol in rng.sample(universe, 25):
            qty = Decimal(rng.choice([-1, 1, 1, 1]) * rng.randint(10, 500))
            positions.append(
                Position(
                    portfolio=portfolio,
                    symbol=symbol,
                    position_type="LONG" if qty > 0 else "SHORT",
                    quantity=qty,
                    multiplier=1,
                    entry_price=Decimal("100"),
                    entry_date=entry,
                )
            )
        for c in rng.sample(contracts, 5):
            qty = Decimal(rng.choice([-1, 1]) * rng.randint(1, 20))
            kind = ("L" if qty > 0 else "S") + ("C" if c.option_type == "call" else "P")
            positions.append(
                Position(
                    portfolio=portfolio,
                    symbol=format_occ(c),
                    position_type=kind,
                    quantity=qty,
                    multiplier=100,
                    entry_price=Decimal("5"),
                    entry_date=as_of - dt.timedelta(days=30),
                    underlying_symbol=c.underlying,
                    option_type=c.option_type,
                    strike_price=c.strike,
                    expiration_date=c.expiration,
                )
            )
    Position.objects.bulk_create(positions, batch_size=5000)
    return [str(p.id) for p in portfolios]


def run_batch(ids: list[str], as_of: dt.date) -> tuple[float, dict[str, float], str]:
    from analytics.batch.services import batch_run_create, batch_run_execute

    run = batch_run_create(as_of=as_of, portfolio_ids=ids, trigger="bench")
    t0, c0 = time.perf_counter(), time.process_time()
    run = batch_run_execute(run=run)
    total = time.perf_counter() - t0
    CPU[len(CPU)] = time.process_time() - c0
    from analytics.batch.selectors import engine_summaries

    per_engine = {row["engine"]: row["duration_ms"] / 1000 for row in engine_summaries([run])[str(run.id)]}
    return total, per_engine, run.status


def run_batch_distributed(
    ids: list[str], as_of: dt.date, concurrency: int, timeout: float = 3600.0
) -> tuple[float, dict[str, float], str]:
    """The production path: the run dispatched as Celery chords to ``concurrency`` worker processes."""
    import subprocess

    from analytics.batch.dispatch import batch_run_dispatch
    from analytics.batch.services import batch_run_create
    from analytics.models import BatchRun

    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "sigmasight",
            "worker",
            f"--concurrency={concurrency}",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    try:
        time.sleep(6)  # let the worker processes boot
        run = batch_run_create(as_of=as_of, portfolio_ids=ids, trigger="bench")
        t0 = time.perf_counter()
        batch_run_dispatch(run_id=run.id)
        while True:
            run = BatchRun.objects.get(pk=run.id)
            if run.status not in ("queued", "running"):
                break
            if time.perf_counter() - t0 > timeout:
                raise TimeoutError(f"the distributed batch did not finish in {timeout:.0f} s")
            time.sleep(0.5)
        total = time.perf_counter() - t0
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    firsts: dict[str, tuple] = {}
    for engine, started, finished in run.steps.values_list("engine", "started_at", "finished_at"):
        lo, hi = firsts.get(engine, (started, finished))
        firsts[engine] = (min(lo, started), max(hi, finished))
    per_engine = {e: (hi - lo).total_seconds() for e, (lo, hi) in firsts.items()}
    return total, per_engine, run.status


def naive_baseline(ids: list[str], as_of: dt.date, sample: int) -> tuple[float, int]:
    """Per position: read its prices with the ORM, one statsmodels OLS on the 7 factor regressors,
    save the result row by row. Returns (seconds, positions done)."""
    import numpy as np
    import pandas as pd
    import statsmodels.api as sm

    from analytics.engines.factors import factor_regressors
    from analytics.models import SymbolFactorExposure
    from marketdata.models import PriceBar
    from marketdata.selectors import model_factor_etfs
    from portfolios.models import Position

    etfs = model_factor_etfs()
    positions = list(Position.objects.filter(portfolio_id__in=ids).order_by("?")[:sample])
    start = as_of - dt.timedelta(days=400)
    t0 = time.perf_counter()
    for position in positions:
        symbol = position.underlying_symbol or position.symbol
        etf_prices = {
            etf: pd.Series(
                dict(
                    PriceBar.objects.filter(symbol=etf, date__gte=start, date__lte=as_of).values_list(
                        "date", "adjusted_close"
                    )
                )
            )
            for etf in etfs.values()
        }
        x = factor_regressors(pd.DataFrame(etf_prices).sort_index().pct_change().iloc[1:], etfs).iloc[-252:]
        y = (
            pd.Series(
                dict(
                    PriceBar.objects.filter(symbol=symbol, date__gte=start, date__lte=as_of).values_list(
                        "date", "adjusted_close"
                    )
                )
            )
            .sort_index()
            .pct_change()
        )
        data = pd.concat([y.rename("y"), x], axis=1).dropna()
        fit = sm.OLS(data["y"], sm.add_constant(data.drop(columns="y"))).fit()
        for name in x.columns:  # row-by-row saves, as a naive implementation would do
            SymbolFactorExposure.objects.update_or_create(
                symbol=f"NAIVE:{symbol}:{name}"[:32],
                as_of_date=as_of,
                defaults={
                    "betas": {name: float(fit.params[name])},
                    "r_squared": float(fit.rsquared),
                    "observations": int(fit.nobs),
                    "t_stats": {name: float(np.nan_to_num(fit.tvalues[name]))},
                },
            )
    elapsed = time.perf_counter() - t0
    SymbolFactorExposure.objects.filter(symbol__startswith="NAIVE:").delete()
    return elapsed, len(positions)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--portfolios", type=int, default=1000)
    parser.add_argument("--baseline-sample", type=int, default=150)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 20))
    parser.add_argument(
        "--celery-workers",
        default="2",
        help="Worker processes of the distributed runs, comma-separated (e.g. 1,2; 0: in-process only).",
    )
    parser.add_argument("--no-floor", action="store_true", help="Skip the floor (bench/batch_floor.py).")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/14")
    parser.add_argument(
        "--var-backfill-days",
        type=int,
        default=0,
        help="VAR_BACKFILL_MAX_DAYS of the runs (default 0: the nightly batch alone; a new portfolio's "
        "first run otherwise also backfills that many days of VaR forecasts, a one-time history job).",
    )
    args = parser.parse_args()
    os.environ["VAR_BACKFILL_MAX_DAYS"] = str(args.var_backfill_days)
    workers = [int(w) for w in str(args.celery_workers).split(",") if int(w) > 0]
    os.environ["SYNTHETIC_AS_OF"] = args.as_of.isoformat()
    if workers:
        os.environ["CELERY_BROKER_URL"] = args.broker
    _setup_django(os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))

    t0 = time.perf_counter()
    ids = build_book(args.portfolios, args.as_of)
    from portfolios.holdings import held_symbols

    held = held_symbols(portfolio_ids=ids, as_of=args.as_of)
    print(
        f"book: {len(ids)} portfolios x 30 positions, {len(held.symbols)} price symbols "
        f"(built in {time.perf_counter() - t0:.1f}s)"
    )

    from django.conf import settings

    settings.CELERY_TASK_ALWAYS_EAGER = True  # the in-process runs below do not need the broker
    total, per_engine, status = run_batch(ids, args.as_of)
    positions = len(ids) * 30
    print(
        f"\nfirst run (includes the market-data sync into an empty table): {total:.1f}s "
        f"(process CPU {CPU[0]:.1f}s), status {status}"
    )
    for engine, seconds in per_engine.items():
        print(f"  {engine:<14}{seconds:>8.2f}s")
    total2, per_engine2, status2 = run_batch(ids, args.as_of)
    print(
        f"\nrerun of the same date (data present, idempotent upserts): {total2:.1f}s "
        f"(process CPU {CPU[1]:.1f}s), status {status2}"
    )
    for engine, seconds in per_engine2.items():
        print(f"  {engine:<14}{seconds:>8.2f}s")
    print(f"  {positions / total2:,.0f} positions/s; peak memory {_peak_mb():,.0f} MB")

    peak_in_process = _peak_mb()
    floor = None
    if not args.no_floor:
        from batch_floor import describe, floor_run

        floor = floor_run(ids, args.as_of)
        print(
            f"\nfloor (same numbers batched, one COPY, no orchestration): {floor['total']:.1f}s: {describe(floor)}"
        )
        print(
            f"  batch / floor: first run {total / floor['total']:.2f}x, rerun {total2 / floor['total']:.2f}x; "
            f"in process CPU: floor {floor['cpu']:.1f}s, rerun {CPU[1]:.1f}s, {CPU[1] / floor['cpu']:.2f}x"
        )

    distributed: dict[int, float] = {}
    if workers:
        from sigmasight.celery import app

        settings.CELERY_TASK_ALWAYS_EAGER = False
        app.conf.task_always_eager = False
        for n_workers in workers:
            total3, wall3, status3 = run_batch_distributed(ids, args.as_of, n_workers)
            distributed[n_workers] = total3
            print(
                f"\ndistributed rerun: Celery chords over {n_workers} worker processes (Redis broker): "
                f"{total3:.1f}s, status {status3}"
            )
            for engine, seconds in wall3.items():
                print(f"  {engine:<14}{seconds:>8.2f}s wall")
            print(f"  {positions / total3:,.0f} positions/s; vs in-process rerun {total2 / total3:.2f}x")
        worker_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"  largest worker process peak RSS {worker_peak:,.0f} MB")
        if len(distributed) > 1:
            lo, hi = min(distributed), max(distributed)
            print(f"  {lo} -> {hi} workers: {distributed[lo] / distributed[hi]:.2f}x faster")

    naive_s, done = naive_baseline(ids, args.as_of, args.baseline_sample)
    naive_total = naive_s / max(done, 1) * positions
    factors = per_engine2.get("factors", float("nan"))
    print(
        f"\nnaive baseline: {done} positions in {naive_s:.1f}s -> {naive_total:,.0f}s extrapolated to "
        f"{positions:,} positions"
    )
    print(f"speed-up of the factor engine over the baseline: {naive_total / factors:,.0f}x")
    print(
        f"speed-up of the whole batch (8 engines) over the baseline's factor step alone: {naive_total / total2:,.1f}x"
    )
    workers_text = ", ".join(f"{n} worker(s) {t:.1f}s" for n, t in distributed.items()) or "not run"
    floor_text = (
        f"{floor['total']:.1f}s, rerun / floor {total2 / floor['total']:.2f}x" if floor else "not run"
    )
    print(
        f"\nsummary: {len(ids)} portfolios, {positions:,} positions, {len(held.symbols)} price symbols; "
        f"in process first {total:.1f}s, rerun {total2:.1f}s; peak RSS {peak_in_process:,.0f} MB "
        f"(in-process runs); floor {floor_text}; vs naive {naive_total / total2:,.1f}x; {workers_text}"
    )


if __name__ == "__main__":
    main()
