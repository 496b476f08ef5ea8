"""Input schemas (JSON Schema) and descriptions of the MCP tools, with units, conventions and the
result limits of :mod:`agents.tools`."""

from __future__ import annotations

from typing import Any

from agents.tools import MAX_POSITIONS, MAX_SCENARIO_POSITIONS, MAX_SERIES_POINTS, MAX_VAR_POSITIONS

_PORTFOLIO_ID = {"type": "string", "format": "uuid", "description": "A portfolio id from list_portfolios."}
_UI_INPUT = {
    "type": "object",
    "properties": {
        "target": {"type": "string", "maxLength": 200, "description": "What to act on, e.g. portfolio.risk."},
        "params": {"type": "object", "description": "Free-form parameters, e.g. {portfolio_id, symbols}."},
    },
    "required": ["target"],
    "additionalProperties": False,
}
_CONVENTIONS = "Money in USD; ratios are fractions (0.12 = 12%) except fields named *percent (12.0 = 12%)."


def _portfolio_only(extra: dict[str, Any] | None = None, required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"portfolio_id": _PORTFOLIO_ID, **(extra or {})},
        "required": ["portfolio_id", *required],
        "additionalProperties": False,
    }


TOOL_SPECS: dict[str, dict[str, Any]] = {
    "list_portfolios": {
        "description": "Your portfolios (= GET /data/portfolios): {count, portfolios: [{id, name, currency, "
        "total_value (NAV = signed market values + cash, null before the first batch), cash_balance, "
        f"position_count, created_at, as_of_date}}]}}. {_CONVENTIONS}",
        "input_schema": {"type": "object", "properties": {}, "additionalProperties": False},
    },
    "get_portfolio": {
        "description": "A portfolio valued by the last batch (= GET /data/portfolio/{id}/complete): portfolio "
        "{total_value, cash_balance, long_value, short_value, gross_exposure, net_exposure, ...}, "
        f"positions_summary, data_quality, and positions: the {MAX_POSITIONS} largest by |market_value| "
        f"(positions_total says how many there are). {_CONVENTIONS}",
        "input_schema": _portfolio_only(),
    },
    "get_risk_summary": {
        "description": "Risk overview (= GET /analytics/risk/{id}/overview): beta vs SPY, annualized "
        "volatility (fraction), 1-day 95% historical VaR and 97.5% expected shortfall (positive USD "
        "losses), average pairwise correlation, max drawdown (fraction, negative).",
        "input_schema": _portfolio_only(),
    },
    "get_var": {
        "description": "Value at Risk and expected shortfall (= GET /analytics/risk/{id}/var): var and "
        "expected_shortfall are positive USD losses over horizon_days at the confidence level; "
        "var_percent and expected_shortfall_percent are percent of NAV; by_position: component VaR "
        f"(USD, sums to var), the {MAX_VAR_POSITIONS} largest |component_var| (by_position_total = all).",
        "input_schema": _portfolio_only(
            {
                "method": {"enum": ["historical", "parametric", "monte_carlo"], "default": "historical"},
                "confidence": {"enum": [0.95, 0.975, 0.99], "default": 0.95},
                "horizon_days": {"enum": [1, 10], "default": 1, "description": "Trading days."},
            }
        ),
    },
    "run_stress_test": {
        "description": "Stress tests (= GET /analytics/risk/{id}/scenarios; with shocks = POST "
        ".../scenarios/custom): summary {scenario_count, worst, best} first, then scenarios [{id, name, "
        "shocks, factor_moves, impact {dollar_impact (USD, negative = loss), percentage_impact (percent "
        f"of NAV), new_portfolio_value}}, severity, by_position: the {MAX_SCENARIO_POSITIONS} largest "
        "|dollar_impact| (by_position_total = all)]}. Without arguments: every library scenario "
        "(market_down_10, rates_up_25bp, ...). Unshocked factors move by their conditional expectation.",
        "input_schema": _portfolio_only(
            {
                "scenarios": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Library scenario ids, e.g. [market_down_10, rates_up_25bp].",
                },
                "shocks": {
                    "type": "object",
                    "additionalProperties": {"type": "number"},
                    "description": "A custom scenario instead: moves of Market, Value, Growth, Momentum, "
                    "Quality, Size, Low Volatility (fractions; styles vs SPY), Interest Rate (decimal "
                    "change of the 10-year yield: 0.005 = +50bp), Oil, International (fractions), "
                    "Volatility (relative change of the VIX).",
                },
                "name": {"type": "string", "maxLength": 120, "description": "Name of the custom scenario."},
            }
        ),
    },
    "get_factor_exposures": {
        "description": "Factor exposures of the portfolio (= GET /analytics/factors/{id}/exposures, "
        "view=portfolio): factors [{name, etf_symbol, beta, exposure_dollar (USD), t_stat, p_value}], "
        "r_squared, observations, window_days. Styles are regressed as spreads vs SPY.",
        "input_schema": _portfolio_only(),
    },
    "get_performance": {
        "description": "Performance (= GET /analytics/portfolio/{id}/performance): returns by period "
        "(fractions), annualized_return and annualized_volatility (fractions, 252 days), sharpe, "
        "sortino, max_drawdown (fraction), beta and alpha vs the benchmark, and series [{date, nav, "
        f"daily_return, cumulative_return, drawdown}}]: its last {MAX_SERIES_POINTS} points "
        "(series_total = all).",
        "input_schema": _portfolio_only(
            {
                "period": {"enum": ["1m", "3m", "ytd", "1y", "all"], "default": "all"},
                "benchmark": {"type": "string", "default": "SPY"},
            }
        ),
    },
    "calculate_greeks": {
        "description": "Greeks of explicit option positions, computed now (= POST "
        "/analytics/risk/greeks/calculate; writes nothing). Missing inputs come from stored market data. "
        "Per share and per position: delta, gamma, theta (per calendar day), vega (per 1 vol point), "
        "rho (per 1 rate point); delta_dollars and gamma_dollars in USD.",
        "input_schema": {
            "type": "object",
            "properties": {
                "positions": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "properties": {
                            "occ_symbol": {"type": "string", "description": "e.g. 'SPY   270115P00600000'."},
                            "underlying_symbol": {"type": "string"},
                            "underlying_price": {"type": "number"},
                            "strike": {"type": "number"},
                            "expiration_date": {"type": "string", "format": "date"},
                            "option_type": {"enum": ["call", "put"]},
                            "quantity": {"type": "number", "description": "Signed contracts (short < 0)."},
                            "multiplier": {"type": "integer", "default": 100},
                            "volatility": {"type": "number", "description": "Annualized, fraction."},
                            "risk_free_rate": {"type": "number", "description": "Continuous, fraction."},
                            "dividend_yield": {"type": "number", "description": "Continuous, fraction."},
                            "exercise": {"enum": ["american", "european"]},
                        },
                        "required": ["quantity"],
                    },
                }
            },
            "required": ["positions"],
            "additionalProperties": False,
        },
    },
    "what_if": {
        "description": "What-if trades: a modeling session of the portfolio with these trades, calculated "
        "now (= POST /modeling/sessions, .../trades, .../calculate). Returns {session_id, status, trades, "
        "impacts: exposures, greeks, factors, var, scenarios, each {before, after, change} in USD}. The "
        "real portfolio is untouched unless apply is true (needs a write token).",
        "read_only": False,
        "input_schema": _portfolio_only(
            {
                "trades": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "properties": {
                            "symbol": {"type": "string"},
                            "occ_symbol": {"type": "string"},
                            "quantity": {"type": "number", "description": "Signed: -100 sells 100 shares."},
                            "price": {"type": "number", "description": "USD; default the last close."},
                            "tag": {"type": "string"},
                        },
                        "required": ["quantity"],
                    },
                },
                "name": {"type": "string", "maxLength": 200},
                "apply": {"type": "boolean", "default": False},
            },
            required=("trades",),
        ),
    },
    "ui_navigate": {
        "description": "Ask the user's SigmaSight screen to navigate (= POST /system/ui/navigate). Needs a "
        "write token. Returns the recorded command {id, action, target, params, created_at}.",
        "read_only": False,
        "input_schema": _UI_INPUT,
    },
    "ui_highlight": {
        "description": "Ask the user's screen to highlight something, e.g. positions (= POST "
        "/system/ui/highlight). Needs a write token.",
        "read_only": False,
        "input_schema": _UI_INPUT,
    },
    "ui_filter": {
        "description": "Ask the user's screen to filter a view (= POST /system/ui/filter). Needs a write token.",
        "read_only": False,
        "input_schema": _UI_INPUT,
    },
}
