"""Account reads: the user's portfolio list and their pending UI commands."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from accounts.models import UICommand, User


def user_portfolio_refs(*, user: User) -> list[dict[str, Any]]:
    """``[{id, name}]`` of the user's portfolios, oldest first (one query)."""
    rows = user.portfolios.order_by("created_at", "name").values_list("id", "name")
    return [{"id": pk, "name": name} for pk, name in rows]


def ui_command_pending(*, user: User, since: dt.datetime | None = None) -> QuerySet[UICommand]:
    """The user's undelivered UI commands (created strictly after ``since`` when given), oldest first."""
    queryset = UICommand.objects.filter(owner=user, delivered_at__isnull=True)
    if since is not None:
        queryset = queryset.filter(created_at__gt=since)
    return queryset.order_by("created_at", "id")
