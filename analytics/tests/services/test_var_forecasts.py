"""Stored VaR forecasts (analytics.services.var_forecasts) and the backtest that reads them.

On the hand-made market of ``analytics.tests.risk_book`` with a book of stocks and options run
through the real pipeline (valuation, aggregation, stress_tests, snapshots, var_forecasts):

- the stored forecast of a day is the VaR the batch computed that day (RiskMetrics), whether the
  row was copied by that day's run or backfilled later for a past day;
- the nightly run adds one row per method x confidence; the backfill is idempotent;
- the realized P&L is NAV_t - NAV_t-1 - flow_t from the snapshots: a new position's cost and a cash
  deposit are not P&L (hand-computed from the stored closes);
- a tested day without a stored forecast is a 422 naming the backfill command.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from scipy.stats import binom, chi2

from analytics.batch.services import batch_run_create, batch_run_execute
from analytics.models import RiskMetrics, VarForecast
from analytics.services.var_forecasts import var_forecasts_backfill
from analytics.tests.risk_book import AS_OF, Leg, make_book, market_with_betas
from sigmasight.tests.envelope import assert_error

pytestmark = pytest.mark.django_db

PIPELINE = ["valuation", "aggregation", "stress_tests", "snapshots", "var_forecasts"]
LEGS = [
    Leg("AAA", 100),
    Leg("BBB", -200),
    Leg("CCC", 30),
    Leg("AAA", 2, strike=95, call=False),
    Leg("AAA", -1, strike=110, call=True),
]
KEYS = {("historical", 0.95), ("historical", 0.99), ("parametric", 0.95), ("parametric", 0.99)}


@pytest.fixture(scope="module")
def market(module_db):  # type: ignore[no-untyped-def]
    return module_db(market_with_betas)


def run(portfolio, as_of: dt.date, engines: list[str] = PIPELINE) -> None:  # type: ignore[no-untyped-def]
    done = batch_run_execute(run=batch_run_create(as_of=as_of, engines=engines, portfolio_ids=[portfolio.id]))
    assert done.status == "succeeded", list(done.steps.values_list("engine", "errors"))


def batch_var(portfolio, date: dt.date) -> dict[tuple[str, float], float]:  # type: ignore[no-untyped-def]
    metrics = RiskMetrics.objects.get(portfolio=portfolio, as_of_date=date, view="portfolio").metrics
    return {
        (m, c): metrics["var"][m]["h1"][k]["var"]
        for m in ("historical", "parametric")
        for c, k in ((0.95, "c95"), (0.99, "c99"))
    }


def stored(portfolio, date: dt.date) -> dict[tuple[str, float], VarForecast]:  # type: ignore[no-untyped-def]
    return {(f.method, f.confidence): f for f in VarForecast.objects.filter(portfolio=portfolio, date=date)}


class TestForecastIsTheBatchVaR:
    def test_nightly_and_backfilled_rows_equal_the_batch_var_of_the_day(self, market, settings) -> None:
        settings.VAR_BACKFILL_MAX_DAYS = 3
        portfolio = make_book(market, LEGS, cash=20_000, with_valuations=False)
        d1, d2 = market.dates[-3], market.dates[-1]
        # given: the batch ran on d1 (first run: backfills 3 days before it) and on d2
        run(portfolio, d1)
        run(portfolio, d2)
        for day in (d1, d2):
            rows, expected = stored(portfolio, day), batch_var(portfolio, day)
            assert set(rows) == KEYS and {r.source for r in rows.values()} == {"batch"}
            assert {k: r.value for k, r in rows.items()} == expected  # the batch's own numbers
            assert all(r.inputs_as_of == day and r.horizon_days == 1 for r in rows.values())
        # when: the history is rebuilt from scratch by the backfill (the batch's functions, in-process)
        VarForecast.objects.filter(portfolio=portfolio).delete()
        result = var_forecasts_backfill(portfolio_ids=[str(portfolio.id)], as_of=d2, max_days=3)
        assert result.failures == {} and result.counts == {"days": 3, "forecasts": 12}
        # then: each day's recomputed VaR is the one the batch computed that day
        for day in (d1, d2):
            rows = stored(portfolio, day)
            assert {r.source for r in rows.values()} == {"backfill"}
            for key, value in batch_var(portfolio, day).items():
                assert rows[key].value == pytest.approx(value, rel=1e-12)
                assert rows[key].value > 0
            assert rows["historical", 0.99].observations == 500  # the full window of returns
        assert (
            stored(portfolio, d1)["historical", 0.99].value != stored(portfolio, d2)["historical", 0.99].value
        )

    def test_first_run_backfills_then_each_night_adds_one_row_per_method_and_confidence(
        self, market, settings
    ) -> None:
        settings.VAR_BACKFILL_MAX_DAYS = 4
        portfolio = make_book(market, LEGS, cash=20_000, with_valuations=False)
        run(portfolio, market.dates[-2])
        first = VarForecast.objects.filter(portfolio=portfolio)
        assert first.count() == 5 * 4  # the day and the 4 snapshot days before it
        assert first.filter(source="backfill").count() == 16
        run(portfolio, market.dates[-1])
        new = VarForecast.objects.filter(portfolio=portfolio, date=market.dates[-1])
        assert VarForecast.objects.filter(portfolio=portfolio).count() == 24
        assert {(f.method, f.confidence) for f in new} == KEYS and new.count() == 4
        run(portfolio, market.dates[-1])  # a rerun of the night changes nothing
        assert VarForecast.objects.filter(portfolio=portfolio).count() == 24

    def test_backfill_is_idempotent(self, market) -> None:
        portfolio = make_book(market, LEGS, with_valuations=False)
        run(portfolio, AS_OF, ["valuation", "aggregation", "snapshots"])
        ids = [str(portfolio.id)]
        first = var_forecasts_backfill(portfolio_ids=ids, as_of=AS_OF, max_days=6)
        before = sorted(
            VarForecast.objects.filter(portfolio=portfolio).values_list(
                "date", "method", "confidence", "value"
            )
        )
        again = var_forecasts_backfill(portfolio_ids=ids, as_of=AS_OF, max_days=6)
        assert first.counts["forecasts"] == 24 and again.counts == {"days": 0, "forecasts": 0}
        redo = var_forecasts_backfill(portfolio_ids=ids, as_of=AS_OF, max_days=6, recompute=True)
        assert redo.counts["forecasts"] == 24
        after = sorted(
            VarForecast.objects.filter(portfolio=portfolio).values_list(
                "date", "method", "confidence", "value"
            )
        )
        assert after == before and len(after) == 24

    def test_zero_days_backfills_nothing(self, market, settings) -> None:
        settings.VAR_BACKFILL_MAX_DAYS = 0  # e.g. a benchmark of the nightly cost alone
        portfolio = make_book(market, LEGS, with_valuations=False)
        run(portfolio, AS_OF)
        assert set(VarForecast.objects.filter(portfolio=portfolio).values_list("date", flat=True)) == {AS_OF}

    def test_command_backfills_the_history(self, market) -> None:
        portfolio = make_book(market, LEGS, with_valuations=False)
        run(portfolio, AS_OF, ["valuation", "aggregation", "snapshots"])
        out = io.StringIO()
        call_command("backfill_var_forecasts", "--portfolio", str(portfolio.id), "--days", "3", stdout=out)
        assert "3 days, 12 forecasts written" in out.getvalue()
        assert VarForecast.objects.filter(portfolio=portfolio).count() == 12


def backtest(client, portfolio, **params):  # type: ignore[no-untyped-def]
    return client.get(f"/api/v1/analytics/risk/{portfolio.id}/backtest", params)


class TestBacktestEndpoint:
    def test_flows_are_not_pnl(self, market, settings, auth_client, user) -> None:
        settings.VAR_BACKFILL_MAX_DAYS = 12
        opened = market.dates[-4]
        legs = [*LEGS[:3], Leg("TLT", 50, entry_date=opened)]  # a position opened inside the tested days
        portfolio = make_book(market, legs, owner=user, cash=20_000, with_valuations=False)
        run(portfolio, AS_OF)
        body = backtest(auth_client, portfolio, days=10, method="parametric", confidence=0.95).json()
        assert body["observations"] == 10 and len(body["series"]) == 10
        closes = market.prices
        pnl = {s["date"]: s["pnl"] for s in body["series"]}
        for j in range(-10, 0):
            day, prev = market.dates[j], market.dates[j - 1]
            held = [(leg.symbol, leg.quantity) for leg in legs if leg.entry_date <= prev]
            hand = sum(q * (closes[s][day] - closes[s][prev]) for s, q in held)
            if day == opened:  # bought at its entry price (10) at the start of the day: only its move counts
                hand += 50 * (closes["TLT"][day] - 10.0)
            assert pnl[day.isoformat()] == pytest.approx(hand, abs=0.011), day
        # a cash deposit moves the NAV of every snapshot, not the P&L nor the VaR
        portfolio.cash_balance += Decimal("1000000")
        portfolio.save()
        run(portfolio, AS_OF)
        after = backtest(auth_client, portfolio, days=10, method="parametric", confidence=0.95).json()
        assert [s["pnl"] for s in after["series"]] == [s["pnl"] for s in body["series"]]
        assert [s["var"] for s in after["series"]] == [s["var"] for s in body["series"]]
        assert after["portfolio_value"] == pytest.approx(body["portfolio_value"] + 1_000_000, abs=0.01)

    def test_statistics_of_the_stored_series(self, market, settings, auth_client, user) -> None:
        settings.VAR_BACKFILL_MAX_DAYS = 30
        portfolio = make_book(market, LEGS, owner=user, cash=20_000, with_valuations=False)
        run(portfolio, AS_OF)
        response = backtest(auth_client, portfolio, days=25, method="historical", confidence=0.95)
        assert response.status_code == 200, response.content
        body = response.json()
        series = body["series"]
        assert (
            series[-1]["date"] == AS_OF.isoformat()
            and series[-1]["forecast_date"] == market.dates[-2].isoformat()
        )
        forecasts = {
            f.date.isoformat(): f.value
            for f in VarForecast.objects.filter(portfolio=portfolio, method="historical", confidence=0.95)
        }
        for s in series:  # each day is tested against the forecast of the day before
            assert s["var"] == pytest.approx(forecasts[s["forecast_date"]], abs=0.006)
        exceptions = [s["date"] for s in series if s["pnl"] < -s["var"]]
        assert body["exception_dates"] == exceptions and body["exceptions"] == len(exceptions)
        n, x, p = 25, len(exceptions), 0.05
        lr = 2 * (binom.logpmf(x, n, x / n) - binom.logpmf(x, n, p))
        assert body["kupiec"]["statistic"] == pytest.approx(lr, abs=1e-5)
        assert body["kupiec"]["p_value"] == pytest.approx(chi2.sf(lr, 1), abs=1e-5)
        window = body["traffic_light_window"]
        assert window["observations"] == 30 and window["end_date"] == AS_OF.isoformat()  # all 30 stored days

    def test_missing_history_is_a_422_naming_the_backfill(self, market, auth_client, user) -> None:
        portfolio = make_book(market, LEGS, owner=user, with_valuations=False)
        run(portfolio, AS_OF)  # the test settings backfill only 5 days
        error = assert_error(backtest(auth_client, portfolio, days=20), 422, "INSUFFICIENT_DATA")
        details = error["details"]
        assert details["forecasts_missing"] == 15 and details["tested_days_available"] == 20
        assert details["how_to_fix"] == f"manage.py backfill_var_forecasts --portfolio {portfolio.id}"
        call_command(
            "backfill_var_forecasts", "--portfolio", str(portfolio.id), "--days", "21", stdout=io.StringIO()
        )
        assert backtest(auth_client, portfolio, days=20).status_code == 200
