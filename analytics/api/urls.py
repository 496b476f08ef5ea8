"""URL patterns (see API.md)."""

from analytics.api.correlation_views import CorrelationMatrixView
from analytics.api.factor_views import FactorCorrelationsView, FactorDefinitionsView, FactorExposuresView
from analytics.api.greeks_views import GreeksCalculateView, PortfolioGreeksView
from analytics.api.overview_views import PortfolioOverviewView
from analytics.api.performance_views import PortfolioPerformanceView, PositionAttributionView
from analytics.api.risk_views import (
    RiskContributionsView,
    RiskCustomScenarioView,
    RiskOverviewView,
    RiskScenariosView,
    RiskVaRView,
)
from analytics.api.riskdesk_views import (
    BacktestView,
    ExpiriesView,
    LiquidityView,
    OptionGridView,
    ReverseStressView,
)
from sigmasight.api.routing import route

urlpatterns = [
    # Greeks (batch engine 4)
    route("risk/greeks/calculate", GreeksCalculateView.as_view(), name="analytics-greeks-calculate"),
    route("risk/<uuid:id>/greeks", PortfolioGreeksView.as_view(), name="analytics-risk-greeks"),
    # Factor exposures and correlations (batch engines 5 and 6)
    route("factors/definitions", FactorDefinitionsView.as_view(), name="analytics-factors-definitions"),
    route("factors/correlations", FactorCorrelationsView.as_view(), name="analytics-factors-correlations"),
    route("factors/<uuid:id>/exposures", FactorExposuresView.as_view(), name="analytics-factors-exposures"),
    route(
        "correlation/<uuid:id>/matrix", CorrelationMatrixView.as_view(), name="analytics-correlation-matrix"
    ),
    # Performance and attribution (batch engine 8)
    route(
        "portfolio/<uuid:id>/performance", PortfolioPerformanceView.as_view(), name="analytics-performance"
    ),
    route("positions/attribution", PositionAttributionView.as_view(), name="analytics-attribution"),
    # Portfolio overview (batch engines 2 and 3)
    route(
        "portfolio/<uuid:id>/overview", PortfolioOverviewView.as_view(), name="analytics-portfolio-overview"
    ),
    # Stress tests, VaR and risk contributions (batch engine 7)
    route("risk/<uuid:id>/scenarios", RiskScenariosView.as_view(), name="analytics-risk-scenarios"),
    route(
        "risk/<uuid:id>/scenarios/custom",
        RiskCustomScenarioView.as_view(),
        name="analytics-risk-scenarios-custom",
    ),
    route("risk/<uuid:id>/var", RiskVaRView.as_view(), name="analytics-risk-var"),
    route(
        "risk/<uuid:id>/contributions", RiskContributionsView.as_view(), name="analytics-risk-contributions"
    ),
    route("risk/<uuid:id>/overview", RiskOverviewView.as_view(), name="analytics-risk-overview"),
]

# --- Risk desk (computed on request from the last batch's stored inputs) -----------------------
urlpatterns += [
    route("risk/<uuid:id>/option-grid", OptionGridView.as_view(), name="analytics-risk-option-grid"),
    route("risk/<uuid:id>/liquidity", LiquidityView.as_view(), name="analytics-risk-liquidity"),
    route("risk/<uuid:id>/expiries", ExpiriesView.as_view(), name="analytics-risk-expiries"),
    route("risk/<uuid:id>/reverse-stress", ReverseStressView.as_view(), name="analytics-risk-reverse-stress"),
    route("risk/<uuid:id>/backtest", BacktestView.as_view(), name="analytics-risk-backtest"),
]
