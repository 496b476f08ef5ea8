"""Modeling sessions: ``calculate`` for 30, 100 and 1,000 positions with 1 and 10 trades.

    .venv/bin/python bench/modeling.py [--sizes 30,100,1000] [--repeat 5] [--profile SIZExTRADES]

Builds one portfolio per size (stocks and ETFs of the synthetic universe, lots repeated when the
size exceeds it, ~1 in 6 positions a listed option) on PostgreSQL ($BENCH_DATABASE_URL, default
``.../sigmasight_bench_modeling``), runs the batch for them, then opens a session per (size,
trades) and times ``session_calculate`` (the batch's engines in-process on before, after and one
book without each trade). Prints per case the median wall seconds, the median process CPU seconds
(``time.process_time``: what load from other processes does not inflate) and the load average.
Targets (issue): < 0.5 s at 100 positions, < 3 s at 1,000. ``--profile 1000x10`` prints the
cProfile of one more calculate of that case (cumulative time, top 40).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sigmasight_bench_modeling"
AS_OF = dt.date(2026, 11, 20)


def _portfolio(user, size: int, rng: random.Random, menu: list) -> str:  # type: ignore[no-untyped-def]
    from portfolios.models import Portfolio, Position
    from portfolios.occ import format_occ

    portfolio = Portfolio.objects.create(
        owner=user, name=f"Modeling bench {size}", cash_balance=Decimal("1000000")
    )
    stocks, contracts = menu
    rows = []
    entry = AS_OF - dt.timedelta(days=400)
    for i in range(size):
        if i % 6 == 5:
            c = rng.choice(contracts)
            qty = Decimal(rng.choice([-1, 1]) * rng.randint(1, 20))
            rows.append(
                Position(
                    portfolio=portfolio,
                    symbol=format_occ(c),
                    position_type=("L" if qty > 0 else "S") + ("C" if c.option_type == "call" else "P"),
                    quantity=qty,
                    multiplier=100,
                    entry_price=Decimal("5"),
                    entry_date=AS_OF - dt.timedelta(days=30),
                    underlying_symbol=c.underlying,
                    option_type=c.option_type,
                    strike_price=c.strike,
                    expiration_date=c.expiration,
                )
            )
        else:
            qty = Decimal(rng.choice([-1, 1, 1, 1]) * rng.randint(10, 500))
            rows.append(
                Position(
                    portfolio=portfolio,
                    symbol=rng.choice(stocks),
                    position_type="LONG" if qty > 0 else "SHORT",
                    quantity=qty,
                    multiplier=1,
                    entry_price=Decimal("100"),
                    entry_date=entry,
                )
            )
    Position.objects.bulk_create(rows)
    return str(portfolio.id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="30,100,1000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", default="", help="SIZExTRADES: profile one more calculate of that case")
    parser.add_argument("--keep", action="store_true", help="keep the bench user's rows")
    args = parser.parse_args()
    os.environ["SYNTHETIC_AS_OF"] = AS_OF.isoformat()
    os.environ["MARKET_DATA_PROVIDER"] = "synthetic"
    from batch import _setup_django  # bench/batch.py: creates and migrates the database

    _setup_django(os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    from accounts.models import User
    from analytics.batch.services import batch_run_create, batch_run_execute
    from analytics.modeling import services
    from marketdata.providers.registry import get_provider
    from portfolios.models import Portfolio
    from portfolios.occ import OCCContract

    rng = random.Random(11)
    User.objects.filter(email="bench-modeling@sigmasight.com").delete()
    user = User.objects.create_user("bench-modeling@sigmasight.com", "bench-password-123", full_name="Bench")
    provider = get_provider("synthetic")
    stocks = [s for s in provider.symbols if s.isalnum() and s != "VIX"]
    spot_frame = provider.history(stocks, AS_OF, AS_OF).bars
    spot = dict(zip(spot_frame["symbol"], spot_frame["close"], strict=True))
    contracts = [
        OCCContract(s, dt.date(2027, 3, 19), kind, Decimal(str(max(5, round(spot[s] * m / 5) * 5))))
        for s in stocks[:60]
        for kind, m in (("call", 1.05), ("put", 0.9))
    ]
    sizes = [int(s) for s in args.sizes.split(",")]
    ids = {size: _portfolio(user, size, rng, [stocks, contracts]) for size in sizes}
    started = time.perf_counter()
    run = batch_run_execute(
        run=batch_run_create(as_of=AS_OF, portfolio_ids=list(ids.values()), trigger="bench")
    )
    print(f"batch: {run.status} in {time.perf_counter() - started:.1f} s")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print(f"{'positions':>9} {'trades':>6} {'wall s':>7} {'cpu s':>7} {'load':>5}  wall runs")
    for size, pid in ids.items():
        portfolio = Portfolio.objects.get(pk=pid)
        held = sorted(set(portfolio.positions.filter(multiplier=1).values_list("symbol", flat=True)))
        for n_trades in (1, 10):
            session = services.session_create(owner=user, portfolio=portfolio, name=f"{size}x{n_trades}")
            trades = [
                {"symbol": rng.choice(held), "quantity": rng.choice([-1, 1]) * rng.randint(10, 200)}
                for _ in range(n_trades)
            ]
            services.session_trades_add(session=session, trades=trades)
            services.session_calculate(session=session)  # warm-up (imports, first queries)
            times, cpu = [], []
            for _ in range(args.repeat):
                t, c = time.perf_counter(), time.process_time()
                services.session_calculate(session=session)
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
            print(
                f"{size:>9} {n_trades:>6} {statistics.median(times):>7.3f} {statistics.median(cpu):>7.3f} "
                f"{os.getloadavg()[0]:>5.2f}  {', '.join(f'{x:.3f}' for x in times)}"
            )
            if args.profile == f"{size}x{n_trades}":
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                profiler.runcall(services.session_calculate, session=session)
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    if not args.keep:
        User.objects.filter(email="bench-modeling@sigmasight.com").delete()


if __name__ == "__main__":
    main()
