"""Engine micro-benchmarks (pure numpy, no database): Greeks for 100,000 options and the
aggregation of 10,000 positions. Targets (DESIGN.md): < 0.5 s and < 50 ms. Also the per-share
pricer of ``option_pricer`` for 100,000 options, European vs American Greeks (target < 0.5 s for
the American), the implied volatility solve of ``implied_vol`` for 100,000 marks of each style
(no target; timed once), and the spot-scenario revaluation of ``option_scenarios`` for 1,000
American options x 500 historical scenarios and x 10,000 Monte Carlo paths vs the European closed
form on the same cells (ratio; the batch's VaR engines must stay within ~10% of their time).

Usage: .venv/bin/python bench/engines.py [--repeat 7]
Reports the best and the median of the repeats.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics.engines.black_scholes import bsm_price  # noqa: E402
from analytics.engines.greeks import option_position_greeks  # noqa: E402
from analytics.engines.implied_vol import implied_volatility  # noqa: E402
from analytics.engines.option_pricer import option_greeks, option_price  # noqa: E402
from analytics.engines.option_scenarios import option_price_spot_scenarios  # noqa: E402
from analytics.engines.valuation import portfolio_exposures, value_positions  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(0)

    n = 100_000
    spot = rng.uniform(20, 800, n)
    greeks_inputs = dict(
        underlying_price=spot,
        strike=spot * rng.uniform(0.7, 1.3, n),
        days_to_expiry=rng.integers(1, 730, n).astype(float),
        rate=0.045,
        dividend_yield=rng.uniform(0, 0.03, n),
        implied_vol=np.where(rng.random(n) < 0.5, rng.uniform(0.1, 0.8, n), np.nan),
        realized_vol=rng.uniform(0.05, 0.6, n),
        is_call=rng.random(n) < 0.5,
        quantity=rng.integers(-50, 50, n).astype(float),
        multiplier=100.0,
    )
    best, median = timed(lambda: option_position_greeks(**greeks_inputs), args.repeat)
    print(
        f"Greeks, {n:,} options (per-share + position + dollar Greeks, sigma choice): "
        f"best {best * 1000:.0f} ms, median {median * 1000:.0f} ms (target < 500 ms)"
    )

    opt_args = (
        spot,
        greeks_inputs["strike"],
        greeks_inputs["days_to_expiry"] / 365.0,
        0.045,
        greeks_inputs["dividend_yield"],
        greeks_inputs["realized_vol"],
        greeks_inputs["is_call"],
    )
    timings = {}
    for style, american in (("European", False), ("American", True)):
        best, median = timed(lambda american=american: option_greeks(*opt_args, american), args.repeat)  # type: ignore[misc]
        timings[style] = best
        print(
            f"Per-share pricer, {n:,} {style} options (price + 5 Greeks): "
            f"best {best * 1000:.0f} ms, median {median * 1000:.0f} ms (target < 500 ms)"
        )
    print(f"American / European Greeks time: {timings['American'] / timings['European']:.1f}x")
    for style, american in (("European", False), ("American", True)):
        marks = option_price(*opt_args, american)
        t0 = time.perf_counter()
        iv = implied_volatility(marks, *opt_args[:5], opt_args[6], american)
        elapsed = time.perf_counter() - t0
        solved = float((iv.status == "ok").mean())
        print(f"Implied vol, {n:,} {style} marks: {elapsed * 1000:.0f} ms (once), {solved:.1%} solved")

    book = slice(0, 1_000)
    per_option = [a[book] if isinstance(a, np.ndarray) else a for a in opt_args]
    spot0, others = per_option[0], per_option[1:]
    for label, n_scen, scale in (("historical scenarios", 500, 0.03), ("Monte Carlo paths", 10_000, 0.02)):
        returns = np.maximum(rng.standard_t(4, (n_scen, spot0.size)) * scale, -0.9)
        spots = spot0 * (1.0 + returns)
        eu_best, _ = timed(lambda spots=spots: bsm_price(spots, *others), 3)  # type: ignore[misc]
        am_best, _ = timed(lambda spots=spots: option_price_spot_scenarios(spots, *others, True), 3)  # type: ignore[misc]
        print(
            f"Spot scenarios, 1,000 American options x {n_scen:,} {label}: best {am_best * 1000:.0f} ms "
            f"vs European closed form {eu_best * 1000:.0f} ms ({am_best / eu_best:.2f}x)"
        )

    m = 10_000
    qty = rng.integers(-500, 500, m).astype(float)
    price = rng.uniform(5, 500, m)
    valued = value_positions(
        quantity=qty,
        price=price,
        entry_price=price * rng.uniform(0.7, 1.3, m),
        prev_close=price * rng.uniform(0.97, 1.03, m),
    )
    valued["portfolio_id"] = rng.integers(0, 333, m).astype(str)
    cash = pd.Series(100_000.0, index=sorted(set(valued["portfolio_id"])))
    best, median = timed(lambda: portfolio_exposures(valued, cash), args.repeat)
    print(
        f"Aggregation, {m:,} positions in 333 portfolios (long/short/gross/net/NAV, delta-adjusted): "
        f"best {best * 1000:.1f} ms, median {median * 1000:.1f} ms (target < 50 ms)"
    )


if __name__ == "__main__":
    main()
