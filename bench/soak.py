"""Soak: concurrent reads and writes on the production stack with a batch run in the middle.

Usage:
    python bench/soak.py [--clients 20] [--seconds 60] [--workers 3] [--batch-at 0.3] [--skip-setup]

The stack is the one ``bin/smoke`` starts natively: the production settings, gunicorn (``--workers``
processes), a Celery worker (2 processes) on Redis, PostgreSQL. Database: $BENCH_DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/sigmasight_bench_soak; dropped and recreated unless
--skip-setup), Redis: $BENCH_REDIS_URL (default redis://127.0.0.1:6379/5, flushed: broker and
cache). Setup seeds the demo (password from SEED_DEMO_PASSWORD, never the public one) and runs
the batch once in-process, so every endpoint has results before the load starts.

Load: ``--clients`` threads (httpx) spread over the demo users for ``--seconds``. Each iteration is
a read (75 %: one of the /data and /analytics GETs of the client's portfolio) or a write (25 %:
create a position through POST /management/positions, PATCH its quantity, or DELETE it; a client
only changes the positions it created). At ``--batch-at`` of the run the staff user POSTs
/system/batch/run-all and the worker runs the whole pipeline while the load goes on. The user
throttle is raised (THROTTLE_USER_RATE) so the soak measures the API, not the rate limiter.

Prints: errors (5xx, transport errors, unexpected statuses), lost writes (positions per portfolio
in the database after the run vs the count before + acknowledged creates - acknowledged deletes,
and acknowledged quantities not stored), reads that lost their data (a GET that answered 200 and
later 422), ``stale`` answers, the batch's status and window, and p50/p95/p99 latency (ms) of
reads and writes. After the load, one more batch run checks that the writes landed in it (the
aggregate's position count equals the held positions in the database). A bench, not a CI gate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/sigmasight_bench_soak"
DEFAULT_REDIS = "redis://127.0.0.1:6379/5"
AS_OF = dt.date(2026, 11, 20)
PASSWORD = os.environ.get("SEED_DEMO_PASSWORD") or secrets.token_urlsafe(18)
ADMIN_EMAIL = "admin@sigmasight.com"
#: Symbols the writers trade (all in the synthetic universe, with bars up to AS_OF).
WRITE_SYMBOLS = ("AAPL", "MSFT", "JPM", "XOM", "NVDA", "SPY", "KO", "PFE")
BATCH_TIMEOUT_S = 600


def _env(db: str, redis_url: str, static_root: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sigmasight.settings.production",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        "DATABASE_URL": db,
        "CELERY_BROKER_URL": redis_url,
        "REDIS_URL": redis_url,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_COOKIES": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DJANGO_STATIC_ROOT": static_root,
        "MARKET_DATA_PROVIDER": "synthetic",
        "SYNTHETIC_AS_OF": AS_OF.isoformat(),
        "SEED_DEMO_PASSWORD": PASSWORD,
        "THROTTLE_USER_RATE": "1000000/min",
        "THROTTLE_LOGIN_RATE": "1000000/min",
        "THROTTLE_LOGIN_IP_RATE": "1000000/min",
        "LOG_LEVEL": "WARNING",
    }


def setup(env: dict[str, str], redis_url: str) -> None:
    """Fresh database and Redis db; migrate, collectstatic, seed the demo, one batch run."""
    import psycopg
    import redis

    db = env["DATABASE_URL"]
    server, name = db.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    redis.Redis.from_url(redis_url).flushdb()
    py = sys.executable
    for args in (
        ["migrate", "--noinput", "-v", "0"],
        ["collectstatic", "--noinput", "-v", "0"],
        ["seed_demo", "--no-batch", "--as-of", AS_OF.isoformat()],
    ):
        subprocess.run([py, "manage.py", *args], cwd=ROOT, env=env, check=True)
    # market data and the first batch in-process (the eager path of run_batch)
    code = (
        "import datetime as dt, django; django.setup();"
        "from analytics.batch.services import batch_run_create, batch_run_execute;"
        f"run = batch_run_execute(run=batch_run_create(as_of=dt.date.fromisoformat('{AS_OF}'), trigger='bench'));"
        "print('setup batch', run.status, run.error[:300])"
    )
    subprocess.run([py, "-c", code], cwd=ROOT, env=env, check=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def read_paths(pid: str) -> list[tuple[str, str]]:
    """(label, path) of the /data and /analytics GETs of one portfolio."""
    return [
        ("data/complete", f"/api/v1/data/portfolio/{pid}/complete"),
        ("data/positions/details", f"/api/v1/data/positions/details?portfolio_id={pid}"),
        ("data/positions/top", f"/api/v1/data/positions/top/{pid}"),
        ("data/data-quality", f"/api/v1/data/portfolio/{pid}/data-quality"),
        ("analytics/overview", f"/api/v1/analytics/portfolio/{pid}/overview"),
        ("analytics/performance", f"/api/v1/analytics/portfolio/{pid}/performance"),
        ("analytics/risk/overview", f"/api/v1/analytics/risk/{pid}/overview"),
        ("analytics/risk/var", f"/api/v1/analytics/risk/{pid}/var"),
        ("analytics/risk/contributions", f"/api/v1/analytics/risk/{pid}/contributions"),
        ("analytics/risk/greeks", f"/api/v1/analytics/risk/{pid}/greeks"),
        ("analytics/risk/scenarios", f"/api/v1/analytics/risk/{pid}/scenarios"),
        ("analytics/factors/exposures", f"/api/v1/analytics/factors/{pid}/exposures"),
        ("analytics/correlation/matrix", f"/api/v1/analytics/correlation/{pid}/matrix"),
    ]


@dataclass
class Tally:
    """Everything the clients observed (guarded by ``lock``)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    read_ms: list[float] = field(default_factory=list)
    write_ms: list[float] = field(default_factory=list)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    ok_before: set[tuple[str, str]] = field(default_factory=set)
    flips: Counter[str] = field(default_factory=Counter)
    stale: Counter[str] = field(default_factory=Counter)
    created: Counter[str] = field(default_factory=Counter)
    deleted: Counter[str] = field(default_factory=Counter)
    updates: int = 0
    ambiguous: list[str] = field(default_factory=list)
    #: position id -> (portfolio id, last acknowledged quantity); removed when its DELETE is acknowledged
    quantities: dict[str, tuple[str, str]] = field(default_factory=dict)
    write_times: list[float] = field(default_factory=list)


