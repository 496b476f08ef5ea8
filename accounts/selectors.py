"""Account reads: the user's portfolio list."""

from __future__ import annotations

from typing import Any

from accounts.models import User


def user_portfolio_refs(*, user: User) -> list[dict[str, Any]]:
    """``[{id, name}]`` of the user's portfolios, oldest first (one query)."""
    rows = user.portfolios.order_by("created_at", "name").values_list("id", "name")
    return [{"id": pk, "name": name} for pk, name in rows]
