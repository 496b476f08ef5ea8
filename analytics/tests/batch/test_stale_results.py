"""Batch results are never deleted by a failure (issue 14, finding 2).

- A position written while a run goes (here: between the valuation and aggregation steps) is not
  part of that run: every engine reads the book as of the run's start, every endpoint stays 200
  with numbers that agree, and the position lands in the next run.
- A step that cannot compute keeps the last good result: the endpoints serve it with its own
  ``as_of_date`` and ``stale: true``, the failure is recorded on the step, and a later clean run
  clears ``stale``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings

from analytics import models as results
from analytics.batch.registry import BY_NAME
from analytics.batch.services import batch_run_create, batch_run_execute
from analytics.tests.batch.test_pipeline import _book
from portfolios.models import Position
from portfolios.tests.factories import PositionFactory

AS_OF = dt.date(2026, 11, 20)  # a Friday
EARLIER = dt.date(2026, 11, 19)  # the session before
pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _synthetic_as_of():
    with override_settings(SYNTHETIC_AS_OF=AS_OF.isoformat(), MARKET_DATA_PROVIDER="synthetic"):
        yield


def _run(as_of: dt.date, *portfolios: Any) -> results.BatchRun:
    run = batch_run_create(as_of=as_of, portfolio_ids=[str(p.id) for p in portfolios], trigger="test")
    return batch_run_execute(run=run)


def _endpoints(pid: Any) -> dict[str, tuple[str, dict[str, str]]]:
    """Every GET that serves a stored batch result of the portfolio, by the engine it reads."""
    return {
        "overview": (f"/api/v1/analytics/portfolio/{pid}/overview", {}),
        "complete": (f"/api/v1/data/portfolio/{pid}/complete", {}),
        "top": (f"/api/v1/data/positions/top/{pid}", {}),
        "details": ("/api/v1/data/positions/details", {"portfolio_id": str(pid)}),
        "greeks": (f"/api/v1/analytics/risk/{pid}/greeks", {}),
        "factors": (f"/api/v1/analytics/factors/{pid}/exposures", {}),
        "correlations": (f"/api/v1/analytics/correlation/{pid}/matrix", {}),
        "var": (f"/api/v1/analytics/risk/{pid}/var", {}),
        "scenarios": (f"/api/v1/analytics/risk/{pid}/scenarios", {}),
        "contributions": (f"/api/v1/analytics/risk/{pid}/contributions", {}),
        "risk_overview": (f"/api/v1/analytics/risk/{pid}/overview", {}),
        "performance": (f"/api/v1/analytics/portfolio/{pid}/performance", {}),
    }


#: The endpoints that serve each engine's results.
READERS = {
    "aggregation": ("overview", "complete", "top", "details"),
    "greeks": ("greeks",),
    "factors": ("factors",),
    "correlations": ("correlations",),
    "stress_tests": ("var", "scenarios", "contributions", "risk_overview"),
    "snapshots": ("performance",),
}


def _read(client: Any, pid: Any) -> dict[str, dict[str, Any]]:
    out = {}
    for name, (url, params) in _endpoints(pid).items():
        response = client.get(url, params)
        assert response.status_code == 200, (name, response.status_code, response.content[:300])
        out[name] = response.json()
    return out


def _as_of(body: dict[str, Any]) -> str:
    return str(body["as_of_date"])


def _patch_step(monkeypatch: pytest.MonkeyPatch, name: str, fn: Any) -> None:
    monkeypatch.setitem(BY_NAME, name, dataclasses.replace(BY_NAME[name], fn=fn))


def test_a_position_added_between_valuation_and_aggregation_waits_for_the_next_run(
    monkeypatch, user, auth_client
):
    # given a book run clean once
    book = _book(user)
    assert _run(AS_OF, book).status == "succeeded"
    before = _read(auth_client, book.id)

    # when a position is created through the service while the next run is between valuation and
    # aggregation (the finding's race, made deterministic)
    real_valuation = BY_NAME["valuation"].fn
    added: list[Position] = []

    def valuation_then_a_write(*, as_of, portfolio_ids):
        out = real_valuation(as_of=as_of, portfolio_ids=portfolio_ids)
        added.append(
            PositionFactory(
                portfolio=book,
                symbol="XOM",
                quantity=Decimal("30"),
                entry_price=Decimal("100"),
                entry_date=dt.date(2025, 6, 2),
            )
        )
        return out

    _patch_step(monkeypatch, "valuation", valuation_then_a_write)
    run = _run(AS_OF, book)

    # then the run succeeded on the book as of its start, and nothing was lost or marked stale
    assert added and run.status == "succeeded", run.error
    assert not run.steps.filter(status="failed").exists()
    after = _read(auth_client, book.id)
    for name, body in after.items():
        assert body["stale"] is False, name
        assert _as_of(body) == AS_OF.isoformat(), name
    # and the numbers of the engines agree with each other and with the first run (same 3 lots)
    nav = after["overview"]["total_value"]
    assert nav == before["overview"]["total_value"]
    assert after["complete"]["portfolio"]["total_value"] == nav
    assert after["complete"]["portfolio"]["position_count"] == 3
    assert after["var"]["portfolio_value"] == nav
    assert after["scenarios"]["portfolio_value"] == nav
    assert {p["symbol"] for p in after["complete"]["positions"]} == {"AAPL", "JPM", "MSFT  270115C00500000"}
    assert [p["symbol"] for p in after["var"]["by_position"]] == [
        p["symbol"] for p in before["var"]["by_position"]
    ]

    # when the next run goes (no write during it)
    monkeypatch.setitem(BY_NAME, "valuation", dataclasses.replace(BY_NAME["valuation"], fn=real_valuation))
    assert _run(AS_OF, book).status == "succeeded"

    # then the new position is in every engine's result
    last = _read(auth_client, book.id)
    assert last["complete"]["portfolio"]["position_count"] == 4
    assert "XOM" in {p["symbol"] for p in last["complete"]["positions"]}
    assert "XOM" in {p["symbol"] for p in last["var"]["by_position"]}
    xom_mv = next(p["market_value"] for p in last["complete"]["positions"] if p["symbol"] == "XOM")
    assert last["overview"]["total_value"] == pytest.approx(nav + xom_mv, abs=0.011)
    assert last["var"]["portfolio_value"] == last["overview"]["total_value"]


def test_a_failure_reported_by_a_step_on_a_rerun_keeps_the_stored_rows(user, auth_client, monkeypatch):
    # given a clean run of the date
    book = _book(user)
    assert _run(AS_OF, book).status == "succeeded"
    kept = results.PortfolioAggregate.objects.get(portfolio=book, as_of_date=AS_OF)

    # when a rerun of the date finds a held position without a valuation row at aggregation time
    # (aggregation reports a failure for the portfolio instead of raising)
    real_aggregation = BY_NAME["aggregation"].fn

    def one_valuation_lost(*, as_of, portfolio_ids):
        results.PositionValuation.objects.filter(
            portfolio=book, as_of_date=as_of, position__symbol="JPM"
        ).delete()
        return real_aggregation(as_of=as_of, portfolio_ids=portfolio_ids)

    _patch_step(monkeypatch, "aggregation", one_valuation_lost)
    run = _run(AS_OF, book)

    # then the stored aggregate of the date is kept as it was and served stale
    step = run.steps.get(engine="aggregation", portfolio_id=book.id)
    assert step.status == "failed" and "valuation missing for 1 of 3" in step.error
    again = results.PortfolioAggregate.objects.get(portfolio=book, as_of_date=AS_OF)
    assert (again.nav, again.calculated_at) == (kept.nav, kept.calculated_at)
    body = auth_client.get(f"/api/v1/analytics/portfolio/{book.id}/overview").json()
    assert body["stale"] is True and body["as_of_date"] == AS_OF.isoformat()
    assert body["total_value"] == pytest.approx(kept.nav, abs=0.005)
    # and every other endpoint still answers
    _read(auth_client, book.id)


@pytest.mark.parametrize("engine", sorted(READERS))
def test_a_step_that_raises_keeps_the_last_good_result_marked_stale_until_a_clean_run(
    engine, user, auth_client, monkeypatch
):
    # given two books with a clean run of the previous session
    book, other = _book(user), _book(user)
    assert _run(EARLIER, book, other).status == "succeeded"
    good = _read(auth_client, book.id)
    assert all(body["stale"] is False for body in good.values())

    # when the engine raises for ``book`` in the run of the next session
    real = BY_NAME[engine].fn
    scope = BY_NAME[engine].scope

    def broken(*, as_of, portfolio_ids):
        if scope == "global" or str(book.id) in portfolio_ids:
            raise RuntimeError(f"boom in {engine}")
        return real(as_of=as_of, portfolio_ids=portfolio_ids)

    _patch_step(monkeypatch, engine, broken)
    run = _run(AS_OF, book, other)

    # then the failure is recorded on the engine's step
    assert run.status == "partial"
    if scope == "global":
        step = run.steps.get(engine=engine, portfolio__isnull=True)
        assert step.status == "partial" and f"boom in {engine}" in step.error
    else:
        step = run.steps.get(engine=engine, portfolio_id=book.id)
        assert step.status == "failed" and f"boom in {engine}" in step.error
        assert run.steps.get(engine=engine, portfolio_id=other.id).status == "succeeded"
    # and every endpoint still answers; the engine's readers serve the last good result, stale,
    # with its own (older) date and the same numbers
    now = _read(auth_client, book.id)
    for name in READERS[engine]:
        assert now[name]["stale"] is True, name
        assert _as_of(now[name]) == _as_of(good[name]) == EARLIER.isoformat(), name
        assert now[name]["calculated_at"] == good[name]["calculated_at"], name
    if engine == "aggregation":
        assert now["overview"]["total_value"] == good["overview"]["total_value"]
    if engine == "stress_tests":
        assert now["var"]["var"] == good["var"]["var"]
    # the other book's results of the engine are fresh (a global engine failed for everyone)
    theirs = _read(auth_client, other.id)
    for name in READERS[engine]:
        assert theirs[name]["stale"] is (scope == "global"), name

    # when a later run is clean
    monkeypatch.setitem(BY_NAME, engine, dataclasses.replace(BY_NAME[engine], fn=real))
    assert _run(AS_OF, book, other).status == "succeeded"

    # then nothing is stale and every result is of the new date
    fresh = _read(auth_client, book.id)
    for name, body in fresh.items():
        assert body["stale"] is False, name
    for name in READERS[engine]:
        assert _as_of(fresh[name]) == AS_OF.isoformat(), name


def test_an_explicit_date_with_its_own_good_result_is_not_stale(user, auth_client, monkeypatch):
    # given a good result of EARLIER and a failed aggregation of AS_OF
    book = _book(user)
    assert _run(EARLIER, book).status == "succeeded"

    def broken(*, as_of, portfolio_ids):
        raise RuntimeError("boom")

    _patch_step(monkeypatch, "aggregation", broken)
    _run(AS_OF, book)

    # then the latest is EARLIER's, stale; asked for by its date it is that date's good result
    url = f"/api/v1/data/portfolio/{book.id}/complete"
    latest = auth_client.get(url).json()
    assert latest["as_of_date"] == EARLIER.isoformat() and latest["stale"] is True
    dated = auth_client.get(url, {"as_of_date": EARLIER.isoformat()}).json()
    assert dated["as_of_date"] == EARLIER.isoformat() and dated["stale"] is False
    assert auth_client.get(url, {"as_of_date": AS_OF.isoformat()}).status_code == 422
