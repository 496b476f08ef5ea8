"""The MCP tools through the SDK's own client, in-process (memory streams, and the modern direct
path): initialize, list the tools, call each one; the results equal the REST API's for the same
portfolio (the batched book of exports.tests.book), trimmed only by the documented limits.

The async client runs under ``async_to_sync``, so the tools' thread-sensitive ORM calls come back
to the test's thread and see its transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from mcp import Client

from agents import tools
from agents.server import build_server, current_principal
from agents.tools import Principal
from exports.tests.book import Book, batched_book
from portfolios.tests.factories import PortfolioFactory
from sigmasight.system.models import UICommand


@pytest.fixture(scope="module")
def book(module_db) -> Book:  # type: ignore[no-untyped-def]
    return module_db(batched_book)


def run_client(principal: Principal, body: Callable[[Client], Awaitable[Any]], mode: str = "legacy") -> Any:
    """Runs ``body(client)`` against an in-process server serving ``principal``."""

    async def main() -> Any:
        async with Client(build_server(), mode=mode) as client:
            return await body(client)

    token = current_principal.set(principal)
    try:
        return async_to_sync(main)()
    finally:
        current_principal.reset(token)


def call(principal: Principal, name: str, arguments: dict[str, Any] | None = None) -> Any:
    return run_client(principal, lambda c: c.call_tool(name, arguments or {}))


def rest(client: Any, url: str, body: Any = None) -> Any:
    response = client.post(url, body, format="json") if body is not None else client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def _drop(body: dict[str, Any], *fields: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in fields}


@pytest.mark.django_db
class TestProtocol:
    def test_initialize_and_list_tools(self, user):
        def body(client: Client) -> Any:
            return client.list_tools()

        listed = run_client(Principal(user=user), body)
        names = {tool.name for tool in listed.tools}
        assert names == set(tools.TOOLS)
        for tool in listed.tools:
            assert tool.input_schema["type"] == "object"
            assert tool.description and len(tool.description) > 40

    def test_the_modern_in_process_path_lists_and_calls_too(self, user):
        PortfolioFactory(owner=user, name="Modern")

        async def body(client: Client) -> Any:
            return (await client.list_tools(), await client.call_tool("list_portfolios", {}))

        listed, result = run_client(Principal(user=user), body, mode="auto")
        assert len(listed.tools) == len(tools.TOOLS)
        assert result.structured_content["portfolios"][0]["name"] == "Modern"

    def test_unknown_argument_is_a_validation_error(self, user):
        result = call(Principal(user=user), "list_portfolios", {"bogus": 1})
        assert result.is_error
        assert result.structured_content["error"]["code"] == "VALIDATION_ERROR"
        assert "bogus" in result.structured_content["error"]["details"]


@pytest.mark.django_db
class TestToolsEqualTheRestApi:
    def test_list_portfolios(self, book, client_for):
        result = call(Principal(user=book.owner), "list_portfolios")
        assert not result.is_error
        assert result.structured_content["portfolios"] == rest(
            client_for(book.owner), "/api/v1/data/portfolios"
        )

    def test_get_portfolio(self, book, client_for):
        pid = str(book.portfolio.id)
        got = call(Principal(user=book.owner), "get_portfolio", {"portfolio_id": pid}).structured_content
        expected = rest(client_for(book.owner), f"/api/v1/data/portfolio/{pid}/complete")
        assert got["positions_total"] == len(expected["positions"]) == 4
        assert sorted(got["positions"], key=lambda p: p["id"]) == sorted(
            expected["positions"], key=lambda p: p["id"]
        )
        assert _drop(got, "positions", "positions_total") == _drop(expected, "positions")

    def test_get_risk_summary(self, book, client_for):
        pid = str(book.portfolio.id)
        got = call(Principal(user=book.owner), "get_risk_summary", {"portfolio_id": pid}).structured_content
        assert got == rest(client_for(book.owner), f"/api/v1/analytics/risk/{pid}/overview")

    @pytest.mark.parametrize("params", [{}, {"method": "parametric", "confidence": 0.99, "horizon_days": 10}])
    def test_get_var(self, book, client_for, params):
        pid = str(book.portfolio.id)
        got = call(Principal(user=book.owner), "get_var", {"portfolio_id": pid, **params}).structured_content
        query = "&".join(f"{k}={v}" for k, v in params.items())
        expected = rest(client_for(book.owner), f"/api/v1/analytics/risk/{pid}/var?{query}")
        assert got["by_position_total"] == len(expected["by_position"])
        assert _drop(got, "by_position_total") == expected  # 4 positions: under the limit of 20

    def test_run_stress_test_library(self, book, client_for):
        pid = str(book.portfolio.id)
        got = call(Principal(user=book.owner), "run_stress_test", {"portfolio_id": pid}).structured_content
        expected = rest(client_for(book.owner), f"/api/v1/analytics/risk/{pid}/scenarios")
        assert [_drop(s, "by_position_total") for s in got["scenarios"]] == expected["scenarios"]
        assert _drop(got, "scenarios", "summary") == _drop(expected, "scenarios")
        worst = min(expected["scenarios"], key=lambda s: s["impact"]["dollar_impact"])
        assert got["summary"]["worst"]["id"] == worst["id"]
        assert got["summary"]["worst"]["dollar_impact"] == worst["impact"]["dollar_impact"]
        assert got["summary"]["scenario_count"] == len(expected["scenarios"])

    def test_run_stress_test_selected_scenarios(self, book, client_for):
        pid = str(book.portfolio.id)
        args = {"portfolio_id": pid, "scenarios": ["market_down_10"]}
        got = call(Principal(user=book.owner), "run_stress_test", args).structured_content
        expected = rest(
            client_for(book.owner), f"/api/v1/analytics/risk/{pid}/scenarios?scenarios=market_down_10"
        )
        assert [s["id"] for s in got["scenarios"]] == ["market_down_10"]
        assert got["scenarios"][0]["impact"] == expected["scenarios"][0]["impact"]

    def test_run_stress_test_custom_shocks(self, book, client_for):
        pid = str(book.portfolio.id)
        shocks = {"Market": -0.2, "Interest Rate": 0.005}
        args = {"portfolio_id": pid, "shocks": shocks, "name": "Bear"}
        got = call(Principal(user=book.owner), "run_stress_test", args).structured_content
        expected = rest(
            client_for(book.owner),
            f"/api/v1/analytics/risk/{pid}/scenarios/custom",
            {"name": "Bear", "shocks": shocks},
        )
        assert [_drop(s, "by_position_total") for s in got["scenarios"]] == expected["scenarios"]

    def test_get_factor_exposures(self, book, client_for):
        pid = str(book.portfolio.id)
        got = call(
            Principal(user=book.owner), "get_factor_exposures", {"portfolio_id": pid}
        ).structured_content
        assert got == rest(client_for(book.owner), f"/api/v1/analytics/factors/{pid}/exposures")

    def test_get_performance(self, book, client_for):
        pid = str(book.portfolio.id)
        args = {"portfolio_id": pid, "period": "1y"}
        got = call(Principal(user=book.owner), "get_performance", args).structured_content
        expected = rest(client_for(book.owner), f"/api/v1/analytics/portfolio/{pid}/performance?period=1y")
        assert got["series_total"] == len(expected["series"])
        assert got["series"] == expected["series"][-tools.MAX_SERIES_POINTS :]
        assert _drop(got, "series", "series_total") == _drop(expected, "series")

    def test_calculate_greeks(self, book, client_for):
        positions = [{"occ_symbol": "MSFT  270115C00500000", "quantity": 2}]
        got = call(
            Principal(user=book.owner), "calculate_greeks", {"positions": positions}
        ).structured_content
        expected = rest(
            client_for(book.owner), "/api/v1/analytics/risk/greeks/calculate", {"positions": positions}
        )
        assert _drop(got, "calculated_at") == _drop(expected, "calculated_at")  # computed now, twice

    def test_ui_navigate_records_a_command(self, book, client_for):
        args = {"target": "portfolio.risk", "params": {"portfolio_id": str(book.portfolio.id)}}
        got = call(Principal(user=book.owner), "ui_navigate", args).structured_content
        polled = rest(client_for(book.owner), "/api/v1/system/ui/commands")["results"]
        assert [_drop(c, "delivered_at") for c in polled] == [_drop(got, "delivered_at")]
        assert got["delivered_at"] is None
        assert got["action"] == "navigate"

    @pytest.mark.parametrize("name", ["ui_highlight", "ui_filter"])
    def test_ui_highlight_and_filter(self, book, name):
        got = call(Principal(user=book.owner), name, {"target": "positions", "params": {"symbols": ["AAPL"]}})
        assert got.structured_content["action"] == name.removeprefix("ui_")


@pytest.mark.django_db
class TestErrors:
    @pytest.mark.parametrize("name", tools.PORTFOLIO_ID_TOOLS)
    def test_another_users_portfolio_is_not_found_and_shows_nothing(self, book, other_user, name):
        args: dict[str, Any] = {"portfolio_id": str(book.portfolio.id)}
        if name == "what_if":
            args["trades"] = [{"symbol": "AAPL", "quantity": 10}]
        result = call(Principal(user=other_user), name, args)
        assert result.is_error
        assert result.structured_content["error"]["code"] == "NOT_FOUND"
        text = result.content[0].text
        for secret in (book.portfolio.name, book.owner.email, "AAPL", "JPM"):
            assert secret not in text

    def test_missing_batch_results_are_insufficient_data(self, user):
        portfolio = PortfolioFactory(owner=user)
        result = call(Principal(user=user), "get_var", {"portfolio_id": str(portfolio.id)})
        assert result.is_error
        assert result.structured_content["error"]["code"] == "INSUFFICIENT_DATA"

    def test_validation_errors_carry_the_api_details(self, book):
        args = {"portfolio_id": str(book.portfolio.id), "confidence": 0.5}
        result = call(Principal(user=book.owner), "get_var", args)
        assert result.structured_content["error"]["code"] == "VALIDATION_ERROR"
        assert "confidence" in result.structured_content["error"]["details"]

    def test_bad_shock_is_a_validation_error(self, book):
        args = {"portfolio_id": str(book.portfolio.id), "shocks": {"Nope": 0.1}}
        result = call(Principal(user=book.owner), "run_stress_test", args)
        assert result.structured_content["error"]["code"] == "VALIDATION_ERROR"

    @pytest.mark.parametrize("name", ["ui_navigate", "ui_highlight", "ui_filter"])
    def test_a_read_credential_cannot_write(self, user, name):
        result = call(Principal(user=user, can_write=False), name, {"target": "portfolio.risk"})
        assert result.is_error
        assert result.structured_content["error"]["code"] == "PERMISSION_DENIED"
        assert not UICommand.objects.filter(owner=user).exists()

    def test_a_read_credential_cannot_apply_a_what_if(self, book):
        args = {
            "portfolio_id": str(book.portfolio.id),
            "trades": [{"symbol": "AAPL", "quantity": 1}],
            "apply": True,
        }
        result = call(Principal(user=book.owner, can_write=False), "what_if", args)
        assert result.structured_content["error"]["code"] == "PERMISSION_DENIED"


@pytest.mark.django_db
class TestWhatIf:
    def test_what_if_returns_the_sessions_impacts_as_rest_serves_them(self, book, client_for):
        args = {"portfolio_id": str(book.portfolio.id), "trades": [{"symbol": "AAPL", "quantity": -10}]}

        result = call(Principal(user=book.owner), "what_if", args)

        assert not result.is_error, result.content[0].text
        got = result.structured_content
        session_id = got["session_id"]
        served = rest(client_for(book.owner), f"/api/v1/modeling/sessions/{session_id}/impacts")
        assert got["impacts"]["exposures"] == served["exposures"]
        assert got["impacts"]["var"] == served["var"]
        assert got["impacts"]["exposures"]["total_value"]["change"] == pytest.approx(0.0, abs=0.02)
        assert got["status"] == "active"  # not applied: the real portfolio is untouched
