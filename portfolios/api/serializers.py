"""/management serializers: field types and formats only; the rules are in services and validation.

Numbers are ``Decimal``/``float`` (``COERCE_DECIMAL_TO_STRING`` is off), rendered as JSON numbers.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portfolios.api.fields import (
    ColorField,
    NullableCharField,
    NullableChoiceField,
    TagNameField,
)
from portfolios.models import Currency, OptionType, Portfolio, Position, PositionType, Tag, TagType
from portfolios.selectors import GROUP_BY_CHOICES
from sigmasight.api.limits import DESCRIPTION_MAX_LENGTH

MAX_TAGS_PER_POSITION = 50


# Portfolios ----------------------------------------------------------------------------------------


class PortfolioSerializer(serializers.ModelSerializer):
    """A portfolio; writable: name, description, currency (USD only), cash_balance."""

    currency = serializers.ChoiceField(
        choices=Currency.choices,
        default=Currency.USD,
        error_messages={"invalid_choice": "Unsupported currency {input!r}: only USD is supported."},
    )
    cash_balance = serializers.DecimalField(
        max_digits=20, decimal_places=2, default=0, help_text="Cash held, in the portfolio currency."
    )
    position_count = serializers.IntegerField(read_only=True, help_text="Positions stored, open and closed.")

    class Meta:
        model = Portfolio
        fields = [
            "id",
            "name",
            "description",
            "currency",
            "cash_balance",
            "position_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id"]
        extra_kwargs = {"description": {"max_length": DESCRIPTION_MAX_LENGTH}}


# Positions -----------------------------------------------------------------------------------------


class PositionSerializer(serializers.ModelSerializer):
    """A position (output). ``position_type`` and ``multiplier`` are derived, never taken from input."""

    portfolio_id = serializers.UUIDField(read_only=True)
    position_type = serializers.ChoiceField(
        choices=PositionType.choices,
        read_only=True,
        help_text="Derived: LONG/SHORT for stocks by the sign of quantity; LC/LP/SC/SP for options.",
    )
    multiplier = serializers.IntegerField(read_only=True, help_text="Derived: 1 for stocks, 100 for options.")
    underlying_symbol = NullableCharField(read_only=True, allow_null=True, help_text="Options only.")
    option_type = NullableChoiceField(choices=OptionType.choices, read_only=True, allow_null=True)
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Position
        fields = [
            "id",
            "portfolio_id",
            "symbol",
            "position_type",
            "quantity",
            "multiplier",
            "entry_price",
            "entry_date",
            "exit_price",
            "exit_date",
            "underlying_symbol",
            "option_type",
            "strike_price",
            "expiration_date",
            "implied_volatility",
            "tags",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PositionInputSerializer(serializers.Serializer):
    """A position to create or replace (PUT) or the fields to change (PATCH).

    Stocks: ``symbol``. Options: an OCC ``symbol`` (padded ``"AAPL  251219C00150000"`` or not), or
    ``underlying_symbol`` + ``option_type`` + ``strike_price`` + ``expiration_date`` (the OCC symbol
    is then built). ``tags``, when given, replace the position's tags (missing ones are created).
    """

    portfolio_id = serializers.UUIDField(help_text="One of your portfolios (404 otherwise).")
    symbol = serializers.CharField(
        max_length=32, required=False, allow_blank=True, allow_null=True, help_text="Ticker or OCC symbol."
    )
    quantity = serializers.DecimalField(
        max_digits=20, decimal_places=6, help_text="Signed: negative = short. Contracts for options."
    )
    entry_price = serializers.DecimalField(max_digits=20, decimal_places=6, help_text="Per share, > 0.")
    entry_date = serializers.DateField(help_text="Not in the future.")
    exit_price = serializers.DecimalField(
        max_digits=20, decimal_places=6, required=False, allow_null=True, help_text="With exit_date."
    )
    exit_date = serializers.DateField(required=False, allow_null=True, help_text="With exit_price.")
    underlying_symbol = serializers.CharField(
        max_length=16, required=False, allow_blank=True, allow_null=True
    )
    option_type = serializers.ChoiceField(
        choices=OptionType.choices, required=False, allow_blank=True, allow_null=True
    )
    strike_price = serializers.DecimalField(max_digits=20, decimal_places=3, required=False, allow_null=True)
    expiration_date = serializers.DateField(required=False, allow_null=True)
    implied_volatility = serializers.FloatField(
        required=False, allow_null=True, help_text="Options only; a decimal in (0, 5] (0.25 = 25%)."
    )
    tags = serializers.ListField(child=TagNameField(), required=False, max_length=MAX_TAGS_PER_POSITION)


class PositionTagsInputSerializer(serializers.Serializer):
    tags = serializers.ListField(
        child=TagNameField(),
        allow_empty=True,
        max_length=MAX_TAGS_PER_POSITION,
        help_text="The position's new tag set (names); missing tags are created as regular tags.",
    )


class PositionGroupSerializer(serializers.Serializer):
    key = serializers.CharField(
        allow_null=True,
        help_text="The position type (group_by=type) or the tag name; null = positions without a tag.",
    )
    tag_id = serializers.UUIDField(allow_null=True, help_text="The tag of the group (null for type groups).")
    position_count = serializers.IntegerField()
    positions = PositionSerializer(many=True)


class _Page(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


# ``allOf`` keeps drf-spectacular's enum post-processing (which drops null from enums) off it.
@extend_schema_field(
    {
        "type": "string",
        "nullable": True,
        "allOf": [{"enum": [None]}],
        "description": "null: a page of positions, not of groups.",
    }
)
class _NoGroupingField(serializers.Field):
    """Always null: tells a page of positions from a page of groups (``group_by`` set)."""

    def to_representation(self, value: object) -> None:
        return None


class PositionPageSerializer(_Page):
    """Without ``group_by``: a page of positions (``count`` positions in all)."""

    group_by = _NoGroupingField()
    results = PositionSerializer(many=True)


class PositionGroupPageSerializer(_Page):
    """With ``group_by``: a page of groups (``count`` groups in all; limit/offset page groups)."""

    group_by = serializers.ChoiceField(
        choices=[(choice, choice) for choice in GROUP_BY_CHOICES], help_text="The grouping asked for."
    )
    results = PositionGroupSerializer(many=True)


# Tags ----------------------------------------------------------------------------------------------


class TagSerializer(serializers.ModelSerializer):
    """A tag; ``name`` is unique per user (a duplicate answers 409 CONFLICT)."""

    name = TagNameField()
    tag_type = serializers.ChoiceField(choices=TagType.choices, default=TagType.REGULAR)
    color = ColorField(required=False, help_text="#RRGGBB, or empty for none.")

    class Meta:
        model = Tag
        fields = ["id", "name", "tag_type", "description", "color", "created_at", "updated_at"]
        read_only_fields = ["id"]
        extra_kwargs = {"description": {"max_length": DESCRIPTION_MAX_LENGTH}}
