"""Query-parameter filters for the /management lists (django-filter; invalid values are a 400).

The DRF ``DjangoFilterBackend`` validates the form and answers ``VALIDATION_ERROR`` naming each bad
or unknown parameter; the querysets given here are already scoped to ``request.user``.
"""

from __future__ import annotations

import uuid
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet

from portfolios import selectors
from portfolios.models import Portfolio, Position, PositionType, Tag, TagType
from portfolios.occ import format_occ, is_occ, parse_occ

TAG_MODES = (("any", "any"), ("all", "all"))
PAGINATION_PARAMS = frozenset({"limit", "offset"})


class StrictFilterSet(django_filters.FilterSet):
    """A FilterSet that also rejects query parameters it does not know (API.md), by name."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        unknown = sorted(set(self.data) - set(self.filters) - PAGINATION_PARAMS)
        for name in unknown:
            # The form has no field of that name, so the error goes straight into its ErrorDict.
            self.form.errors[name] = self.form.error_class(
                [ValidationError("Unknown query parameter.", code="unknown")]
            )
        return valid and not unknown


class CharInFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    """Comma-separated strings."""


class PositionTypeInFilter(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    """Comma-separated position types, each validated."""


class PositionFilter(StrictFilterSet):
    """``portfolio_id``, ``position_type`` (comma list), ``tags`` + ``tag_mode``, ``symbol``, ``group_by``.

    ``group_by`` is only validated here: the view groups the filtered positions.
    """

    portfolio_id = django_filters.UUIDFilter(
        method="filter_portfolio", help_text="One of your portfolios (another user's id answers 404)."
    )
    position_type = PositionTypeInFilter(
        choices=PositionType.choices, help_text="Comma-separated: LONG, SHORT, LC, LP, SC, SP."
    )
    tags = CharInFilter(method="filter_tags", help_text="Comma-separated tag names (exact, case-sensitive).")
    tag_mode = django_filters.ChoiceFilter(
        choices=TAG_MODES,
        method="filter_nothing",
        help_text="With tags: `any` (default) = at least one of the tags, `all` = every tag.",
    )
    symbol = django_filters.CharFilter(
        method="filter_symbol",
        help_text="A ticker (matches the stock and the options on it) or an OCC symbol (padded or not).",
    )
    group_by = django_filters.ChoiceFilter(
        choices=[(choice, choice) for choice in selectors.GROUP_BY_CHOICES],
        method="filter_nothing",
        help_text="Answer groups of positions instead of positions (see the response schema).",
    )

    class Meta:
        model = Position
        fields: list[str] = []

    def filter_portfolio(
        self, queryset: QuerySet[Position], name: str, value: uuid.UUID
    ) -> QuerySet[Position]:
        selectors.portfolio_get(user=self.request.user, portfolio_id=value)  # 404 unless the user's
        return queryset.filter(portfolio_id=value)

    def filter_tags(self, queryset: QuerySet[Position], name: str, value: list[str]) -> QuerySet[Position]:
        names = list(dict.fromkeys(v.strip() for v in value if v.strip()))
        if not names:
            return queryset
        if self.form.cleaned_data.get("tag_mode") == "all":
            for tag_name in names:
                queryset = queryset.filter(_has_tag(name=tag_name))
            return queryset
        return queryset.filter(_has_tag(name__in=names))

    def filter_symbol(self, queryset: QuerySet[Position], name: str, value: str) -> QuerySet[Position]:
        symbol = value.strip().upper()
        if is_occ(symbol):
            return queryset.filter(symbol=format_occ(parse_occ(symbol)))
        return queryset.filter(Q(symbol=symbol) | Q(underlying_symbol=symbol))

    def filter_nothing(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset


class PortfolioFilter(StrictFilterSet):
    """No filters: only pagination parameters are accepted."""

    class Meta:
        model = Portfolio
        fields: list[str] = []


class TagFilter(StrictFilterSet):
    tag_type = django_filters.ChoiceFilter(choices=TagType.choices)

    class Meta:
        model = Tag
        fields: list[str] = []


def _has_tag(**tag_lookup: Any) -> Exists:
    """A subquery: the position carries a tag matching ``tag_lookup`` (no join, no duplicates)."""
    through = Position.tags.through
    return Exists(
        through.objects.filter(position_id=OuterRef("pk"), **{f"tag__{k}": v for k, v in tag_lookup.items()})
    )
