"""One date policy for every date parameter (docs/api-conventions.md "Dates").

Every ``format: date`` query parameter of the schema, and the as-of dates of request bodies, accept
2000-01-01 .. today + 1 year; anything else is a 400 ``VALIDATION_ERROR`` whose ``details`` name the
field. The sweep reads the generated schema, so a new endpoint with a date parameter is covered by
itself. Before the policy, ``data-quality?as_of_date=1990-01-01`` answered 500 (the trading calendar's
ValueError) and ``attribution?start_date=0001-01-01`` 500 (an OverflowError).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from portfolios.tests.factories import PortfolioFactory
from sigmasight.api.dates import EARLIEST_QUERY_DATE, PolicyDateField, PolicyDateTimeField, latest_query_date
from sigmasight.api.params import StrictQuerySerializer
from sigmasight.tests.envelope import assert_error

pytestmark = pytest.mark.django_db


def _date_query_params() -> list[tuple[str, str]]:
    """``(path, parameter)`` of every GET query parameter with ``format: date`` in the schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        for param in (get or {}).get("parameters", []):
            fmt = param.get("schema", {}).get("format")
            if param["in"] == "query" and (fmt in ("date", "date-time") or param["name"].endswith("_date")):
                found.append((path, param["name"]))
    return sorted(found)


DATE_PARAMS = _date_query_params()


def _one_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _too_late() -> str:
    return (_one_year_after(timezone.localdate()) + dt.timedelta(days=1)).isoformat()


BAD_DATES = ["0001-01-01", "1969-12-31", "1999-12-31", "9999-12-31"]


def _url(path: str, portfolio_id: Any) -> str:
    return path.replace("{id}", str(portfolio_id))


def test_the_sweep_sees_the_known_date_parameters() -> None:
    names = {(p.rsplit("/", 2)[-2], n) for p, n in DATE_PARAMS}
    assert ("data-quality", "as_of_date") in names
    assert ("attribution", "start_date") in names and ("attribution", "end_date") in names
    assert ("commands", "since") in names
    assert len(DATE_PARAMS) >= 19, DATE_PARAMS


@pytest.mark.parametrize("path,name", DATE_PARAMS)
def test_out_of_range_query_dates_are_a_400_naming_the_field(
    path, name, user, staff_user, client_for
) -> None:
    portfolio = PortfolioFactory(owner=user)
    client = client_for(staff_user if "/system/" in path else user)
    extra = {"portfolio_id": str(portfolio.id)} if "attribution" in path else {}
    for value in [*BAD_DATES, _too_late()]:
        if name == "since":
            value = f"{value}T00:00:00Z"
        response = client.get(_url(path, portfolio.id), {name: value, **extra})
        error = assert_error(response, 400, "VALIDATION_ERROR")
        assert list(error["details"]) == [name], (path, value, error)
        assert error["message"].startswith(f"{name}: "), error
        assert "2000-01-01" in error["details"][name][0], error


@pytest.mark.parametrize("path,name", DATE_PARAMS)
def test_the_bounds_themselves_are_accepted(path, name, user, staff_user, client_for) -> None:
    portfolio = PortfolioFactory(owner=user)
    client = client_for(staff_user if "/system/" in path else user)
    extra = {"portfolio_id": str(portfolio.id)} if "attribution" in path else {}
    for value in ("2000-01-01", _one_year_after(timezone.localdate()).isoformat()):
        if name == "since":
            value = f"{value}T00:00:00Z"
        if "attribution" in path:  # attribution also refuses the future; the floor is the point here
            response = client.get(_url(path, portfolio.id), {"start_date": "2000-01-01", **extra})
        else:
            response = client.get(_url(path, portfolio.id), {name: value, **extra})
        assert response.status_code != 500, (path, value, response.content[:300])
        if response.status_code == 400:
            assert name not in response.json()["error"]["details"], (path, value, response.json())


def test_data_quality_far_dates_were_a_500(user, auth_client) -> None:
    portfolio = PortfolioFactory(owner=user)
    for value in ("1990-01-01", "2045-01-01"):
        response = auth_client.get(
            f"/api/v1/data/portfolio/{portfolio.id}/data-quality", {"as_of_date": value}
        )
        assert_error(response, 400, "VALIDATION_ERROR")


def test_attribution_year_one_was_a_500(user, auth_client) -> None:
    portfolio = PortfolioFactory(owner=user)
    response = auth_client.get(
        "/api/v1/analytics/positions/attribution",
        {"portfolio_id": str(portfolio.id), "start_date": "0001-01-01"},
    )
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert "start_date" in error["details"]


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("post", "/api/v1/analytics/risk/{id}/scenarios/custom", {"shocks": {"Market": -0.1}}),
        ("post", "/api/v1/analytics/risk/greeks/calculate", {"positions": []}),
    ],
)
def test_as_of_dates_in_bodies_follow_the_policy(method, path, body, user, auth_client) -> None:
    portfolio = PortfolioFactory(owner=user)
    for value in ("0001-01-01", "1999-12-31", _too_late()):
        response = getattr(auth_client, method)(
            _url(path, portfolio.id), {**body, "as_of_date": value}, format="json"
        )
        error = assert_error(response, 400, "VALIDATION_ERROR")
        assert "as_of_date" in error["details"], error


def test_batch_trigger_as_of_date_follows_the_policy(staff_user, client_for) -> None:
    response = client_for(staff_user).post(
        "/api/v1/system/batch/run-all", {"as_of_date": "0001-01-01"}, format="json"
    )
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert "as_of_date" in error["details"], error


def _query_serializers() -> list[type[serializers.Serializer]]:
    import analytics.api.urls  # noqa: F401  (imports every view module, hence every query serializer)
    import sigmasight.urls  # noqa: F401

    seen: list[type[serializers.Serializer]] = []
    stack = [StrictQuerySerializer]
    while stack:
        cls = stack.pop()
        seen.append(cls)
        stack.extend(cls.__subclasses__())
    return seen


def test_every_query_serializer_uses_the_policy_field() -> None:
    """A plain DateField/DateTimeField in a query serializer would skip the range check."""
    offenders = []
    for cls in _query_serializers():
        for name, field in cls().fields.items():
            if isinstance(field, (serializers.DateField, serializers.DateTimeField)) and not isinstance(
                field, (PolicyDateField, PolicyDateTimeField)
            ):
                offenders.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert not offenders, offenders


def test_the_policy_bounds() -> None:
    assert EARLIEST_QUERY_DATE == dt.date(2000, 1, 1)
    assert latest_query_date(dt.date(2026, 12, 1)) == dt.date(2027, 12, 1)
    assert latest_query_date(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)
