"""Portfolio, position and tag reads, always scoped to one owner.

Another user's object is indistinguishable from a missing one: the ``*_get`` selectors raise the
404 :class:`~sigmasight.api.exceptions.NotFound` for both.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Prefetch, QuerySet

from portfolios.models import Portfolio, Position, PositionType, Tag, TagType
from sigmasight.api.exceptions import NotFound

GroupBy = Literal["type", "strategy", "tag"]
GROUP_BY_CHOICES: tuple[GroupBy, ...] = ("type", "strategy", "tag")


def portfolio_list(*, user: Any) -> QuerySet[Portfolio]:
    """The user's portfolios with ``position_count`` (all stored positions, open and closed)."""
    return (
        Portfolio.objects.filter(owner=user)
        .annotate(position_count=Count("positions"))
        .order_by("created_at", "name", "id")
    )


def portfolio_get(*, user: Any, portfolio_id: uuid.UUID | str) -> Portfolio:
    """One of the user's portfolios (annotated like :func:`portfolio_list`), else 404."""
    return _get(portfolio_list(user=user), portfolio_id, "Portfolio")


def position_list(*, user: Any) -> QuerySet[Position]:
    """The user's positions with their tags prefetched: two queries whatever the number of rows."""
    return (
        Position.objects.filter(portfolio__owner=user)
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .order_by("symbol", "entry_date", "id")
    )


def position_get(*, user: Any, position_id: uuid.UUID | str) -> Position:
    """One of the user's positions with its tags, else 404."""
    return _get(position_list(user=user), position_id, "Position")


def tag_list(*, user: Any) -> QuerySet[Tag]:
    """The user's tags, by name."""
    return Tag.objects.filter(owner=user).order_by("name", "id")


def tag_get(*, user: Any, tag_id: uuid.UUID | str) -> Tag:
    """One of the user's tags, else 404."""
    return _get(tag_list(user=user), tag_id, "Tag")


@dataclass
class PositionGroup:
    """Positions sharing a key: a position type, or a tag (``tag_id``); ``key`` None = untagged."""

    key: str | None
    tag_id: uuid.UUID | None = None
    positions: list[Position] = field(default_factory=list)

    @property
    def position_count(self) -> int:
        return len(self.positions)


def position_groups(*, positions: Iterable[Position], group_by: GroupBy) -> list[PositionGroup]:
    """Groups positions (tags prefetched: no query per row) in a stable order.

    ``type``: one group per position type present, in the order LONG, SHORT, LC, LP, SC, SP.
    ``tag`` / ``strategy``: one group per tag (strategy tags only for ``strategy``) by tag name;
    a position with several tags is in each of their groups; positions without one are in a last
    group whose ``key`` is null.
    """
    if group_by == "type":
        by_type: dict[str, PositionGroup] = {kind: PositionGroup(key=kind) for kind in PositionType.values}
        for position in positions:
            by_type[position.position_type].positions.append(position)
        return [group for group in by_type.values() if group.positions]

    only_strategy = group_by == "strategy"
    by_tag: dict[uuid.UUID, PositionGroup] = {}
    untagged = PositionGroup(key=None)
    for position in positions:
        tags = [t for t in position.tags.all() if not only_strategy or t.tag_type == TagType.STRATEGY]
        for tag in tags:
            by_tag.setdefault(tag.pk, PositionGroup(key=tag.name, tag_id=tag.pk)).positions.append(position)
        if not tags:
            untagged.positions.append(position)
    groups = sorted(by_tag.values(), key=lambda g: (g.key or "", str(g.tag_id)))
    return groups + ([untagged] if untagged.positions else [])


def _get(queryset: QuerySet[Any], pk: uuid.UUID | str, label: str) -> Any:
    """``queryset.get(pk=pk)``; a missing, foreign or malformed id is the same 404."""
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, DjangoValidationError, ValueError, TypeError):
        raise NotFound(f"{label} not found.") from None
