"""Modeling sessions: ``calculate`` for 30, 100 and 1,000 positions with 1 and 10 trades.

    .venv/bin/python bench/modeling.py [--sizes 30,100,1000] [--repeat 3]

Builds one portfolio per size (stocks and ETFs of the synthetic universe, lots repeated when the
size exceeds it, ~1 in 6 positions a listed option) on PostgreSQL ($BENCH_DATABASE_URL, default
``.../sigmasight_bench_modeling``), runs the batch for them, then opens a session per (size,
trades) and times ``session_calculate`` (the batch's engines in-process on before, after and one
book without each trade). Prints the median seconds per case. Targets (issue): < 0.5 s at 100
positions, < 3 s at 1,000.
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
    parser.add_argument("--repeat", type=int, default=3)
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
    print(f"{'positions':>9} {'trades':>6} {'median s':>9} {'runs':>30}")
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
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                services.session_calculate(session=session)
                times.append(time.perf_counter() - t)
            print(
                f"{size:>9} {n_trades:>6} {statistics.median(times):>9.3f} {', '.join(f'{x:.3f}' for x in times):>30}"
            )
    if not args.keep:
        User.objects.filter(email="bench-modeling@sigmasight.com").delete()


if __name__ == "__main__":
    main()