def client_loop(
    *, base: str, token: str, pid: str, deadline: float, seed: int, tally: Tally, t0: float
) -> None:
    rng = random.Random(seed)
    mine: list[str] = []
    headers = {"Authorization": f"Bearer {token}"}
    paths = read_paths(pid)
    with httpx.Client(base_url=base, timeout=60, headers=headers) as client:
        while time.monotonic() < deadline:
            if rng.random() < 0.75:
                label, path = rng.choice(paths)
                start = time.perf_counter()
                try:
                    response = client.get(path)
                except httpx.HTTPError as exc:
                    with tally.lock:
                        tally.errors.append(f"GET {label}: {exc.__class__.__name__}")
                    continue
                ms = (time.perf_counter() - start) * 1000
                status = response.status_code
                stale = status == 200 and response.json().get("stale") is True
                with tally.lock:
                    tally.read_ms.append(ms)
                    tally.statuses[(label, status)] += 1
                    key = (pid, label)
                    if status == 200:
                        tally.ok_before.add(key)
                        if stale:
                            tally.stale[label] += 1
                    elif status == 422 and key in tally.ok_before:
                        tally.flips[label] += 1
                    elif status != 422:
                        tally.errors.append(f"GET {label}: {status} {response.text[:160]}")
                continue
            # a write
            action = "create" if len(mine) < 2 else rng.choice(["create", "update", "delete", "update"])
            start = time.perf_counter()
            try:
                if action == "create":
                    body = {
                        "portfolio_id": pid,
                        "symbol": rng.choice(WRITE_SYMBOLS),
                        "quantity": str(rng.randint(1, 200)),
                        "entry_price": "100.00",
                        "entry_date": (AS_OF - dt.timedelta(days=rng.randint(30, 400))).isoformat(),
                    }
                    response = client.post("/api/v1/management/positions", json=body)
                    expected = 201
                elif action == "update":
                    target = rng.choice(mine)
                    quantity = str(rng.randint(1, 200))
                    response = client.patch(
                        f"/api/v1/management/positions/{target}", json={"quantity": quantity}
                    )
                    expected = 200
                else:
                    target = mine[rng.randrange(len(mine))]
                    response = client.delete(f"/api/v1/management/positions/{target}")
                    expected = 204
            except httpx.HTTPError as exc:
                with tally.lock:
                    tally.errors.append(f"{action}: {exc.__class__.__name__}")
                    tally.ambiguous.append(action)
                continue
            ms = (time.perf_counter() - start) * 1000
            with tally.lock:
                tally.write_ms.append(ms)
                tally.write_times.append(time.monotonic() - t0)
                tally.statuses[(f"write/{action}", response.status_code)] += 1
                if response.status_code != expected:
                    tally.errors.append(f"{action}: {response.status_code} {response.text[:160]}")
                    continue
                if action == "create":
                    new = response.json()
                    mine.append(new["id"])
                    tally.created[pid] += 1
                    tally.quantities[new["id"]] = (pid, new["quantity"])
                elif action == "update":
                    tally.updates += 1
                    tally.quantities[target] = (pid, response.json()["quantity"])
                else:
                    mine.remove(target)
                    tally.deleted[pid] += 1
                    tally.quantities.pop(target, None)


