"""Portfolio, position and tag writes.

Every function is atomic and keyword-only, checks ownership through the selectors (404 for another
user's objects) and raises :class:`~sigmasight.api.exceptions.ApplicationError` subclasses whose
``details`` map field names to messages. Position rules live in :mod:`portfolios.validation`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from portfolios import selectors
from portfolios.models import Portfolio, Position, Tag, TagType
from portfolios.validation import CONTRACT_FIELDS, PositionInvalid, position_clean
from sigmasight.api.exceptions import ApplicationError, Conflict

PORTFOLIO_FIELDS = ("name", "description", "currency", "cash_balance")
POSITION_FIELDS = (
    "symbol",
    "quantity",
    "entry_price",
    "entry_date",
    "exit_price",
    "exit_date",
    "underlying_symbol",
    "option_type",
    "strike_price",
    "expiration_date",
    "implied_volatility",
)
DERIVED_FIELDS = ("position_type", "multiplier")
TAG_FIELDS = ("name", "tag_type", "description", "color")


# Portfolios ----------------------------------------------------------------------------------------


@transaction.atomic
def portfolio_create(
    *, owner: Any, name: str, description: str = "", currency: str = "USD", cash_balance: Decimal | int = 0
) -> Portfolio:
    """Creates a portfolio for ``owner`` (``cash_balance`` in ``currency``, USD only for now)."""
    return Portfolio.objects.create(
        owner=owner, name=name, description=description, currency=currency, cash_balance=cash_balance
    )


@transaction.atomic
def portfolio_update(*, portfolio: Portfolio, data: Mapping[str, Any]) -> Portfolio:
    """Sets the given writable fields (name, description, currency, cash_balance)."""
    _assign(portfolio, data, PORTFOLIO_FIELDS)
    return portfolio


@transaction.atomic
def portfolio_delete(*, portfolio: Portfolio) -> None:
    """Deletes the portfolio and its positions."""
    portfolio.delete()


# Positions -----------------------------------------------------------------------------------------


def position_fields_clean(data: Mapping[str, Any], *, today: dt.date | None = None) -> dict[str, Any]:
    """The validated, normalized model fields of a position (derived ``position_type``,
    ``multiplier`` and OCC ``symbol`` included); a 400 with per-field details otherwise.

    ``today`` defaults to the server's current date (``timezone.localdate``).
    """
    try:
        return position_clean(data, today=today or timezone.localdate())
    except PositionInvalid as exc:
        field, messages = next(iter(exc.errors.items()))
        raise ApplicationError(f"{field}: {messages[0]}", details=exc.errors) from exc


@transaction.atomic
def position_create(
    *, owner: Any, portfolio_id: uuid.UUID, data: Mapping[str, Any], tags: Iterable[str] | None = None
) -> Position:
    """Opens a position in one of ``owner``'s portfolios; ``tags`` (names) are created when missing."""
    portfolio = selectors.portfolio_get(user=owner, portfolio_id=portfolio_id)
    position = Position.objects.create(portfolio=portfolio, **position_fields_clean(data))
    if tags is not None:
        position.tags.set(tags_get_or_create(owner=owner, names=tags))
    return position


@transaction.atomic
def position_update(
    *,
    owner: Any,
    position: Position,
    data: Mapping[str, Any],
    partial: bool,
    portfolio_id: uuid.UUID | None = None,
    tags: Iterable[str] | None = None,
) -> Position:
    """Updates a position and re-derives its type, multiplier and OCC symbol.

    ``partial=False`` (PUT) replaces every field (an omitted optional field becomes empty);
    ``partial=True`` (PATCH) merges ``data`` into the stored values. Changing an option's
    ``symbol`` alone re-reads the contract from it; changing a contract field without ``symbol``
    rebuilds the symbol. ``portfolio_id`` moves it to another of ``owner``'s portfolios;
    ``tags``, when given, replace its tags.
    """
    moved_to = None
    if portfolio_id is not None and portfolio_id != position.portfolio_id:
        moved_to = selectors.portfolio_get(user=owner, portfolio_id=portfolio_id)
    base = _position_values(position, changed=data.keys()) if partial else {}
    values = position_fields_clean({**base, **data})
    if moved_to is not None:
        values["portfolio"] = moved_to
    _assign(position, values, (*POSITION_FIELDS, *DERIVED_FIELDS, "portfolio"))
    if tags is not None:
        position.tags.set(tags_get_or_create(owner=owner, names=tags))
    return position


