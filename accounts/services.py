"""Account workflows: user creation, token issuing, refresh and revocation.

Sign-up (a user and their first portfolio) is an onboarding workflow of the portfolios app
(:mod:`portfolios.onboarding.signup`), which calls :func:`user_create`: accounts imports no domain app.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.authentication import TOKEN_VERSION_CLAIM, token_version_of
from accounts.models import User

_BAD_REFRESH = "Refresh token is invalid, expired or revoked."


def _expires_in() -> int:
    """Access token lifetime in seconds (settings ``SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"]``)."""
    return int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds())


@transaction.atomic
def user_create(*, email: str, password: str, full_name: str) -> User:
    """Creates the user (email lower-cased, password validated and hashed).

    Raises:
        rest_framework.exceptions.ValidationError: weak password (``password``) or an email that
            is already taken (``email``, also when two registrations race).
    """
    user = User(email=email.strip().lower(), full_name=full_name.strip())
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise DRFValidationError({"password": list(exc.messages)}) from exc
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise DRFValidationError({"email": ["A user with this email already exists."]}) from exc
    return user


def user_tokens(*, user: User) -> dict[str, Any]:
    """A fresh access/refresh pair in the API.md login shape (without the user block)."""
    refresh = RefreshToken.for_user(user)
    refresh[TOKEN_VERSION_CLAIM] = user.token_version  # copied into its access tokens
    return {
        "access_token": str(refresh.access_token),
        "refresh_token": str(refresh),
        "token_type": "bearer",
        "expires_in": _expires_in(),
    }


def user_login(*, email: str, password: str, request: Any = None) -> tuple[User, dict[str, Any]]:
    """Authenticates by email and password; one message for every failure (no account probing)."""
    user = authenticate(request, email=email.strip().lower(), password=password)
    if user is None or not user.is_active:
        raise AuthenticationFailed("Invalid email or password.")
    update_last_login(type(user), user)
    return user, user_tokens(user=user)


@transaction.atomic
def token_refresh(*, refresh_token: str) -> dict[str, Any]:
    """Rotates a refresh token: a new pair, and the old refresh token is blacklisted.

    Raises:
        AuthenticationFailed: the token is malformed, expired, blacklisted, of a token version
            before the user's last logout, or its user is gone or inactive (one message for all).
    """
    inner = TokenRefreshSerializer(data={"refresh": refresh_token})
    try:
        # Lock the token's row first so two concurrent refreshes of one token cannot both succeed.
        token = RefreshToken(refresh_token)  # type: ignore[arg-type]
        list(
            OutstandingToken.objects.select_for_update()
            .filter(jti=token[api_settings.JTI_CLAIM])
            .order_by()
            .values_list("pk")
        )
        current = User.objects.filter(pk=token.get(api_settings.USER_ID_CLAIM)).values_list(
            "token_version", flat=True
        )
        if token_version_of(token) not in current:
            raise AuthenticationFailed(_BAD_REFRESH)
        inner.is_valid(raise_exception=True)
    except (TokenError, DRFValidationError, AuthenticationFailed, User.DoesNotExist) as exc:
        raise AuthenticationFailed(_BAD_REFRESH) from exc
    return {
        "access_token": inner.validated_data["access"],
        "refresh_token": inner.validated_data["refresh"],
        "token_type": "bearer",
        "expires_in": _expires_in(),
    }


@transaction.atomic
def token_revoke(*, refresh_token: str, user: User) -> None:
    """Logout: blacklists ``user``'s refresh token and bumps their token version, so every access
    token issued to them so far is refused at once (and their other refresh tokens stop refreshing).

    Raises:
        rest_framework.exceptions.ValidationError: the token is invalid, expired, already revoked,
            or belongs to someone else (``refresh_token``).
    """
    try:
        token = RefreshToken(refresh_token)  # type: ignore[arg-type]
    except TokenError as exc:
        raise DRFValidationError({"refresh_token": ["Token is invalid, expired or revoked."]}) from exc
    if str(token.get("user_id")) != str(user.pk):
        raise DRFValidationError({"refresh_token": ["Token does not belong to this user."]})
    token.blacklist()
    User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)