def batch_run(base: str, staff: str) -> dict[str, Any]:
    """POSTs /system/batch/run-all and waits for its job; returns the job and the window (s)."""
    headers = {"Authorization": f"Bearer {staff}"}
    with httpx.Client(base_url=base, timeout=60, headers=headers) as client:
        start = time.monotonic()
        response = client.post("/api/v1/system/batch/run-all", json={})
        if response.status_code != 202:
            return {"status": f"trigger answered {response.status_code}", "seconds": 0.0}
        poll = response.json()["poll_url"]
        job: dict[str, Any] = {}
        while time.monotonic() - start < BATCH_TIMEOUT_S:
            job = client.get(poll).json()
            if job.get("status") in ("succeeded", "failed", "cancelled", "partial"):
                break
            time.sleep(0.5)
        run = client.get("/api/v1/system/batch/status").json().get("run") or {}
        return {
            "status": job.get("status"),
            "run_status": run.get("status"),
            "error": (run.get("error") or "")[:300],
            "seconds": time.monotonic() - start,
        }


def db_counts(db: str) -> tuple[dict[str, int], dict[str, int], dict[str, str]]:
    """(positions per portfolio, held positions on AS_OF per portfolio, quantity per position id)."""
    import psycopg

    with psycopg.connect(db) as conn:
        total = dict(conn.execute("SELECT portfolio_id::text, count(*) FROM portfolios_position GROUP BY 1"))
        held = dict(
            conn.execute(
                "SELECT portfolio_id::text, count(*) FROM portfolios_position WHERE entry_date <= %s "
                "AND (exit_date IS NULL OR exit_date > %s) GROUP BY 1",
                (AS_OF, AS_OF),
            )
        )
        quantities = {
            str(i): q for i, q in conn.execute("SELECT id::text, quantity FROM portfolios_position")
        }
    return total, held, quantities


