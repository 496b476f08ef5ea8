"""Portfolio writes and workflows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from portfolios.models import Portfolio


@transaction.atomic
def portfolio_create(
    *, owner: Any, name: str, description: str = "", currency: str = "USD", cash_balance: Decimal | int = 0
) -> Portfolio:
    return Portfolio.objects.create(
        owner=owner, name=name, description=description, currency=currency, cash_balance=cash_balance
    )
