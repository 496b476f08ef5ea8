import datetime as dt
import time
import uuid
from decimal import Decimal

import pytest

from analytics.models import PositionValuation
from analytics.services.correlations import correlations_step
from analytics.services.factors import factors_step
from analytics.tests.factor_book import AS_OF, aggregate, factor_market
from portfolios.models import Portfolio, Position
from accounts.tests.factories import UserFactory
import numpy as np


@pytest.mark.django_db
def test_bench():
    symbols = [f"S{i:03d}" for i in range(500)]
    t = time.perf_counter()
    factor_market(stocks=symbols, n_days=300)
    print("market", time.perf_counter() - t)
    owner = UserFactory()
    rng = np.random.default_rng(0)
    ports = [Portfolio(owner=owner, name=f"p{i}") for i in range(1000)]
    Portfolio.objects.bulk_create(ports)
    positions, vals = [], []
    for p in ports:
        for s in rng.choice(symbols, 30, replace=False):
            pos = Position(id=uuid.uuid4(), portfolio=p, symbol=s, position_type="LONG", quantity=Decimal(100), multiplier=1, entry_price=Decimal(10), entry_date=dt.date(2024, 1, 2))
            positions.append(pos)
            vals.append(PositionValuation(position=pos, portfolio=p, as_of_date=AS_OF, cost_basis=1.0, delta_adjusted_exposure=float(rng.normal(20000, 5000))))
    Position.objects.bulk_create(positions, batch_size=5000)
    PositionValuation.objects.bulk_create(vals, batch_size=5000)
    for p in ports:
        aggregate(p, 700_000.0)
    ids = [str(p.id) for p in ports]
    t = time.perf_counter()
    r = factors_step(as_of=AS_OF, portfolio_ids=ids)
    print("factors_step", time.perf_counter() - t, r.counts)
    t = time.perf_counter()
    for i in range(0, 1000, 50):
        correlations_step(as_of=AS_OF, portfolio_ids=ids[i:i+50])
    print("correlations 20 chunks", time.perf_counter() - t)
    from analytics.selectors.correlations import portfolio_correlations_compute, correlation_payload
    from analytics.services.correlations import correlation_results_save
    from analytics.models import CorrelationResult
    tc = tp = ts = 0.0
    for i in range(0, 1000, 50):
        t0 = time.perf_counter()
        comp = portfolio_correlations_compute(portfolio_ids=ids[i:i+50], as_of=AS_OF)
        t1 = time.perf_counter()
        rows = [CorrelationResult(portfolio_id=pid, as_of_date=AS_OF, lookback_days=90, min_overlap=30, **correlation_payload(r)) for pid, r in comp.results.items()]
        t2 = time.perf_counter()
        correlation_results_save(as_of=AS_OF, rows=rows, failed_ids=[])
        t3 = time.perf_counter()
        tc += t1 - t0; tp += t2 - t1; ts += t3 - t2
    print("compute", tc, "payload", tp, "save", ts)
