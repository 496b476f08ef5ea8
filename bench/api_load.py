"""API load benchmark: gunicorn on PostgreSQL, the demo portfolios and one of 1,000 positions,
every /data and /analytics GET endpoint driven by concurrent clients for a fixed time.

Usage:
    .venv/bin/python bench/api_load.py [--seconds 20] [--clients 4] [--workers 2] [--threads 4] [--skip-setup]

Database: $BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/sigmasight_bench_api),
created, migrated and seeded by the script (demo + a 1,000-position book, batch run for both).
The load generator is a thread pool of httpx clients on this same 2-core machine (an equivalent
of locust's headless mode): each client loops over the endpoints for the given time. Prints p50,
p95, p99 latency (ms), requests and errors per endpoint and book size; throttling is raised so the
benchmark measures the API, not the rate limiter. The response cache needs Redis: set REDIS_URL
(e.g. redis://127.0.0.1:6379/2); without it the server runs with the cache off.

``/health`` (one database query and one cache round trip) is driven in the same rotation as the
endpoints of each book, and the last table prints each endpoint's p95 / health p95 of the same run
(the machine is shared, so absolute figures vary; ratios measured together are comparable), with the
worst ratio per book. Target (issue 15): every ratio <= 3.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sigmasight_bench_api"
AS_OF = dt.date(2026, 11, 20)
PORT = 8765
BIG_EMAIL = "bench_big@sigmasight.com"
PASSWORD = "bench-password-123"


def _env(url: str, *, cache_seconds: int | None = None) -> dict[str, str]:
    extra = {} if cache_seconds is None else {"API_RESPONSE_CACHE_SECONDS": str(cache_seconds)}
    return {
        **os.environ,
        **extra,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "sigmasight.settings.local",
        "DJANGO_DEBUG": "0",
        "SYNTHETIC_AS_OF": AS_OF.isoformat(),
        "THROTTLE_USER_RATE": "1000000/min",
        "THROTTLE_LOGIN_RATE": "1000000/min",
        "LOG_LEVEL": "WARNING",
    }


def setup(url: str) -> None:
    """Creates the database, seeds the demo and a 1,000-position book, and runs the batch."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(_env(url))
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import User
    from analytics.batch.services import batch_run_create, batch_run_execute
    from marketdata.providers.registry import get_provider
    from portfolios.models import Portfolio, Position

    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--as-of", AS_OF.isoformat())
    User.objects.filter(email=BIG_EMAIL).delete()
    user = User.objects.create_user(BIG_EMAIL, PASSWORD, full_name="Bench Big Book")
    portfolio = Portfolio.objects.create(owner=user, name="Big book", cash_balance=Decimal("1000000"))
    provider = get_provider("synthetic")
    universe = [s for s in provider.symbols if s != "VIX"]
    rng = random.Random(11)
    lots = []
    for i in range(1000):
        symbol = universe[i % len(universe)]
        qty = Decimal(rng.choice([-1, 1, 1]) * rng.randint(5, 300))
        lots.append(
            Position(
                portfolio=portfolio,
                symbol=symbol,
                position_type="LONG" if qty > 0 else "SHORT",
                quantity=qty,
                multiplier=1,
                entry_price=Decimal("100"),
                entry_date=AS_OF - dt.timedelta(days=300 + i % 200),
            )
        )
    Position.objects.bulk_create(lots)
    run = batch_run_create(as_of=AS_OF, portfolio_ids=[str(portfolio.id)], trigger="bench")
    run = batch_run_execute(run=run)
    print(f"setup done: big book batch {run.status}")


HEALTH = "health"


def endpoints(pid: str) -> list[tuple[str, str]]:
    """(label, path) of every /data and /analytics GET endpoint for one portfolio, and /health."""
    return [
        (HEALTH, "/health"),
        ("data/portfolios", "/api/v1/data/portfolios"),
        ("data/complete", f"/api/v1/data/portfolio/{pid}/complete"),
        ("data/data-quality", f"/api/v1/data/portfolio/{pid}/data-quality"),
        ("data/positions/details", f"/api/v1/data/positions/details?portfolio_id={pid}"),
        ("data/positions/top", f"/api/v1/data/positions/top/{pid}"),
        ("data/prices/historical", f"/api/v1/data/prices/historical/{pid}?lookback_days=150"),
        ("data/prices/quotes", "/api/v1/data/prices/quotes?symbols=AAPL,MSFT,SPY"),
        ("data/factors/etf-prices", "/api/v1/data/factors/etf-prices?lookback_days=150"),
        ("analytics/overview", f"/api/v1/analytics/portfolio/{pid}/overview"),
        ("analytics/performance", f"/api/v1/analytics/portfolio/{pid}/performance"),
        ("analytics/attribution", f"/api/v1/analytics/positions/attribution?portfolio_id={pid}"),
        ("analytics/risk/overview", f"/api/v1/analytics/risk/{pid}/overview"),
        ("analytics/risk/var", f"/api/v1/analytics/risk/{pid}/var"),
        ("analytics/risk/contributions", f"/api/v1/analytics/risk/{pid}/contributions"),
        ("analytics/risk/greeks", f"/api/v1/analytics/risk/{pid}/greeks"),
        (
            "analytics/risk/scenarios",
            f"/api/v1/analytics/risk/{pid}/scenarios?scenarios=market_down_10,covid_crash_2020",
        ),
        ("analytics/factors/exposures", f"/api/v1/analytics/factors/{pid}/exposures"),
        ("analytics/factors/definitions", "/api/v1/analytics/factors/definitions"),
        ("analytics/factors/correlations", "/api/v1/analytics/factors/correlations"),
        ("analytics/correlation/matrix", f"/api/v1/analytics/correlation/{pid}/matrix"),
    ]


