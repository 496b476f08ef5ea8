"""GET /analytics/portfolio/{id}/performance serves the batch's stored summary for period ``all``
(issue 15), and what it serves equals what the engine computes on request. (The query count of
the stored path: test_performance_api.py::test_query_count_does_not_grow_with_positions.)"""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from analytics.models import PerformanceSummary, PortfolioSnapshot
from analytics.services.snapshots import snapshots_step
from analytics.tests.api.test_performance_api import long_book, url
from marketdata.models import MacroSeries

pytestmark = pytest.mark.django_db


def computed(auth_client, portfolio, **params):  # type: ignore[no-untyped-def]
    """The response computed on request: the same GET with the stored summary set aside."""
    saved = list(PerformanceSummary.objects.filter(portfolio=portfolio))
    PerformanceSummary.objects.filter(portfolio=portfolio).delete()
    try:
        response = auth_client.get(url(portfolio.id), params)
        assert response.status_code == 200, response.content
        return response.json()
    finally:
        PerformanceSummary.objects.bulk_create(saved)


def engine():  # type: ignore[no-untyped-def]
    """performance_metrics watched: its calls count the responses computed on request."""
    from analytics.selectors import performance

    return mock.patch.object(performance, "performance_metrics", wraps=performance.performance_metrics)


def test_the_stored_summary_is_served_and_equals_the_computation(user, auth_client) -> None:
    portfolio, days = long_book(user, positions=5)
    assert not snapshots_step(as_of=days[-1], portfolio_ids=[str(portfolio.id)]).failures

    with engine() as calls:
        stored = auth_client.get(url(portfolio.id)).json()
    assert calls.call_count == 0
    recomputed = computed(auth_client, portfolio)

    assert stored == recomputed
    assert stored["risk_free_rate"] == pytest.approx(0.05) and stored["max_drawdown"] < 0
    assert stored["max_drawdown_start"] < stored["max_drawdown_end"]


def test_equal_for_an_earlier_as_of_and_a_shorter_history(user, auth_client) -> None:
    portfolio, days = long_book(user, positions=3)
    for as_of in (days[150], days[-1]):  # two batch dates: two stored summaries
        assert not snapshots_step(as_of=as_of, portfolio_ids=[str(portfolio.id)]).failures
    for as_of in (days[150], days[-1]):
        with engine() as calls:
            stored = auth_client.get(url(portfolio.id), {"as_of_date": as_of.isoformat()}).json()
        assert calls.call_count == 0
        assert stored == computed(auth_client, portfolio, as_of_date=as_of.isoformat())
        assert stored["as_of_date"] == as_of.isoformat()


def test_the_rate_of_the_last_snapshot_date_as_on_request(user, auth_client) -> None:
    portfolio, days = long_book(user, positions=2)
    MacroSeries.objects.filter(series_id="DGS3MO", date__gt=days[-20]).update(value=0.031)
    assert not snapshots_step(as_of=days[-1], portfolio_ids=[str(portfolio.id)]).failures

    with engine() as calls:
        stored = auth_client.get(url(portfolio.id)).json()

    assert calls.call_count == 0
    assert stored["risk_free_rate"] == pytest.approx(0.031)
    assert stored == computed(auth_client, portfolio)


@pytest.mark.parametrize("params", [{"period": "1y"}, {"period": "3m"}, {"benchmark": "S000"}])
def test_other_periods_and_benchmarks_are_computed(user, auth_client, params) -> None:  # type: ignore[no-untyped-def]
    portfolio, days = long_book(user, positions=2)
    assert not snapshots_step(as_of=days[-1], portfolio_ids=[str(portfolio.id)]).failures

    with engine() as calls:
        assert auth_client.get(url(portfolio.id), params).status_code == 200
    assert calls.call_count == 1


def test_a_summary_older_than_its_snapshots_or_of_an_old_version_is_not_served(user, auth_client) -> None:
    portfolio, days = long_book(user, positions=2)
    assert not snapshots_step(as_of=days[-1], portfolio_ids=[str(portfolio.id)]).failures
    later = timezone.now() + dt.timedelta(minutes=1)

    PortfolioSnapshot.objects.filter(portfolio=portfolio, date=days[-3]).update(calculated_at=later)
    with engine() as calls:
        assert auth_client.get(url(portfolio.id)).status_code == 200
    assert calls.call_count == 1

    PortfolioSnapshot.objects.filter(portfolio=portfolio).update(
        calculated_at=timezone.now() - dt.timedelta(days=1)
    )
    with engine() as calls:
        assert auth_client.get(url(portfolio.id)).status_code == 200
    assert calls.call_count == 0  # fresh again
    PerformanceSummary.objects.filter(portfolio=portfolio).update(statistics_version=0)  # before this change
    with engine() as calls:
        assert auth_client.get(url(portfolio.id)).status_code == 200
    assert calls.call_count == 1
