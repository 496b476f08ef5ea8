"""/management viewsets for portfolios, positions and tags: thin, scoped to ``request.user``.

Each action validates its input, makes one service or selector call and serializes the result.
Another user's object answers 404 (the querysets only hold the user's own rows).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model, QuerySet
from drf_spectacular.utils import (
    OpenApiExample,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from portfolios import selectors, services
from portfolios.api import serializers as s
from portfolios.filters import PortfolioFilter, PositionFilter, TagFilter
from portfolios.models import Portfolio, Position, Tag
from sigmasight.api.schema import errors

UUID_REGEX = "[0-9a-fA-F-]{36}"


class OwnedViewSet(viewsets.ModelViewSet):
    """A ModelViewSet over ``selector(user=request.user)``; UUID lookups."""

    lookup_value_regex = UUID_REGEX
    model: type[Model]
    #: Each subclass defines ``selector(self, *, user)``: the user's own rows of ``model``.
    selector: Callable[..., QuerySet[Any]]

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return self.model.objects.none()
        return self.selector(user=self.request.user)


# Portfolios ----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List your portfolios", responses={200: s.PortfolioSerializer, **errors(400)}),
    create=extend_schema(summary="Create a portfolio", responses={201: s.PortfolioSerializer, **errors(400)}),
    retrieve=extend_schema(summary="Get a portfolio", responses={200: s.PortfolioSerializer, **errors(404)}),
    update=extend_schema(
        summary="Replace a portfolio", responses={200: s.PortfolioSerializer, **errors(400, 404)}
    ),
    partial_update=extend_schema(
        summary="Update a portfolio", responses={200: s.PortfolioSerializer, **errors(400, 404)}
    ),
    destroy=extend_schema(
        summary="Delete a portfolio and its positions", responses={204: None, **errors(404)}
    ),
)
class PortfolioViewSet(OwnedViewSet):
    """Portfolios: ``{id, name, description, currency, cash_balance, position_count, created_at, updated_at}``."""

    model = Portfolio
    serializer_class = s.PortfolioSerializer
    filterset_class = PortfolioFilter

    def selector(self, *, user: Any) -> QuerySet[Portfolio]:
        return selectors.portfolio_list(user=user)

    def perform_create(self, serializer: BaseSerializer) -> None:
        portfolio = services.portfolio_create(owner=self.request.user, **serializer.validated_data)
        serializer.instance = selectors.portfolio_get(user=self.request.user, portfolio_id=portfolio.pk)

    def perform_update(self, serializer: BaseSerializer) -> None:
        services.portfolio_update(portfolio=serializer.instance, data=serializer.validated_data)
        serializer.instance = selectors.portfolio_get(
            user=self.request.user, portfolio_id=serializer.instance.pk
        )

    def perform_destroy(self, instance: Portfolio) -> None:
        services.portfolio_delete(portfolio=instance)


# Positions -----------------------------------------------------------------------------------------

_EXAMPLE_LEG = {
    "id": "3f1c2b9e-6f1a-4c51-9d7e-2b8f0a1c4d10",
    "portfolio_id": "9a0e7c55-2d44-4c8e-b0f1-6c2d3e4f5a61",
    "symbol": "AAPL  251219C00150000",
    "position_type": "LC",
    "quantity": 2.0,
    "multiplier": 100,
    "entry_price": 5.5,
    "entry_date": "2025-06-02",
    "exit_price": None,
    "exit_date": None,
    "underlying_symbol": "AAPL",
    "option_type": "call",
    "strike_price": 150.0,
    "expiration_date": "2025-12-19",
    "implied_volatility": 0.28,
    "tags": ["AAPL bull spread"],
    "created_at": "2025-06-02T14:30:00.000Z",
    "updated_at": "2025-06-02T14:30:00.000Z",
}
_GROUPED_EXAMPLE = {
    "count": 2,
    "next": None,
    "previous": None,
    "group_by": "strategy",
    "results": [
        {
            "key": "AAPL bull spread",
            "tag_id": "5b7d9e21-8c3f-4a6b-9e0d-1f2a3b4c5d6e",
            "position_count": 1,
            "positions": [_EXAMPLE_LEG],
        },
        {
            "key": None,
            "tag_id": None,
            "position_count": 1,
            "positions": [
                {
                    **_EXAMPLE_LEG,
                    "id": "7e6d5c4b-3a29-4180-8f7e-6d5c4b3a2918",
                    "symbol": "MSFT",
                    "position_type": "SHORT",
                    "quantity": -50.0,
                    "multiplier": 1,
                    "entry_price": 410.25,
                    "underlying_symbol": None,
                    "option_type": None,
                    "strike_price": None,
                    "expiration_date": None,
                    "implied_volatility": None,
                    "tags": [],
                }
            ],
        },
    ],
}

_LIST_RESPONSE = PolymorphicProxySerializer(
    component_name="PositionListResponse",
    serializers=[s.PositionPageSerializer, s.PositionGroupPageSerializer],
    resource_type_field_name=None,
    many=False,
)


@extend_schema_view(
    list=extend_schema(
        summary="List your positions (filtered, optionally grouped)",
        description=(
            "Without `group_by`: a page of positions `{count, next, previous, group_by: null, results: "
            "[position]}`.\n\n"
            "With `group_by=type|strategy|tag`: a page of **groups** `{count, next, previous, group_by, results: "
            "[{key, tag_id, position_count, positions: [position]}]}` where `count` is the number of "
            "groups and `limit`/`offset` page the groups (each group holds all its positions). "
            "`type`: one group per position type present, in the order LONG, SHORT, LC, LP, SC, SP "
            "(`tag_id` null). `tag`: one group per tag by name; `strategy`: the same with strategy "
            "tags only. A position with several tags appears in each of their groups; positions "
            "without one form a last group whose `key` and `tag_id` are null. Filters apply first."
        ),
        responses={200: _LIST_RESPONSE, **errors(400, 404)},
        examples=[
            OpenApiExample(
                "Grouped (group_by=strategy)",
                value=_GROUPED_EXAMPLE,
                response_only=True,
                description="The last group (null key) holds the positions without a strategy tag.",
            )
        ],
    ),
    create=extend_schema(
        summary="Open a position",
        request=s.PositionInputSerializer,
        responses={201: s.PositionSerializer, **errors(400, 404)},
    ),
    retrieve=extend_schema(summary="Get a position", responses={200: s.PositionSerializer, **errors(404)}),
    update=extend_schema(
        summary="Replace a position",
        request=s.PositionInputSerializer,
        responses={200: s.PositionSerializer, **errors(400, 404)},
    ),
    partial_update=extend_schema(
        summary="Update a position",
        request=s.PositionInputSerializer,
        responses={200: s.PositionSerializer, **errors(400, 404)},
    ),
    destroy=extend_schema(summary="Delete a position", responses={204: None, **errors(404)}),
)
class PositionViewSet(OwnedViewSet):
    """Positions: type, multiplier and the options' OCC symbol are derived by the services."""

    model = Position
    serializer_class = s.PositionSerializer
    filterset_class = PositionFilter

    def selector(self, *, user: Any) -> QuerySet[Position]:
        return selectors.position_list(user=user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        positions = self.filter_queryset(self.get_queryset())  # validates every query parameter
        group_by = request.query_params.get("group_by") or None
        if group_by:
            groups = selectors.position_groups(positions=positions, group_by=group_by)  # type: ignore[arg-type]
            response = self.get_paginated_response(
                s.PositionGroupSerializer(self.paginate_queryset(groups), many=True).data
            )
        else:
            page = self.paginate_queryset(positions)
            response = self.get_paginated_response(s.PositionSerializer(page, many=True).data)
        # ``group_by`` (null for positions) tells the two page shapes apart (PositionListResponse).
        response.data = {**response.data, "group_by": group_by}
        return response

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._input(request, partial=False)
        position = services.position_create(owner=request.user, **data)
        return self._output(position, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, partial: bool = False, **kwargs: Any) -> Response:
        position = self.get_object()
        data = self._input(request, partial=partial)
        services.position_update(owner=request.user, position=position, partial=partial, **data)
        return self._output(position)

    def perform_destroy(self, instance: Position) -> None:
        services.position_delete(position=instance)

    @extend_schema(
        summary="Replace a position's tags",
        request=s.PositionTagsInputSerializer,
        responses={200: s.PositionSerializer, **errors(400, 404)},
    )
    @action(detail=True, methods=["put"], url_path="tags", filter_backends=[])
    def tags(self, request: Request, pk: str | None = None) -> Response:
        position = self.get_object()
        payload = s.PositionTagsInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.position_tags_set(
            owner=request.user, position=position, names=payload.validated_data["tags"]
        )
        return self._output(position)

    @staticmethod
    def _input(request: Request, *, partial: bool) -> dict[str, Any]:
        """``{portfolio_id, data, tags}`` for the services from the validated body."""
        payload = s.PositionInputSerializer(data=request.data, partial=partial)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        return {"portfolio_id": data.pop("portfolio_id", None), "tags": data.pop("tags", None), "data": data}

    def _output(self, position: Position, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.position_get(user=self.request.user, position_id=position.pk)
        return Response(s.PositionSerializer(fresh).data, status=status_code)


# Tags ----------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List your tags", responses={200: s.TagSerializer, **errors(400)}),
    create=extend_schema(
        summary="Create a tag",
        description="A name you already use answers **409 CONFLICT** with `details.name`.",
        responses={201: s.TagSerializer, **errors(400, 409)},
    ),
    retrieve=extend_schema(summary="Get a tag", responses={200: s.TagSerializer, **errors(404)}),
    partial_update=extend_schema(
        summary="Update a tag",
        description="Renaming to a name you already use answers **409 CONFLICT**.",
        responses={200: s.TagSerializer, **errors(400, 404, 409)},
    ),
    destroy=extend_schema(
        summary="Delete a tag (positions keep existing, without it)", responses={204: None, **errors(404)}
    ),
)
class TagViewSet(OwnedViewSet):
    """Tags: ``{id, name, tag_type, description, color, created_at, updated_at}``."""

    model = Tag
    serializer_class = s.TagSerializer
    filterset_class = TagFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def selector(self, *, user: Any) -> QuerySet[Tag]:
        return selectors.tag_list(user=user)

    def perform_create(self, serializer: BaseSerializer) -> None:
        serializer.instance = services.tag_create(owner=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: BaseSerializer) -> None:
        services.tag_update(tag=serializer.instance, data=serializer.validated_data)

    def perform_destroy(self, instance: Tag) -> None:
        services.tag_delete(tag=instance)
