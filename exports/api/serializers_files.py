"""Serializers of the file exports: GET /export/portfolio/{id} (query), POST /export/trades (body)
and GET /export/history (query and rows)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from analytics.api.common import PAGINATION_PARAMS
from exports.models import ExportKind, ExportRecord
from exports.portfolio_export import SECTIONS
from exports.portfolio_files import PORTFOLIO_FORMATS
from exports.trades import ACTIONS, ORDER_TYPES, TRADE_FORMATS
from sigmasight.api.params import StrictQuerySerializer

#: Most trades one request may carry.
MAX_TRADES = 1000


class PortfolioExportQuery(StrictQuerySerializer):
    format = serializers.ChoiceField(choices=PORTFOLIO_FORMATS, help_text="csv, xlsx or json.")
    include = serializers.CharField(
        required=False,
        help_text=f"Comma-separated sections: {', '.join(SECTIONS)} (default all five).",
    )

    def validate_include(self, value: str) -> list[str]:
        names = [part.strip() for part in value.split(",")]
        if any(not name for name in names):
            raise serializers.ValidationError(f"Expected comma-separated sections of {', '.join(SECTIONS)}.")
        unknown = [name for name in names if name not in SECTIONS]
        if unknown:
            raise serializers.ValidationError(
                f"Unknown section(s): {', '.join(unknown)}. Known: {', '.join(SECTIONS)}."
            )
        return list(dict.fromkeys(names))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        attrs.setdefault("include", list(SECTIONS))
        if attrs["format"] == "csv" and "positions" not in attrs["include"]:
            raise serializers.ValidationError(
                {"include": ["A CSV export is the positions table: include must contain positions."]}
            )
        return attrs


class TradeInput(serializers.Serializer):
    symbol = serializers.CharField(max_length=32, help_text="A ticker, or an OCC option symbol.")
    action = serializers.ChoiceField(choices=ACTIONS)
    quantity = serializers.DecimalField(
        max_digits=20, decimal_places=6, help_text="Positive: shares, or contracts for options."
    )
    order_type = serializers.ChoiceField(choices=ORDER_TYPES, required=False, default="market")
    limit_price = serializers.DecimalField(
        max_digits=20,
        decimal_places=6,
        required=False,
        allow_null=True,
        help_text="Required for limit orders.",
    )


class TradesExportInput(serializers.Serializer):
    portfolio_id = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="Check sells and covers against this portfolio of yours (another user's answers 404).",
    )
    # DRF passes max_length on to the ListSerializer (3.15+); the stubs do not know it yet
    trades = TradeInput(many=True, allow_empty=False, max_length=MAX_TRADES)  # type: ignore[call-arg]
    format = serializers.ChoiceField(choices=TRADE_FORMATS)
    broker = serializers.CharField(
        required=False, allow_blank=True, max_length=32, help_text='FIX TargetCompID (default "BROKER").'
    )


class HistoryQuery(StrictQuerySerializer):
    allowed_extra = PAGINATION_PARAMS

    portfolio_id = serializers.UUIDField(required=False, help_text="Only this portfolio of yours.")
    kind = serializers.ChoiceField(choices=ExportKind.choices, required=False)


class ExportRecordSerializer(serializers.ModelSerializer):
    portfolio_id = serializers.UUIDField(allow_null=True, read_only=True)

    class Meta:
        model = ExportRecord
        fields = ["id", "kind", "format", "portfolio_id", "created_at", "size_bytes", "filename"]
        read_only_fields = fields


def flat_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as ``{"trades[2].quantity": [...]}`` (the API's ``details`` keys)."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            if key == "non_field_errors" and prefix:
                name = prefix
            elif isinstance(key, int):  # a ListSerializer's errors by item index
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            out.update(flat_errors(value, name))
        return out
    if isinstance(detail, list) and any(isinstance(item, (dict, list)) for item in detail):
        out = {}
        for index, item in enumerate(detail):
            if item:
                out.update(flat_errors(item, f"{prefix}[{index}]"))
        return out
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(m) for m in messages]}
