"""JWT authentication that honours logout: an access token of an older token version is refused.

Every token pair carries the user's ``token_version`` (claim :data:`TOKEN_VERSION_CLAIM`; a token
without it counts as version 0). Logout (:func:`accounts.services.token_revoke`) blacklists the
refresh token and bumps the version, so every access token issued to the user before it is a 401 at
once instead of working until it expires, and their other refresh tokens stop refreshing (logout
signs out every session of the user).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed

TOKEN_VERSION_CLAIM = "ver"


def token_version_of(token: Any) -> int:
    """The token version a (validated) token was issued with; 0 when it has none."""
    try:
        return int(token.get(TOKEN_VERSION_CLAIM, 0))
    except (TypeError, ValueError):
        return -1  # never a user's version: the token is refused


class VersionedJWTAuthentication(JWTAuthentication):
    """simplejwt's Bearer authentication, refusing tokens issued before the user's last logout."""

    def get_user(self, validated_token: Any) -> Any:
        user = super().get_user(validated_token)
        if token_version_of(validated_token) != getattr(user, "token_version", 0):
            raise AuthenticationFailed("Token has been revoked.", code="token_revoked")
        return user


class VersionedJWTScheme(SimpleJWTScheme):  # type: ignore[no-untyped-call]
    """The OpenAPI security scheme of :class:`VersionedJWTAuthentication` (the same ``jwtAuth``)."""

    target_class = "accounts.authentication.VersionedJWTAuthentication"
