"""The MCP tools: thin functions over the selectors and services the REST views call.

Each tool validates its arguments with the REST endpoint's own input serializer (so the errors are
the API's ``VALIDATION_ERROR`` details), makes the one selector or service call that endpoint
makes, and returns its JSON exactly as the endpoint renders it (the API's renderer: numbers,
``null`` for non-finite, UTC ``...Z`` timestamps), trimmed only by the limits below, which the tool
descriptions (:mod:`agents.server`) state. A trimmed list keeps its largest items by absolute
value, in the API's order, and says how many there were (``<list>_total``). No number is computed here.

Errors are raised as the API raises them (404 ``NOT_FOUND`` for another user's portfolio, 422
``INSUFFICIENT_DATA`` before the batch, 403 ``PERMISSION_DENIED`` for a read token's write);
:mod:`agents.server` turns them into tool errors carrying the API's envelope.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rest_framework import exceptions, serializers

from agents.modeling import what_if_run
from analytics.api.serializers.data import CompleteQuery
from analytics.api.serializers.factors import FactorExposuresQuery
from analytics.api.serializers.greeks import GreeksCalculateInput
from analytics.api.serializers.performance import PerformanceQuery
from analytics.api.serializers.risk import CustomScenarioInput, ScenariosQuery, VaRQuery, ViewQuery
from analytics.selectors import performance as performance_selectors
from analytics.selectors import risk as risk_selectors
from analytics.selectors.access import owned_portfolio
from analytics.selectors.factors import factor_exposures_get
from analytics.selectors.portfolio_data import portfolio_complete, portfolio_list_data
from analytics.services.greeks import greeks_calculate
from analytics.services.stress import stress_scenarios_on_request
from sigmasight.api.renderers import JSONRenderer
from sigmasight.system import services as system_services
from sigmasight.system.api.serializers import UICommandInputSerializer, UICommandSerializer
from sigmasight.system.models import UICommandAction

#: Documented limits (the tool descriptions quote them).
MAX_POSITIONS = 50  # get_portfolio: positions, the largest |market_value| (API order kept)
MAX_VAR_POSITIONS = 20  # get_var: by_position, the largest |component_var| (API order kept)
MAX_SCENARIO_POSITIONS = (
    10  # run_stress_test: by_position per scenario, the largest |dollar_impact| (API order kept)
)
MAX_SERIES_POINTS = 30  # get_performance: the last 30 points of series


@dataclass(frozen=True)
class Principal:
    """Who calls the tools: the user and whether their credential may write (a ``read`` personal
    token may not; a JWT or a ``write`` token may)."""

    user: Any
    can_write: bool = True


def _json(data: Any) -> Any:
    """The value exactly as the REST API renders it."""
    return json.loads(JSONRenderer().render(data))


def _validated(
    serializer_class: type[serializers.Serializer], data: Mapping[str, Any], **context: Any
) -> dict[str, Any]:
    serializer = serializer_class(data=dict(data), context=context)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _top(items: list[dict[str, Any]], key: str, limit: int) -> list[dict[str, Any]]:
    """The ``limit`` items with the largest ``|item[key]|`` (nulls count as 0), in the API's order."""
    if len(items) <= limit:
        return items
    ranked = sorted(range(len(items)), key=lambda i: -abs(items[i].get(key) or 0.0))
    return [items[i] for i in sorted(ranked[:limit])]


def _trim(body: dict[str, Any], field: str, key: str, limit: int) -> dict[str, Any]:
    items = body.get(field)
    if isinstance(items, list):
        body[f"{field}_total"] = len(items)
        body[field] = _top(items, key, limit)
    return body


def _require_write(principal: Principal) -> None:
    if not principal.can_write:
        raise exceptions.PermissionDenied("This personal access token is read-only.")


# The tools -------------------------------------------------------------------------------------


def list_portfolios(principal: Principal) -> dict[str, Any]:
    """= GET /data/portfolios, under ``portfolios`` (a tool result is an object)."""
    items = _json(portfolio_list_data(user=principal.user))
    return {"count": len(items), "portfolios": items}


def get_portfolio(principal: Principal, *, portfolio_id: str) -> dict[str, Any]:
    """= GET /data/portfolio/{id}/complete; positions: the 50 largest by |market_value|."""
    query = _validated(CompleteQuery, {})
    portfolio = owned_portfolio(principal.user, portfolio_id)
    body = _json(
        portfolio_complete(
            portfolio=portfolio,
            as_of=None,
            include_positions=query["include_positions"],
            include_cash=query["include_cash"],
        )
    )
    return _trim(body, "positions", "market_value", MAX_POSITIONS)


def get_risk_summary(principal: Principal, *, portfolio_id: str) -> dict[str, Any]:
    """= GET /analytics/risk/{id}/overview (beta, volatility, VaR, ES, correlation, drawdown)."""
    query = _validated(ViewQuery, {})
    portfolio = owned_portfolio(principal.user, portfolio_id)
    return _json(risk_selectors.risk_overview_get(portfolio=portfolio, view=query["view"], as_of=None))


def get_var(principal: Principal, *, portfolio_id: str, **params: Any) -> dict[str, Any]:
    """= GET /analytics/risk/{id}/var; by_position: the 20 largest |component_var|."""
    query = _validated(VaRQuery, params)
    portfolio = owned_portfolio(principal.user, portfolio_id)
    body = _json(
        risk_selectors.risk_var_get(
            portfolio=portfolio,
            method=query["method"],
            confidence=query["confidence"],
            horizon_days=query["horizon_days"],
            view=query["view"],
            as_of=None,
        )
    )
    return _trim(body, "by_position", "component_var", MAX_VAR_POSITIONS)