@transaction.atomic
def position_delete(*, position: Position) -> None:
    position.delete()


@transaction.atomic
def position_tags_set(*, owner: Any, position: Position, names: Iterable[str]) -> Position:
    """Replaces the position's tags by ``names``, creating missing ones as regular tags of ``owner``."""
    position.tags.set(tags_get_or_create(owner=owner, names=names))
    return position


def _position_values(position: Position, *, changed: Iterable[str]) -> dict[str, Any]:
    """The stored values a PATCH merges into, without those the change makes stale."""
    values = {name: getattr(position, name) for name in POSITION_FIELDS}
    changed = set(changed)
    if "symbol" in changed and not changed & set(CONTRACT_FIELDS):
        values.update(dict.fromkeys(CONTRACT_FIELDS))  # the new symbol says what the contract is
    elif changed & set(CONTRACT_FIELDS) and "symbol" not in changed and position.is_option:
        values["symbol"] = None  # rebuilt from the contract fields
    return values


# Tags ----------------------------------------------------------------------------------------------


@transaction.atomic
def tag_create(
    *, owner: Any, name: str, tag_type: str = TagType.REGULAR, description: str = "", color: str = ""
) -> Tag:
    """Creates a tag; a name the owner already uses is a 409 CONFLICT."""
    _tag_name_available(owner=owner, name=name)
    try:
        with transaction.atomic():
            return Tag.objects.create(
                owner=owner, name=name, tag_type=tag_type, description=description, color=color
            )
    except IntegrityError:  # a concurrent request created it
        raise _duplicate_tag(name) from None


@transaction.atomic
def tag_update(*, tag: Tag, data: Mapping[str, Any]) -> Tag:
    """Sets the given fields (name, tag_type, description, color); a taken name is a 409."""
    if "name" in data and data["name"] != tag.name:
        _tag_name_available(owner=tag.owner_id, name=data["name"], exclude=tag.pk)
    try:
        with transaction.atomic():
            _assign(tag, data, TAG_FIELDS)
    except IntegrityError:
        raise _duplicate_tag(data["name"]) from None
    return tag


@transaction.atomic
def tag_delete(*, tag: Tag) -> None:
    """Deletes the tag (positions lose it; they are not deleted)."""
    tag.delete()


@transaction.atomic
def tags_get_or_create(*, owner: Any, names: Iterable[str], strategy: Iterable[str] = ()) -> list[Tag]:
    """``owner``'s tags with these names (duplicates ignored), sorted by name, creating missing ones:
    ``names`` as regular tags, ``strategy`` as strategy tags (a name in both is a strategy tag).
    Existing tags keep their type."""
    wanted: dict[str, str] = dict.fromkeys(strategy, TagType.STRATEGY)
    for name in names:
        wanted.setdefault(name, TagType.REGULAR)
    if not wanted:
        return []
    existing = set(Tag.objects.filter(owner=owner, name__in=list(wanted)).values_list("name", flat=True))
    Tag.objects.bulk_create(
        [Tag(owner=owner, name=n, tag_type=t) for n, t in wanted.items() if n not in existing],
        ignore_conflicts=True,
    )
    return list(Tag.objects.filter(owner=owner, name__in=list(wanted)).order_by("name"))


def _tag_name_available(*, owner: Any, name: str, exclude: uuid.UUID | None = None) -> None:
    taken = Tag.objects.filter(owner=owner, name=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise _duplicate_tag(name)


def _duplicate_tag(name: str) -> Conflict:
    message = f"A tag named {name!r} already exists."
    return Conflict(message, details={"name": [message]})


# Helpers -------------------------------------------------------------------------------------------


def _assign(instance: Any, data: Mapping[str, Any], fields: Iterable[str]) -> None:
    """Sets the given ``fields`` present in ``data`` and saves them (with ``updated_at``)."""
    changed = [name for name in fields if name in data]
    for name in changed:
        setattr(instance, name, data[name])
    if changed:
        instance.save(update_fields=[*changed, "updated_at"])
