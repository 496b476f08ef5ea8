"""Sign-up: a new user and their first (empty) portfolio, in one transaction.

It lives with onboarding because it writes to both apps: portfolios depends on accounts, never the
reverse (accounts imports no domain app).
"""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from accounts.services import user_create
from portfolios.services import portfolio_create


@transaction.atomic
def user_sign_up(*, email: str, password: str, full_name: str) -> User:
    """Creates the user and an empty portfolio named "<full_name>'s Portfolio" (or the email's).

    Raises ``rest_framework.exceptions.ValidationError`` for a weak password or a taken email
    (nothing is written then).
    """
    user = user_create(email=email, password=password, full_name=full_name)
    portfolio_create(owner=user, name=f"{user.full_name or user.email}'s Portfolio")
    return user