def _stress_summary(scenarios: list[dict[str, Any]]) -> dict[str, Any]:
    """The worst and best scenario by dollar impact (read off the results, nothing recomputed)."""

    def ref(item: dict[str, Any]) -> dict[str, Any]:
        return {"id": item.get("id"), "name": item.get("name"), **(item.get("impact") or {})}

    ranked = [s for s in scenarios if (s.get("impact") or {}).get("dollar_impact") is not None]
    ranked.sort(key=lambda s: s["impact"]["dollar_impact"])
    return {
        "scenario_count": len(scenarios),
        "worst": ref(ranked[0]) if ranked else None,
        "best": ref(ranked[-1]) if ranked else None,
    }


def run_stress_test(
    principal: Principal,
    *,
    portfolio_id: str,
    scenarios: list[str] | None = None,
    shocks: dict[str, float] | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """= GET /analytics/risk/{id}/scenarios (library), or POST .../scenarios/custom with ``shocks``.

    by_position per scenario: the 10 largest |dollar_impact|; ``summary`` names the worst and best.
    """
    if shocks is not None and scenarios:
        raise exceptions.ValidationError({"shocks": ["Give either scenarios or shocks, not both."]})
    portfolio = owned_portfolio(principal.user, portfolio_id)
    if shocks is not None:
        body_in = _validated(CustomScenarioInput, {"name": name or "Custom scenario", "shocks": shocks})
        result = stress_scenarios_on_request(
            portfolio=portfolio,
            user=principal.user,
            view=body_in["view"],
            as_of=None,
            propagation=body_in["propagation"],
            custom=body_in,
        )
    else:
        query = _validated(ScenariosQuery, {"scenarios": ",".join(scenarios)} if scenarios else {})
        result = risk_selectors.risk_scenarios_get(
            portfolio=portfolio,
            user=principal.user,
            scenario_ids=query.get("scenarios"),
            view=query["view"],
            as_of=None,
        )
    body = _json(result)
    for scenario in body.get("scenarios", []):
        _trim(scenario, "by_position", "dollar_impact", MAX_SCENARIO_POSITIONS)
    return {"summary": _stress_summary(body.get("scenarios", [])), **body}


def get_factor_exposures(principal: Principal, *, portfolio_id: str) -> dict[str, Any]:
    """= GET /analytics/factors/{id}/exposures?view=portfolio (no per-position betas)."""
    query = _validated(FactorExposuresQuery, {"view": "portfolio"})
    portfolio = owned_portfolio(principal.user, portfolio_id)
    return _json(factor_exposures_get(portfolio=portfolio, view=query["view"], as_of_date=None))


def get_performance(principal: Principal, *, portfolio_id: str, **params: Any) -> dict[str, Any]:
    """= GET /analytics/portfolio/{id}/performance; series: its last 30 points."""
    query = _validated(PerformanceQuery, params)
    portfolio = owned_portfolio(principal.user, portfolio_id)
    body = _json(
        performance_selectors.portfolio_performance(
            portfolio=portfolio, period=query["period"], benchmark=query["benchmark"], as_of=None
        )
    )
    series = body.get("series")
    if isinstance(series, list):
        body["series_total"] = len(series)
        body["series"] = series[-MAX_SERIES_POINTS:]
    return body


def calculate_greeks(principal: Principal, *, positions: list[dict[str, Any]]) -> dict[str, Any]:
    """= POST /analytics/risk/greeks/calculate (computed now; writes nothing)."""
    body = _validated(GreeksCalculateInput, {"positions": positions})
    return _json(greeks_calculate(positions=body["positions"], as_of=None))


def _ui_command(
    principal: Principal, action: str, target: str, params: dict[str, Any] | None
) -> dict[str, Any]:
    _require_write(principal)
    data = _validated(UICommandInputSerializer, {"target": target, "params": params or {}})
    command = system_services.ui_command_record(user=principal.user, action=action, **data)
    return _json(UICommandSerializer(command).data)


def ui_navigate(principal: Principal, *, target: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """= POST /system/ui/navigate: records a command the user's frontend picks up."""
    return _ui_command(principal, UICommandAction.NAVIGATE, target, params)


def ui_highlight(
    principal: Principal, *, target: str, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """= POST /system/ui/highlight."""
    return _ui_command(principal, UICommandAction.HIGHLIGHT, target, params)


def ui_filter(principal: Principal, *, target: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """= POST /system/ui/filter."""
    return _ui_command(principal, UICommandAction.FILTER, target, params)


def what_if(
    principal: Principal,
    *,
    portfolio_id: str,
    trades: list[dict[str, Any]],
    name: str | None = None,
    apply: bool = False,
) -> dict[str, Any]:
    """A modeling session with ``trades``, calculated: ``{session_id, impacts}`` (see
    :mod:`agents.modeling`); ``apply: true`` needs a write credential."""
    if apply:
        _require_write(principal)
    portfolio = owned_portfolio(principal.user, portfolio_id)
    return _json(what_if_run(user=principal.user, portfolio=portfolio, trades=trades, name=name, apply=apply))


TOOLS: dict[str, Callable[..., dict[str, Any]]] = {
    fn.__name__: fn
    for fn in (
        list_portfolios,
        get_portfolio,
        get_risk_summary,
        get_var,
        run_stress_test,
        get_factor_exposures,
        get_performance,
        calculate_greeks,
        what_if,
        ui_navigate,
        ui_highlight,
        ui_filter,
    )
}

#: The tools that take a portfolio id (the ownership sweep calls each with another user's id).
PORTFOLIO_ID_TOOLS = tuple(
    name
    for name in TOOLS
    if name not in {"list_portfolios", "calculate_greeks", "ui_navigate", "ui_highlight", "ui_filter"}
)
