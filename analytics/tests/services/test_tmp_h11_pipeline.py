import datetime as dt
from decimal import Decimal
import time

import pytest

from analytics.batch.services import batch_run_create, batch_run_execute
from analytics.models import BatchStep, CorrelationResult, PortfolioFactorExposure, SymbolFactorExposure
from marketdata.models import MacroSeries, Security
from marketdata.providers.synthetic import SyntheticProvider
from marketdata.services import bars_upsert
from portfolios.tests.factories import PortfolioFactory, PositionFactory

AS_OF = dt.date(2024, 6, 28)


@pytest.mark.django_db
def test_pipeline(client_for, user):
    provider = SyntheticProvider(as_of=AS_OF, seed=42)
    stocks = ["AAPL", "XOM", "JPM", "MSFT", "NVDA"]
    occ = "AAPL  241220C00250000"
    start = dt.date(2023, 1, 3)
    bars_upsert(bars=provider.history(["SPY", "VTV", "VUG", "MTUM", "QUAL", "IWM", "USMV", "USO", "EWG", *stocks, occ], start, AS_OF).bars)
    for sid in ("DGS10", "DGS3MO"):
        MacroSeries.objects.bulk_create([MacroSeries(series_id=sid, date=d, value=float(v), source="synthetic") for d, v in provider.series(sid, start, AS_OF).items()])
    for s in stocks:
        Security.objects.create(symbol=s, sector="Tech" if s in ("AAPL", "MSFT", "NVDA") else "Other")
    p = PortfolioFactory(owner=user, cash_balance=Decimal("10000"))
    for s in stocks:
        PositionFactory(portfolio=p, symbol=s, quantity=Decimal("100"), entry_price=Decimal("100"), entry_date=dt.date(2024, 1, 2))
    PositionFactory(portfolio=p, symbol=occ, position_type="LC", quantity=Decimal("5"), multiplier=100, entry_price=Decimal("10"),
                    entry_date=dt.date(2024, 1, 2), underlying_symbol="AAPL", option_type="call", strike_price=Decimal("250"),
                    expiration_date=dt.date(2024, 12, 20))
    run = batch_run_create(as_of=AS_OF, engines=["valuation", "aggregation", "greeks", "factors", "correlations"], portfolio_ids=[p.id])
    t = time.perf_counter()
    run = batch_run_execute(run=run)
    print("status", run.status, run.error, time.perf_counter() - t)
    for step in BatchStep.objects.filter(run=run):
        print(step.engine, step.status, step.error, step.counts)
    c = client_for(user)
    for url in [f"/api/v1/analytics/factors/{p.id}/exposures?view=positions", "/api/v1/analytics/factors/correlations",
                f"/api/v1/analytics/correlation/{p.id}/matrix", "/api/v1/analytics/factors/definitions",
                "/api/v1/analytics/factors/correlations?lookback_days=120", f"/api/v1/analytics/correlation/{p.id}/matrix?lookback_days=60"]:
        r = c.get(url)
        print(url, r.status_code, r.content[:1500])
    assert run.status == "succeeded"
