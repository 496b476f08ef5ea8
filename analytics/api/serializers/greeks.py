"""Serializers of GET /analytics/risk/{id}/greeks and POST /analytics/risk/greeks/calculate: the
query and body inputs (an option by OCC symbol or by its contract fields) and the response shapes.
Units: DESIGN.md "Greeks".
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from analytics.api.serializers.conventions import ConventionsSerializer
from analytics.selectors.greeks import GREEKS_VIEWS
from analytics.selectors.staleness import STALE_HELP
from analytics.services.greeks import MAX_CALCULATE_POSITIONS
from portfolios.models import OptionType
from portfolios.occ import OCCError, parse_occ
from sigmasight.api.dates import PolicyDateField
from sigmasight.api.output import reordered, rows
from sigmasight.api.params import StrictQuerySerializer

# GET /analytics/risk/{id}/greeks ---------------------------------------------------------------


class PortfolioGreeksQuery(StrictQuerySerializer):
    include_after_expiry = serializers.BooleanField(default=False)
    view = serializers.ChoiceField(choices=list(GREEKS_VIEWS), default="portfolio")
    as_of_date = PolicyDateField(required=False)


class GreeksTotalsSerializer(serializers.Serializer):
    delta = serializers.FloatField(
        allow_null=True, help_text="Shares of the underlying (stocks: 1 per share)."
    )
    delta_dollars = serializers.FloatField(allow_null=True, help_text="USD, delta-adjusted exposure.")
    gamma = serializers.FloatField(allow_null=True, help_text="Shares per USD 1 move of the underlying.")
    gamma_dollars = serializers.FloatField(
        allow_null=True, help_text="USD change of delta_dollars per 1% move."
    )
    theta = serializers.FloatField(allow_null=True, help_text="USD per calendar day.")
    vega = serializers.FloatField(allow_null=True, help_text="USD per 1 vol point.")
    rho = serializers.FloatField(allow_null=True, help_text="USD per 1 rate point.")
    positions = serializers.IntegerField(help_text="Positions summed.")


class GreeksByUnderlyingSerializer(GreeksTotalsSerializer):
    underlying = serializers.CharField()

    def get_fields(self) -> dict[str, serializers.Field]:
        return reordered(super().get_fields(), "underlying")


class GreeksAfterExpirySerializer(GreeksTotalsSerializer):
    expiry_date = serializers.DateField(
        allow_null=True, help_text="The nearest option expiration after as_of_date (null: none)."
    )
    removed_positions = serializers.IntegerField(help_text="Options expiring on or before expiry_date.")

    def get_fields(self) -> dict[str, serializers.Field]:
        return reordered(super().get_fields(), "expiry_date", "removed_positions")


class GreeksPositionSerializer(serializers.Serializer):
    position_id = serializers.UUIDField()
    symbol = serializers.CharField(help_text="The OCC symbol for an option.")
    underlying_symbol = serializers.CharField()
    is_option = serializers.BooleanField()
    exercise = serializers.ChoiceField(
        choices=["american", "european"], allow_null=True, help_text="Null for stocks."
    )
    volatility = serializers.FloatField(
        allow_null=True, help_text="The one sigma (annualized decimal) of valuation, Greeks, VaR and stress."
    )
    volatility_source = serializers.CharField(
        allow_null=True, help_text="implied_from_mark, position, realized, unavailable or not_applicable."
    )
    days_to_expiry = serializers.IntegerField(allow_null=True, help_text="Calendar days.")
    delta = serializers.FloatField(allow_null=True, help_text="Shares of the underlying.")
    delta_dollars = serializers.FloatField(allow_null=True, help_text="USD.")
    gamma = serializers.FloatField(allow_null=True)
    gamma_dollars = serializers.FloatField(allow_null=True, help_text="USD per 1% move.")
    theta = serializers.FloatField(allow_null=True, help_text="USD per calendar day.")
    vega = serializers.FloatField(allow_null=True, help_text="USD per 1 vol point.")
    rho = serializers.FloatField(allow_null=True, help_text="USD per 1 rate point.")


class GreeksMissingSerializer(serializers.Serializer):
    position_id = serializers.UUIDField()
    underlying = serializers.CharField()
    missing = serializers.ListField(
        child=serializers.CharField(),
        help_text="underlying_price, volatility, risk_free_rate, greeks, or not_computed (held after the batch).",
    )


class GreeksDataQualitySerializer(serializers.Serializer):
    positions_missing_greeks = serializers.IntegerField()
    missing = GreeksMissingSerializer(many=True)


class PortfolioGreeksSerializer(serializers.Serializer):
    view = serializers.CharField(help_text="portfolio, longs or shorts (the query parameter).")
    current = GreeksTotalsSerializer()
    by_underlying = rows(GreeksByUnderlyingSerializer)
    by_position = rows(GreeksPositionSerializer)
    after_expiry = GreeksAfterExpirySerializer(
        allow_null=True,
        help_text="Null unless include_after_expiry=true. The book after the nearest expiry: options "
        "expiring by then removed, the others aged to that date (same S, sigma, r, q).",
    )
    units = serializers.DictField(child=serializers.CharField())
    data_quality = GreeksDataQualitySerializer()
    as_of_date = serializers.DateField()
    calculated_at = serializers.DateTimeField()
    stale = serializers.BooleanField(help_text=STALE_HELP)
    data_source = serializers.CharField()
    conventions = ConventionsSerializer()


# POST /analytics/risk/greeks/calculate ----------------------------------------------------------

_CONTRACT_FIELDS = ("underlying_symbol", "strike", "expiration_date", "option_type")


class GreeksPositionInput(serializers.Serializer):
    """One option: an OCC symbol or the contract fields, a signed quantity, optional market inputs."""

    occ_symbol = serializers.CharField(
        required=False, max_length=32, help_text="Fills underlying, strike, expiry, type."
    )
    underlying_symbol = serializers.CharField(required=False, max_length=16)
    underlying_price = serializers.FloatField(
        required=False, allow_null=True, help_text="USD per share, > 0."
    )
    strike = serializers.FloatField(required=False, help_text="USD per share, > 0.")
    expiration_date = serializers.DateField(
        required=False, help_text="YYYY-MM-DD; on or before the as-of date = expired (zero Greeks)."
    )
    option_type = serializers.ChoiceField(choices=OptionType.choices, required=False)
    quantity = serializers.FloatField(help_text="Signed contracts (negative = short), not 0.")
    multiplier = serializers.IntegerField(required=False, min_value=1, max_value=10000, default=100)
    volatility = serializers.FloatField(
        required=False, allow_null=True, help_text="Annualized decimal, in (0, 5]."
    )
    risk_free_rate = serializers.FloatField(
        required=False, allow_null=True, min_value=-0.1, max_value=1.0, help_text="Decimal per year."
    )
    dividend_yield = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=0.0,
        max_value=1.0,
        help_text="Continuous, decimal per year.",
    )
    exercise = serializers.ChoiceField(
        choices=["american", "european"],
        required=False,
        allow_null=True,
        help_text="Default: american for options on stocks and ETFs, european for index options "
        "(VIX, SPX, NDX, RUT, XSP, DJX).",
    )

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)

    def validate_underlying_symbol(self, value: str) -> str:
        return value.strip().upper()

    def validate_underlying_price(self, value: float | None) -> float | None:
        if value is not None and not value > 0:
            raise serializers.ValidationError("Must be greater than 0.")
        return value

    def validate_strike(self, value: float) -> float:
        if not value > 0:
            raise serializers.ValidationError("Must be greater than 0.")
        return value

    def validate_quantity(self, value: float) -> float:
        if value == 0:
            raise serializers.ValidationError("Must not be 0 (negative = short).")
        return value

    def validate_volatility(self, value: float | None) -> float | None:
        if value is not None and not 0 < value <= 5:
            raise serializers.ValidationError("Must be in (0, 5] (annualized decimal: 0.25 = 25%).")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        occ = attrs.get("occ_symbol")
        if occ:
            try:
                contract = parse_occ(occ)
            except OCCError as exc:
                raise serializers.ValidationError({"occ_symbol": [str(exc)]}) from None
            parsed = {
                "underlying_symbol": contract.underlying,
                "strike": float(contract.strike),
                "expiration_date": contract.expiration,
                "option_type": contract.option_type,
            }
            conflicts = {
                name: [f"Disagrees with occ_symbol ({parsed[name]})."]
                for name in _CONTRACT_FIELDS
                if name in attrs and attrs[name] != parsed[name]
            }
            if conflicts:
                raise serializers.ValidationError(conflicts)
            attrs.update(parsed)
            attrs["occ_symbol"] = occ.strip().upper()
        else:
            missing = {
                name: ["This field is required (or give occ_symbol)."]
                for name in ("strike", "expiration_date", "option_type")
                if name not in attrs
            }
            if missing:
                raise serializers.ValidationError(missing)
        return attrs


class GreeksCalculateInput(serializers.Serializer):
    positions = GreeksPositionInput(many=True, allow_empty=False, max_length=MAX_CALCULATE_POSITIONS)
    as_of_date = PolicyDateField(
        required=False, help_text="Valuation date; default the latest stored bar date."
    )


class CalculatedInputsSerializer(serializers.Serializer):
    underlying_price = serializers.FloatField(allow_null=True)
    strike = serializers.FloatField()
    days_to_expiry = serializers.IntegerField(help_text="Calendar days; T = days / 365; <= 0 expired.")
    volatility = serializers.FloatField(allow_null=True)
    risk_free_rate = serializers.FloatField(allow_null=True)
    dividend_yield = serializers.FloatField()
    option_type = serializers.ChoiceField(choices=OptionType.choices)
    quantity = serializers.FloatField()
    multiplier = serializers.FloatField()
    volatility_source = serializers.ChoiceField(
        choices=["given", "implied_from_mark", "position", "realized", "unavailable"],
        help_text="given (the request's), implied_from_mark (solved from the OCC contract's last "
        "stored bar with the same pricer), realized (60-day, floored at 5%).",
    )
    exercise = serializers.ChoiceField(choices=["american", "european"])
    sources = serializers.DictField(
        child=serializers.CharField(), help_text="Per input: request, store, or not_needed (expired)."
    )


class PerShareGreeksSerializer(serializers.Serializer):
    price = serializers.FloatField(
        allow_null=True, help_text="Model value per share (USD) with the option's exercise style."
    )
    delta = serializers.FloatField(allow_null=True)
    gamma = serializers.FloatField(allow_null=True)
    theta = serializers.FloatField(allow_null=True, help_text="Per calendar day.")
    vega = serializers.FloatField(allow_null=True, help_text="Per 1 vol point.")
    rho = serializers.FloatField(allow_null=True, help_text="Per 1 rate point.")


class PositionGreeksOutSerializer(serializers.Serializer):
    delta = serializers.FloatField(allow_null=True)
    gamma = serializers.FloatField(allow_null=True)
    theta = serializers.FloatField(allow_null=True)
    vega = serializers.FloatField(allow_null=True)
    rho = serializers.FloatField(allow_null=True)
    delta_dollars = serializers.FloatField(allow_null=True)
    gamma_dollars = serializers.FloatField(allow_null=True)


class CalculatedPositionSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    occ_symbol = serializers.CharField(allow_null=True)
    underlying_symbol = serializers.CharField(allow_null=True)
    expiration_date = serializers.DateField()
    expired = serializers.BooleanField()
    inputs = CalculatedInputsSerializer()
    per_share = PerShareGreeksSerializer()
    position = PositionGreeksOutSerializer()


class GreeksCalculateSerializer(serializers.Serializer):
    positions = CalculatedPositionSerializer(many=True)
    totals = PositionGreeksOutSerializer()
    units = serializers.DictField(child=serializers.CharField())
    as_of_date = serializers.DateField()
    calculated_at = serializers.DateTimeField()
    data_source = serializers.CharField(help_text="Provider of the stored inputs used, or `request`.")
    conventions = ConventionsSerializer()
