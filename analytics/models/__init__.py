"""The analytics app's models, one module per sub-domain; ``from analytics.models import X`` is the
public path for every one of them (and for the constants and choices defined next to them).

- :mod:`.batch`: batch runs and their steps;
- :mod:`.valuation`: position valuations and portfolio aggregates (engines 2, 3);
- :mod:`.greeks`: option Greeks (engine 4);
- :mod:`.factors`: factor exposures and the factors' correlations (engine 5);
- :mod:`.correlations`: position correlations (engine 6);
- :mod:`.risk`: stress scenarios, stress results and risk metrics (engine 7);
- :mod:`.performance`: NAV snapshots and performance summaries (engine 8);
- :mod:`.backtest`: the stored one-day VaR forecasts of every past day (VaR backtesting);
- :mod:`analytics.alerts.models`: alert rules, alerts and evaluations;
- :mod:`analytics.modeling.models`: modeling sessions and their what-if trades.

Every model keeps ``app_label = "analytics"`` (the app containing its module). Conventions of the
stored results (units, keys, upserts): the modules' docstrings and DESIGN.md.
"""

from __future__ import annotations

from analytics.alerts.models import (
    EXPIRATION_WINDOW_DAYS,
    METRIC_UNITS,
    Alert,
    AlertEvaluation,
    AlertKind,
    AlertMetric,
    AlertOperator,
    AlertPriority,
    AlertRule,
)
from analytics.modeling.models import ModelingSession, ModelingTrade
from analytics.models.backtest import ForecastSource, VarForecast
from analytics.models.batch import BatchRun, BatchStep
from analytics.models.correlations import CorrelationResult
from analytics.models.factors import FactorCorrelation, PortfolioFactorExposure, SymbolFactorExposure
from analytics.models.greeks import PositionGreeks
from analytics.models.performance import PerformanceSummary, PortfolioSnapshot
from analytics.models.risk import (
    SHOCK_RANGES,
    DocumentField,
    RiskMetrics,
    RiskView,
    ScenarioCategory,
    StressScenario,
    StressTestResult,
    shock_errors,
)
from analytics.models.valuation import PortfolioAggregate, PositionValuation

__all__ = [
    "EXPIRATION_WINDOW_DAYS",
    "METRIC_UNITS",
    "SHOCK_RANGES",
    "Alert",
    "AlertEvaluation",
    "AlertKind",
    "AlertMetric",
    "AlertOperator",
    "AlertPriority",
    "AlertRule",
    "BatchRun",
    "BatchStep",
    "CorrelationResult",
    "DocumentField",
    "FactorCorrelation",
    "ForecastSource",
    "ModelingSession",
    "ModelingTrade",
    "PerformanceSummary",
    "PortfolioAggregate",
    "PortfolioFactorExposure",
    "PortfolioSnapshot",
    "PositionGreeks",
    "PositionValuation",
    "RiskMetrics",
    "RiskView",
    "ScenarioCategory",
    "StressScenario",
    "StressTestResult",
    "SymbolFactorExposure",
    "VarForecast",
    "shock_errors",
]