def login(client: httpx.Client, email: str, password: str) -> tuple[str, str]:
    body = client.post("/api/v1/auth/login", json={"email": email, "password": password}).json()
    token = body["access_token"]
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    return token, me["portfolios"][0]["id"]


def drive(targets: list[tuple[str, str, str, str]], seconds: float, clients: int) -> dict:
    """Runs ``clients`` threads over ``targets`` (book, label, path, token) for ``seconds``."""
    samples: dict[tuple[str, str], list[float]] = defaultdict(list)
    errors: dict[tuple[str, str], int] = defaultdict(int)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(offset: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=30) as client:
            i = offset
            while time.monotonic() < deadline:
                book, label, path, token = targets[i % len(targets)]
                i += 1
                t0 = time.perf_counter()
                try:
                    status = client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code
                except httpx.HTTPError:
                    status = 599
                ms = (time.perf_counter() - t0) * 1000
                with lock:
                    samples[(book, label)].append(ms)
                    if status != 200:
                        errors[(book, label)] += 1

    threads = [threading.Thread(target=worker, args=(k * 7,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"samples": samples, "errors": errors}


def pct(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (gthread)")
    parser.add_argument("--skip-setup", action="store_true")
    parser.add_argument(
        "--no-cache", action="store_true", help="API_RESPONSE_CACHE_SECONDS=0: every request computes"
    )
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if not args.skip_setup:
        setup(url)
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "sigmasight.wsgi",
            "-w",
            str(args.workers),
            "--threads",
            str(args.threads),
            "-b",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=_env(url, cache_seconds=0 if args.no_cache else None),
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=30) as client:
            for _ in range(100):
                try:
                    client.get("/health")
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            targets = []
            for book, email, password in (
                ("demo 30", "demo_hedgefundstyle@sigmasight.com", "demo12345"),
                ("demo 18", "demo_hnw@sigmasight.com", "demo12345"),
                ("big 1000", BIG_EMAIL, PASSWORD),
            ):
                token, pid = login(client, email, password)
                targets += [(book, label, path, token) for label, path in endpoints(pid)]
            for _, _, path, token in targets:  # warm-up: one pass
                client.get(path, headers={"Authorization": f"Bearer {token}"})
        result = drive(targets, args.seconds, args.clients)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    load = os.getloadavg()
    print(
        f"\n{args.clients} clients, gunicorn {args.workers} workers x {args.threads} threads, "
        f"{args.seconds:.0f}s, PostgreSQL, response cache "
        f"{'off' if args.no_cache or not os.environ.get('REDIS_URL') else 'on (Redis)'}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n"
    )
    print(f"{'book':<10}{'endpoint':<32}{'n':>6}{'p50':>9}{'p95':>9}{'p99':>9}{'errors':>8}")
    for (book, label), values in sorted(result["samples"].items()):
        print(
            f"{book:<10}{label:<32}{len(values):>6}{pct(values, 50):>9.1f}{pct(values, 95):>9.1f}"
            f"{pct(values, 99):>9.1f}{result['errors'].get((book, label), 0):>8}"
        )
    print_ratios(result["samples"], books=("demo 30", "big 1000"))


def print_ratios(samples: dict[tuple[str, str], list[float]], *, books: tuple[str, ...]) -> None:
    """Each endpoint's p95 / the p95 of /health (all of the run's /health samples), per book."""
    health = [ms for (_, label), values in samples.items() if label == HEALTH for ms in values]
    base = pct(health, 95)
    labels = sorted({label for (_, label) in samples if label != HEALTH})
    print(f"\np95 / health p95 (health p95 {base:.1f} ms, n {len(health)}); target <= 3.0\n")
    print(f"{'endpoint':<32}" + "".join(f"{book + ' p95':>16}{'ratio':>8}" for book in books))
    worst: dict[str, tuple[float, str]] = {book: (0.0, "") for book in books}
    for label in labels:
        line = f"{label:<32}"
        for book in books:
            values = samples.get((book, label))
            if not values:
                line += f"{'-':>16}{'-':>8}"
                continue
            p95 = pct(values, 95)
            line += f"{p95:>16.1f}{p95 / base:>8.2f}"
            worst[book] = max(worst[book], (p95 / base, label))
        print(line)
    print("worst: " + "; ".join(f"{book} {r:.2f}x ({label})" for book, (r, label) in worst.items()))


if __name__ == "__main__":
    main()
