"""GET /management/alerts, GET|POST /management/alerts/rules, GET|PATCH|DELETE /management/alerts/rules/{id}."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.models import Alert, AlertRule
from analytics.tests.alerts.test_alerts_services import AS_OF, NEXT, aggregate, evaluate, option, rule
from portfolios.tests.factories import PortfolioFactory
from sigmasight.tests.envelope import assert_error, assert_timestamp

ALERTS = "/api/v1/management/alerts"
RULES = "/api/v1/management/alerts/rules"
ALERT_FIELDS = {
    "id",
    "portfolio_id",
    "rule_id",
    "rule_name",
    "kind",
    "priority",
    "metric",
    "operator",
    "value",
    "threshold",
    "unit",
    "message",
    "position_id",
    "symbol",
    "as_of_date",
    "triggered_at",
    "is_resolved",
    "resolved_at",
    "resolved_as_of_date",
    "resolved_value",
    "resolution",
}
RULE_FIELDS = {
    "id",
    "name",
    "portfolio_id",
    "metric",
    "operator",
    "threshold",
    "unit",
    "priority",
    "is_active",
    "open_alert_count",
    "created_at",
    "updated_at",
}


@pytest.fixture
def portfolio(user):  # type: ignore[no-untyped-def]
    return PortfolioFactory(owner=user)


@pytest.fixture
def alerts(portfolio):  # type: ignore[no-untyped-def]
    """A resolved high-priority rule alert (raised on AS_OF, resolved on NEXT), an open low-priority
    rule alert and an open expiration alert (medium)."""
    rule(portfolio, "gross_exposure", "gt", 100_000.0, priority="high", name="Gross cap")
    rule(portfolio, "net_exposure", "lt", 0.0, priority="low", name="Net short")
    option(portfolio, expiry=NEXT + dt.timedelta(days=5))
    aggregate(portfolio, gross=150_000.0, net=10_000.0)
    evaluate(portfolio)
    aggregate(portfolio, NEXT, gross=50_000.0, net=-5_000.0)
    evaluate(portfolio, as_of=NEXT)
    return portfolio


def body(portfolio, **overrides):  # type: ignore[no-untyped-def]
    data = {
        "name": "Gross above 1.5M",
        "portfolio_id": str(portfolio.id),
        "metric": "gross_exposure",
        "operator": "gt",
        "threshold": 1_500_000,
        "priority": "high",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.django_db
class TestAlertList:
    def test_fields_and_unresolved_first(self, auth_client, alerts) -> None:  # type: ignore[no-untyped-def]
        response = auth_client.get(ALERTS)

        assert response.status_code == 200, response.content
        page = response.json()
        assert set(page) == {"count", "next", "previous", "results"}
        assert page["count"] == 3
        rows = page["results"]
        for row in rows:
            assert set(row) == ALERT_FIELDS
            assert_timestamp(row["triggered_at"])
        assert [r["is_resolved"] for r in rows] == [False, False, True]
        resolved = rows[-1]
        assert resolved["rule_name"] == "Gross cap"
        assert (resolved["value"], resolved["threshold"], resolved["resolved_value"]) == (
            150_000.0,
            100_000.0,
            50_000.0,
        )
        assert resolved["as_of_date"] == AS_OF.isoformat()
        assert resolved["resolved_as_of_date"] == NEXT.isoformat()
        assert_timestamp(resolved["resolved_at"])
        assert resolved["unit"].startswith("USD")
        expiration = next(r for r in rows if r["kind"] == "expiration")
        assert expiration["rule_id"] is None and expiration["position_id"] and expiration["symbol"]
        assert expiration["value"] == 6.0  # raised on AS_OF, expiring NEXT + 5 days

    def test_priority_filter(self, auth_client, alerts) -> None:  # type: ignore[no-untyped-def]
        rows = auth_client.get(ALERTS, {"priority": "high"}).json()["results"]

        assert [r["rule_name"] for r in rows] == ["Gross cap"]

    def test_status_and_kind_filters(self, auth_client, alerts) -> None:  # type: ignore[no-untyped-def]
        assert auth_client.get(ALERTS, {"status": "open"}).json()["count"] == 2
        assert auth_client.get(ALERTS, {"status": "resolved"}).json()["count"] == 1
        assert auth_client.get(ALERTS, {"kind": "expiration"}).json()["count"] == 1

    def test_portfolio_filter(self, auth_client, alerts, user) -> None:  # type: ignore[no-untyped-def]
        assert auth_client.get(ALERTS, {"portfolio_id": str(alerts.id)}).json()["count"] == 3
        assert (
            auth_client.get(ALERTS, {"portfolio_id": str(PortfolioFactory(owner=user).id)}).json()["count"]
            == 0
        )

    def test_only_your_alerts(self, client_for, other_user, alerts) -> None:  # type: ignore[no-untyped-def]
        assert client_for(other_user).get(ALERTS).json()["count"] == 0

    def test_401_without_token(self, api_client) -> None:  # type: ignore[no-untyped-def]
        assert_error(api_client.get(ALERTS), 401, "NOT_AUTHENTICATED")

    def test_404_for_another_users_portfolio(self, auth_client, other_user) -> None:  # type: ignore[no-untyped-def]
        theirs = PortfolioFactory(owner=other_user)

        assert_error(auth_client.get(ALERTS, {"portfolio_id": str(theirs.id)}), 404, "NOT_FOUND")

    @pytest.mark.parametrize(
        ("params", "name"),
        [
            ({"priority": "urgent"}, "priority"),
            ({"status": "closed"}, "status"),
            ({"kind": "other"}, "kind"),
            ({"portfolio_id": "123"}, "portfolio_id"),
            ({"limit": "x"}, "limit"),
            ({"severity": "high"}, "severity"),
        ],
    )
    def test_400_names_the_parameter(self, auth_client, params, name) -> None:  # type: ignore[no-untyped-def]
        error = assert_error(auth_client.get(ALERTS, params), 400, "VALIDATION_ERROR")
        assert name in error["details"], error

    def test_queries_do_not_grow_with_positions(self, auth_client, user) -> None:  # type: ignore[no-untyped-def]
        counts = []
        for n in (10, 60):
            portfolio = PortfolioFactory(owner=user)
            for i in range(n):
                option(portfolio, expiry=AS_OF + dt.timedelta(days=i % 8), symbol=f"XYZ{i}")
            rule(portfolio, "days_to_expiry", "lt", 30.0)
            evaluate(portfolio)
            with CaptureQueriesContext(connection) as ctx:
                response = auth_client.get(ALERTS, {"portfolio_id": str(portfolio.id), "limit": 500})
            assert response.status_code == 200
            assert response.json()["count"] == n + 1
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1], counts


@pytest.mark.django_db
class TestRuleCreate:
    def test_creates_a_rule(self, auth_client, portfolio, user) -> None:  # type: ignore[no-untyped-def]
        response = auth_client.post(RULES, body(portfolio), format="json")

        assert response.status_code == 201, response.content
        row = response.json()
        assert set(row) == RULE_FIELDS
        assert row["portfolio_id"] == str(portfolio.id)
        assert (row["metric"], row["operator"], row["threshold"], row["priority"]) == (
            "gross_exposure",
            "gt",
            1_500_000.0,
            "high",
        )
        assert row["is_active"] is True and row["open_alert_count"] == 0
        assert_timestamp(row["created_at"])
        assert AlertRule.objects.get(pk=row["id"]).owner == user

    def test_priority_defaults_to_medium(self, auth_client, portfolio) -> None:  # type: ignore[no-untyped-def]
        response = auth_client.post(RULES + "/", body(portfolio, priority=None), format="json")

        assert response.status_code == 201, response.content
        assert response.json()["priority"] == "medium"

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"metric": "sharpe"}, "metric"),
            ({"operator": "gte"}, "operator"),
            ({"priority": "urgent"}, "priority"),
            ({"threshold": "1000"}, "threshold"),
            ({"threshold": True}, "threshold"),
            ({"threshold": None}, "threshold"),
            ({"metric": "concentration", "threshold": 25}, "threshold"),
            ({"metric": "drawdown", "threshold": 0.1}, "threshold"),
            ({"metric": "var_1d_95", "threshold": -100}, "threshold"),
            ({"name": ""}, "name"),
            ({"name": None}, "name"),
            ({"name": "x" * 121}, "name"),
            ({"portfolio_id": "not-a-uuid"}, "portfolio_id"),
            ({"portfolio_id": None}, "portfolio_id"),
            ({"colour": "red"}, "colour"),
            ({"is_active": "maybe"}, "is_active"),
        ],
    )
    def test_400_names_the_field(self, auth_client, portfolio, overrides, field) -> None:  # type: ignore[no-untyped-def]
        error = assert_error(
            auth_client.post(RULES, body(portfolio, **overrides), format="json"), 400, "VALIDATION_ERROR"
        )

        assert field in error["details"], error
        assert not AlertRule.objects.exists()

    def test_404_for_another_users_portfolio(self, auth_client, other_user) -> None:  # type: ignore[no-untyped-def]
        theirs = PortfolioFactory(owner=other_user)

        assert_error(auth_client.post(RULES, body(theirs), format="json"), 404, "NOT_FOUND")
        assert not AlertRule.objects.exists()

    def test_401_without_token(self, api_client, portfolio) -> None:  # type: ignore[no-untyped-def]
        assert_error(api_client.post(RULES, body(portfolio), format="json"), 401, "NOT_AUTHENTICATED")


@pytest.mark.django_db
class TestRuleListAndDetail:
    def test_lists_your_rules_with_open_alert_counts(self, auth_client, alerts, other_user) -> None:  # type: ignore[no-untyped-def]
        rule(PortfolioFactory(owner=other_user), "gross_exposure", "gt", 1.0)

        page = auth_client.get(RULES).json()

        assert page["count"] == 2
        counts = {r["name"]: r["open_alert_count"] for r in page["results"]}
        assert counts == {"Gross cap": 0, "Net short": 1}
        assert all(set(r) == RULE_FIELDS for r in page["results"])

    def test_list_filters_and_validates(self, auth_client, alerts, user, other_user) -> None:  # type: ignore[no-untyped-def]
        assert (
            auth_client.get(RULES, {"portfolio_id": str(PortfolioFactory(owner=user).id)}).json()["count"]
            == 0
        )
        theirs = PortfolioFactory(owner=other_user)
        assert_error(auth_client.get(RULES, {"portfolio_id": str(theirs.id)}), 404, "NOT_FOUND")
        assert "metric" in assert_error(auth_client.get(RULES, {"metric": "x"}), 400)["details"]

    def test_get_one(self, auth_client, portfolio) -> None:  # type: ignore[no-untyped-def]
        mine = rule(portfolio, "drawdown", "lt", -0.1)

        response = auth_client.get(f"{RULES}/{mine.id}")

        assert response.status_code == 200
        assert response.json()["threshold"] == -0.1

    def test_patch_changes_the_condition_and_resolves_the_open_alert(self, auth_client, alerts) -> None:  # type: ignore[no-untyped-def]
        net = AlertRule.objects.get(name="Net short")

        response = auth_client.patch(f"{RULES}/{net.id}", {"threshold": -10_000}, format="json")

        assert response.status_code == 200, response.content
        assert response.json()["threshold"] == -10_000.0
        assert response.json()["open_alert_count"] == 0
        assert Alert.objects.get(rule=net).resolution.startswith("Rule changed")

    def test_patch_validates_against_the_stored_metric(self, auth_client, portfolio) -> None:  # type: ignore[no-untyped-def]
        mine = rule(portfolio, "concentration", "gt", 0.3)

        error = assert_error(auth_client.patch(f"{RULES}/{mine.id}", {"threshold": 30}, format="json"), 400)

        assert "threshold" in error["details"]

    def test_patch_deactivates(self, auth_client, portfolio) -> None:  # type: ignore[no-untyped-def]
        mine = rule(portfolio, "gross_exposure", "gt", 1.0)

        response = auth_client.patch(f"{RULES}/{mine.id}", {"is_active": False}, format="json")

        assert response.status_code == 200 and response.json()["is_active"] is False

    def test_delete_removes_the_rule_and_its_alerts(self, auth_client, alerts) -> None:  # type: ignore[no-untyped-def]
        gross = AlertRule.objects.get(name="Gross cap")

        response = auth_client.delete(f"{RULES}/{gross.id}")

        assert response.status_code == 204
        assert not AlertRule.objects.filter(pk=gross.pk).exists()
        assert not Alert.objects.filter(rule_id=gross.pk).exists()
        assert Alert.objects.count() == 2

    @pytest.mark.parametrize("method", ["get", "patch", "delete"])
    def test_404_for_another_users_rule(self, client_for, other_user, alerts, method) -> None:  # type: ignore[no-untyped-def]
        gross = AlertRule.objects.get(name="Gross cap")

        response = getattr(client_for(other_user), method)(f"{RULES}/{gross.id}", {}, format="json")

        assert_error(response, 404, "NOT_FOUND")
        assert b"Gross cap" not in response.content
        assert AlertRule.objects.get(pk=gross.pk).threshold == 100_000.0

    def test_401_without_token(self, api_client, portfolio) -> None:  # type: ignore[no-untyped-def]
        mine = rule(portfolio, "gross_exposure", "gt", 1.0)

        assert_error(api_client.get(RULES), 401, "NOT_AUTHENTICATED")
        assert_error(api_client.delete(f"{RULES}/{mine.id}"), 401, "NOT_AUTHENTICATED")
