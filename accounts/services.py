"""Account workflows: registration and token issuing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from portfolios.services import portfolio_create


@transaction.atomic
def user_register(*, email: str, password: str, full_name: str) -> User:
    """Creates the user and an empty portfolio named "<full_name>'s Portfolio"."""
    user = User(email=email.strip().lower(), full_name=full_name.strip())
    validate_password(password, user=user)
    user.set_password(password)
    user.save()
    portfolio_create(owner=user, name=f"{user.full_name or user.email}'s Portfolio")
    return user


def user_tokens(*, user: User) -> dict[str, Any]:
    """A fresh access/refresh pair in the API.md login shape (without the user block)."""
    refresh = RefreshToken.for_user(user)
    lifetime = settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"]
    return {
        "access_token": str(refresh.access_token),
        "refresh_token": str(refresh),
        "token_type": "bearer",
        "expires_in": int(lifetime.total_seconds()),
    }


def user_login(*, email: str, password: str, request: Any = None) -> tuple[User, dict[str, Any]]:
    """Authenticates by email and password; one message for every failure (no account probing)."""
    user = authenticate(request, email=email.strip().lower(), password=password)
    if user is None or not user.is_active:
        raise AuthenticationFailed("Invalid email or password.")
    from django.contrib.auth.models import update_last_login

    update_last_login(None, user)
    return user, user_tokens(user=user)
