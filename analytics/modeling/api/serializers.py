"""Serializers of /modeling (API.md): session and trade bodies, sessions, trades and impacts.

Units: quantities signed (shares, or contracts for options); prices USD per share; money USD
rounded to cents; ``ctr_percent`` percent of the annualized risk; VaR / ES positive USD losses.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from analytics.api.common import PortfolioScopedQuery
from analytics.modeling.models import ModelingSession, ModelingTrade
from analytics.modeling.services import ACTION_SIGNS, MAX_TRADES_PER_SESSION

# --- input ------------------------------------------------------------------------------------


class SessionListQuery(PortfolioScopedQuery):
    """``?portfolio_id=`` (optional) and ``limit`` / ``offset``."""


class SessionCreateInput(serializers.Serializer):
    portfolio_id = serializers.UUIDField(help_text="One of your portfolios (another user's answers 404).")
    name = serializers.CharField(max_length=200)


class ModelingTradeInput(serializers.Serializer):
    symbol = serializers.CharField(max_length=32, required=False, help_text="A stock, ETF or fund symbol.")
    occ_symbol = serializers.CharField(max_length=32, required=False, help_text="An option's OCC symbol.")
    quantity = serializers.DecimalField(
        max_digits=20,
        decimal_places=6,
        help_text="Signed: shares, or contracts for options (-100 sells 100 or goes short).",
    )
    price = serializers.DecimalField(
        max_digits=20,
        decimal_places=6,
        required=False,
        min_value=Decimal("0.000001"),
        help_text="USD per share; default the last close on the as-of date, or the model price of an "
        "option without a bar.",
    )
    action = serializers.ChoiceField(
        choices=sorted(ACTION_SIGNS), required=False, help_text="Optional; must agree with the sign."
    )
    tag = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="A basket or spread label."
    )


class TradesInput(serializers.Serializer):
    trades = ModelingTradeInput(many=True, min_length=1, max_length=MAX_TRADES_PER_SESSION)


class SaveInput(serializers.Serializer):
    apply = serializers.BooleanField(
        default=False, help_text="true: the trades become positions and cash (read-only afterwards)."
    )


# --- output -----------------------------------------------------------------------------------


class TradeSerializer(serializers.ModelSerializer):
    quantity = serializers.FloatField()
    multiplier = serializers.IntegerField(help_text="1 for stocks, 100 for listed options.")
    price = serializers.FloatField(help_text="USD per share.")
    strike_price = serializers.FloatField(allow_null=True)
    cost = serializers.SerializerMethodField(
        help_text="quantity x price x multiplier (USD; cash moves by minus it)."
    )

    class Meta:
        model = ModelingTrade
        fields = [
            "id",
            "symbol",
            "position_type",
            "quantity",
            "multiplier",
            "price",
            "price_source",
            "cost",
            "action",
            "tag",
            "underlying_symbol",
            "option_type",
            "strike_price",
            "expiration_date",
            "created_at",
        ]

    def get_cost(self, trade: ModelingTrade) -> float:
        return round(float(trade.quantity) * float(trade.price) * trade.multiplier, 2) + 0.0


class TradesCreatedSerializer(serializers.Serializer):
    trades = TradeSerializer(many=True)


class SessionSerializer(serializers.ModelSerializer):
    portfolio_id = serializers.UUIDField()
    status = serializers.CharField(help_text="active | saved | applied | cancelled (the last two read-only).")
    trades = serializers.SerializerMethodField()
    calculated = serializers.SerializerMethodField(help_text="Impacts exist for the current trades.")

    class Meta:
        model = ModelingSession
        fields = [
            "id",
            "portfolio_id",
            "name",
            "status",
            "as_of_date",
            "trades",
            "calculated",
            "calculated_at",
            "saved_at",
            "applied_at",
            "cancelled_at",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(TradeSerializer(many=True))
    def get_trades(self, session: ModelingSession) -> list[dict[str, Any]]:
        trades = sorted(session.trades.all(), key=lambda t: t.sequence)
        return TradeSerializer(trades, many=True).data  # type: ignore[return-value]

    def get_calculated(self, session: ModelingSession) -> bool:
        return (
            session.calculated_revision is not None and session.calculated_revision == session.trades_revision
        )


class ChangeSerializer(serializers.Serializer):
    before = serializers.FloatField(allow_null=True)
    after = serializers.FloatField(allow_null=True)
    change = serializers.FloatField(allow_null=True, help_text="after - before")


class ExposureImpactsSerializer(serializers.Serializer):
    long = ChangeSerializer()
    short = ChangeSerializer()
    gross = ChangeSerializer()
    net = ChangeSerializer()
    delta_adjusted_net = ChangeSerializer()
    delta_adjusted_gross = ChangeSerializer()
    total_value = ChangeSerializer(help_text="NAV = net + cash (trades move cash by their cost).")


class GreekImpactsSerializer(serializers.Serializer):
    delta = ChangeSerializer(help_text="Shares (stocks count 1 per share).")
    delta_dollars = ChangeSerializer()
    gamma_dollars = ChangeSerializer()
    theta = ChangeSerializer(help_text="USD per calendar day.")
    vega = ChangeSerializer(help_text="USD per 1 vol point.")
    rho = ChangeSerializer(help_text="USD per 1 rate point.")


class FactorImpactSerializer(ChangeSerializer):
    name = serializers.CharField(help_text="Factor (exposure_dollar, USD).")


class VarImpactSerializer(ChangeSerializer):
    method = serializers.ChoiceField(choices=["historical", "parametric"])
    confidence = serializers.FloatField()
    horizon_days = serializers.IntegerField()
    es_before = serializers.FloatField(allow_null=True)
    es_after = serializers.FloatField(allow_null=True)
    es_change = serializers.FloatField(allow_null=True)


class ContributorSerializer(serializers.Serializer):
    position_id = serializers.CharField(
        help_text="A held position's id, or trade:<trade id> for a lot a trade opens."
    )
    symbol = serializers.CharField()
    ctr_percent = serializers.FloatField(allow_null=True)


class TopContributorsSerializer(serializers.Serializer):
    before = ContributorSerializer(many=True)
    after = ContributorSerializer(many=True)


class ScenarioImpactSerializer(ChangeSerializer):
    id = serializers.CharField()
    name = serializers.CharField()


class MarginalTradeSerializer(serializers.Serializer):
    trade_id = serializers.UUIDField()
    symbol = serializers.CharField()
    value = serializers.FloatField(
        allow_null=True, help_text="VaR with every trade minus VaR without this one (USD; < 0 = hedge)."
    )


class MarginalVarSerializer(serializers.Serializer):
    method = serializers.CharField()
    confidence = serializers.FloatField()
    horizon_days = serializers.IntegerField()
    by_trade = MarginalTradeSerializer(many=True)


class CountsSerializer(serializers.Serializer):
    before = serializers.IntegerField()
    after = serializers.IntegerField()


class ImpactsSerializer(serializers.Serializer):
    session_id = serializers.UUIDField()
    portfolio_id = serializers.UUIDField()
    as_of_date = serializers.DateField()
    calculated_at = serializers.DateTimeField()
    data_source = serializers.CharField()
    exposures = ExposureImpactsSerializer()
    greeks = GreekImpactsSerializer()
    factors = FactorImpactSerializer(many=True)
    var = VarImpactSerializer(many=True)
    top_contributors = TopContributorsSerializer()
    scenarios = ScenarioImpactSerializer(many=True)
    marginal_var = MarginalVarSerializer()
    position_count = CountsSerializer()
    excluded = serializers.DictField(
        child=serializers.ListField(child=serializers.DictField()),
        help_text="Positions left out of VaR / contributions (before, after), with their reason.",
    )