def pct(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument(
        "--batch-at", type=float, default=0.3, help="fraction of the run to trigger the batch at"
    )
    parser.add_argument("--batches", type=int, default=1, help="run-all batches back to back from --batch-at")
    parser.add_argument("--skip-setup", action="store_true")
    args = parser.parse_args()
    db = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS)
    work = Path(tempfile.mkdtemp(prefix="sigmasight-soak-"))
    env = _env(db, redis_url, str(work / "static"))
    if not args.skip_setup:
        setup(env, redis_url)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    py = sys.executable
    logs = {name: open(work / f"{name}.log", "w") for name in ("web", "worker")}  # noqa: SIM115
    procs = [
        subprocess.Popen(
            [
                py,
                "-m",
                "gunicorn",
                "sigmasight.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
            ],
            cwd=ROOT,
            env=env,
            stdout=logs["web"],
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [
                py,
                "-m",
                "celery",
                "-A",
                "sigmasight",
                "worker",
                "--loglevel=WARNING",
                "--concurrency=2",
                "-n",
                "soak@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=logs["worker"],
            stderr=subprocess.STDOUT,
        ),
    ]
    try:
        import django

        os.environ.update(env)
        django.setup()
        from portfolios.demo import demo_emails

        with httpx.Client(base_url=base, timeout=60) as client:
            for _ in range(150):
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            owners = []
            for email in demo_emails():
                token = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()[
                    "access_token"
                ]
                me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
                owners += [(token, p["id"]) for p in me["portfolios"]]
            staff = client.post(
                "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": PASSWORD}
            ).json()["access_token"]
            for token, pid in owners:  # warm-up: every read once (and every endpoint answers before)
                for _, path in read_paths(pid):
                    client.get(path, headers={"Authorization": f"Bearer {token}"})
        total_before, _, _ = db_counts(db)

        tally = Tally()
        t0 = time.monotonic()
        deadline = t0 + args.seconds
        threads = [
            threading.Thread(
                target=client_loop,
                kwargs={
                    "base": base,
                    "token": owners[k % len(owners)][0],
                    "pid": owners[k % len(owners)][1],
                    "deadline": deadline,
                    "seed": k,
                    "tally": tally,
                    "t0": t0,
                },
            )
            for k in range(args.clients)
        ]
        for t in threads:
            t.start()
        time.sleep(args.seconds * args.batch_at)
        batch_start = time.monotonic() - t0
        batches = [batch_run(base, staff) for _ in range(args.batches)]
        batch_end = time.monotonic() - t0
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t0
        load = os.getloadavg()

        # lost writes: the database against what the API acknowledged
        total_after, held_after, stored_q = db_counts(db)
        lost_rows = {
            pid: total_before.get(pid, 0) + tally.created[pid] - tally.deleted[pid] - total_after.get(pid, 0)
            for pid in {p for _, p in owners}
        }
        lost_updates = sum(
            1
            for position_id, (_, quantity) in tally.quantities.items()
            if position_id not in stored_q or float(stored_q[position_id]) != float(quantity)
        )
        # the next run takes every write in
        after = batch_run(base, staff)
        landed = {}
        with httpx.Client(base_url=base, timeout=60) as client:
            for token, pid in owners:
                body = client.get(
                    f"/api/v1/data/portfolio/{pid}/complete", headers={"Authorization": f"Bearer {token}"}
                ).json()
                landed[pid] = (body["portfolio"]["position_count"], held_after.get(pid, 0), body.get("stale"))
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs.values():
            log.close()

    writes_in_batch = sum(1 for t in tally.write_times if batch_start <= t <= batch_end)
    reads, writes = len(tally.read_ms), len(tally.write_ms)
    print(
        f"\nsoak: {args.clients} clients x {args.seconds:.0f} s ({elapsed:.1f} s), gunicorn x{args.workers}, "
        f"Celery worker x2, PostgreSQL, production settings; {len(owners)} demo portfolios; "
        f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(
        f"{len(batches)} batch run-all triggered from {batch_start:.1f} s: jobs "
        f"{[b['status'] for b in batches]} (runs {[b.get('run_status') for b in batches]}), "
        f"the last finished at {batch_end:.1f} s; {writes_in_batch} writes acknowledged while they ran"
        + "".join(f"; error: {b['error']}" for b in batches if b.get("error"))
    )
    print(f"requests: {reads} reads, {writes} writes ({(reads + writes) / elapsed:.1f} req/s)")
    print(
        f"writes acknowledged: {sum(tally.created.values())} creates, {tally.updates} updates, "
        f"{sum(tally.deleted.values())} deletes; ambiguous (no answer): {len(tally.ambiguous)}"
    )
    print(f"errors: {len(tally.errors)}")
    for line, n in Counter(tally.errors).most_common(10):
        print(f"    {n:>5}  {line}")
    print(
        f"lost writes: {sum(abs(v) for v in lost_rows.values())} rows "
        f"(per portfolio before + created - deleted - after: {sorted(lost_rows.values())}), "
        f"{lost_updates} acknowledged quantities not stored"
    )
    print(f"reads that lost their data (200 then 422): {sum(tally.flips.values())} {dict(tally.flips) or ''}")
    print(f"reads answered stale=true: {sum(tally.stale.values())} {dict(tally.stale) or ''}")
    non_200 = {k: v for k, v in tally.statuses.items() if k[1] not in (200, 201, 204)}
    print(f"non-2xx statuses: {non_200 or 'none'}")
    print(f"{'latency (ms)':<14}{'n':>7}{'p50':>9}{'p95':>9}{'p99':>9}")
    for name, values in (
        ("reads", tally.read_ms),
        ("writes", tally.write_ms),
        ("all", tally.read_ms + tally.write_ms),
    ):
        print(
            f"{name:<14}{len(values):>7}{pct(values, 50):>9.1f}{pct(values, 95):>9.1f}{pct(values, 99):>9.1f}"
        )
    print(
        f"next batch: job {after['status']} in {after['seconds']:.1f} s; aggregate position_count vs held "
        f"positions in the database, stale: {sorted(landed.values())}"
    )


if __name__ == "__main__":
    main()
