"""Serializers of /analytics/factors/{id}/exposures, /factors/definitions and /factors/correlations:
the query inputs and the response shapes. Conventions: DESIGN.md "Factor model".
"""

from __future__ import annotations

from rest_framework import serializers

from analytics.api.serializers.conventions import ConventionsSerializer
from analytics.selectors.factors import FACTOR_WINDOW
from analytics.selectors.staleness import STALE_HELP
from sigmasight.api.dates import PolicyDateField
from sigmasight.api.params import StrictQuerySerializer

EXPOSURE_VIEWS = ("portfolio", "positions")
MIN_CORRELATION_LOOKBACK, MAX_CORRELATION_LOOKBACK = 60, 1260


# GET /analytics/factors/{id}/exposures ---------------------------------------------------------


class FactorExposuresQuery(StrictQuerySerializer):
    view = serializers.ChoiceField(choices=list(EXPOSURE_VIEWS), default="portfolio")
    as_of_date = PolicyDateField(required=False)


class FactorExposureItemSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Factor name as in data/factor_model.csv (Market, Value, ...).")
    etf_symbol = serializers.CharField(
        allow_null=True, help_text="The factor's one ETF proxy (DGS10 for rates)."
    )
    beta = serializers.FloatField(
        allow_null=True,
        help_text=(
            "Portfolio beta = exposure_dollar / NAV: the NAV-weighted sum of the holdings' betas "
            "(options through their underlying and delta). Dimensionless."
        ),
    )
    exposure_dollar = serializers.FloatField(
        allow_null=True,
        help_text="USD: sum of (delta-adjusted exposure x beta) over the positions with a beta.",
    )
    t_stat = serializers.FloatField(
        allow_null=True,
        help_text=(
            "t-statistic of this factor in the OLS of the portfolio's hypothetical daily P&L (today's "
            "delta-adjusted exposures x the past 252 daily returns) on the factor regressors; when every "
            "covered symbol has the same dates that regression's beta equals exposure_dollar."
        ),
    )
    p_value = serializers.FloatField(
        allow_null=True, help_text="Two-sided p-value of t_stat (Student t, n - k - 1)."
    )


class CapmSerializer(serializers.Serializer):
    benchmark = serializers.CharField()
    beta = serializers.FloatField(allow_null=True, help_text="NAV-weighted univariate beta vs SPY.")
    exposure_dollar = serializers.FloatField(allow_null=True, help_text="USD.")
    t_stat = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    r_squared = serializers.FloatField(allow_null=True)
    observations = serializers.IntegerField()


class PositionFactorSerializer(serializers.Serializer):
    position_id = serializers.UUIDField()
    symbol = serializers.CharField(help_text="The position's symbol (OCC symbol for options).")
    risk_symbol = serializers.CharField(
        help_text="The symbol whose regression applies (the underlying for options)."
    )
    delta_adjusted_exposure = serializers.FloatField(allow_null=True, help_text="USD, signed, of as_of_date.")
    betas = serializers.DictField(
        child=serializers.FloatField(allow_null=True), help_text="Factor name -> beta."
    )
    t_stats = serializers.DictField(child=serializers.FloatField(allow_null=True))
    p_values = serializers.DictField(child=serializers.FloatField(allow_null=True))
    r_squared = serializers.FloatField(allow_null=True)
    observations = serializers.IntegerField(help_text="Daily returns used (minimum 60).")
    capm_beta = serializers.FloatField(allow_null=True, help_text="Univariate beta vs SPY.")
    macro_betas = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text="Interest Rate (per 1.00 decimal change of DGS10), Oil, International; fitted on style residuals.",
    )
    quality_flag = serializers.CharField(
        help_text="ok, insufficient_history, singular_design or not_computed."
    )


class FactorExposuresSerializer(serializers.Serializer):
    portfolio_id = serializers.UUIDField()
    view = serializers.ChoiceField(choices=list(EXPOSURE_VIEWS))
    factors = FactorExposureItemSerializer(many=True, help_text="The 7 model factors in display order.")
    r_squared = serializers.FloatField(allow_null=True, help_text="R^2 of the portfolio P&L regression.")
    observations = serializers.IntegerField(help_text="Days in the portfolio P&L regression.")
    window_days = serializers.IntegerField(help_text="Regression window in daily returns (252).")
    coverage = serializers.FloatField(
        allow_null=True, help_text="Share of sum |delta-adjusted exposure| with betas (fraction)."
    )
    capm = CapmSerializer(allow_null=True)
    macro_sensitivities = FactorExposureItemSerializer(
        many=True, help_text="Interest Rate, Oil, International."
    )
    as_of_date = serializers.DateField()
    calculated_at = serializers.DateTimeField()
    stale = serializers.BooleanField(help_text=STALE_HELP)
    data_source = serializers.CharField()
    positions = PositionFactorSerializer(many=True, required=False, help_text="Only with view=positions.")
    conventions = ConventionsSerializer()


# GET /analytics/factors/definitions ------------------------------------------------------------


class FactorDefinitionsQuery(StrictQuerySerializer):
    pass


class FactorDefinitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    etf_symbol = serializers.CharField()
    description = serializers.CharField()
    calculation_method = serializers.CharField()
    display_order = serializers.IntegerField()
    kind = serializers.CharField(help_text="market, style (the 7 model factors) or macro.")
    data_source = serializers.CharField(help_text="Provider of the proxies' stored prices.")
    conventions = ConventionsSerializer()


# GET /analytics/factors/correlations -----------------------------------------------------------


class FactorCorrelationsQuery(StrictQuerySerializer):
    lookback_days = serializers.IntegerField(
        min_value=MIN_CORRELATION_LOOKBACK, max_value=MAX_CORRELATION_LOOKBACK, default=FACTOR_WINDOW
    )


class FactorCorrelationWarningSerializer(serializers.Serializer):
    factor_1 = serializers.CharField()
    factor_2 = serializers.CharField()
    correlation = serializers.FloatField(allow_null=True)
    message = serializers.CharField()


class FactorCorrelationsSerializer(serializers.Serializer):
    factors = serializers.ListField(child=serializers.CharField())
    matrix = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(allow_null=True)),
        help_text="Pearson correlation of the regressors, rows and columns in `factors` order.",
    )
    condition_number = serializers.FloatField(
        allow_null=True, help_text="2-norm condition number of the matrix."
    )
    warnings = FactorCorrelationWarningSerializer(many=True, help_text="Pairs with |rho| > 0.8.")
    observations = serializers.IntegerField(help_text="Days where every regressor has a return.")
    calculated_at = serializers.DateTimeField()
    source = serializers.ChoiceField(
        choices=["batch", "on_request"], help_text="batch (252 days) or computed on request."
    )
    lookback_days = serializers.IntegerField()
    as_of_date = serializers.DateField()
    data_source = serializers.CharField()
    conventions = ConventionsSerializer()
