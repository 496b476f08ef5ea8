"""Personal access tokens: issue, list, revoke, and accept them as ``Authorization: Bearer``.

A token is ``ss_pat_`` + 43 url-safe random characters (256 bits). Only its SHA-256 is stored; a
Bearer value with the prefix is looked up by that hash, so the JWT class never sees it. An expired
or revoked token is a 401 ``AUTHENTICATION_FAILED``; its last use is recorded at most once a minute
(one UPDATE, not one per request).

Scope: a ``read`` token gets 403 ``PERMISSION_DENIED`` on any unsafe method (POST, PUT, PATCH,
DELETE) except the views in :data:`READ_SCOPE_WRITE_EXEMPT` (computations that write nothing, and
/mcp, whose tools check the scope themselves). The check is in the authentication class because
views set their own ``permission_classes`` (a global permission would be overridden); the views
are listed by dotted path: accounts imports no domain app.

Settings: put :class:`PersonalTokenAuthentication` BEFORE the JWT class in
``REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.models import PersonalAccessToken, TokenScope, User

TOKEN_PREFIX = "ss_pat_"
DEFAULT_EXPIRES_IN_DAYS = 90
MAX_EXPIRES_IN_DAYS = 365
#: Seconds between two recordings of ``last_used_at`` for one token.
LAST_USED_RESOLUTION = 60
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: Views a ``read`` token may POST to: computations that write nothing, and the MCP endpoint
#: (each write tool checks the token's scope).
READ_SCOPE_WRITE_EXEMPT = frozenset(
    {
        "analytics.api.greeks_views.GreeksCalculateView",
        "analytics.api.risk_views.RiskCustomScenarioView",
        "analytics.modeling.api.views.SessionCalculateView",
        "agents.http.MCPView",
    }
)

_REFUSED = "Personal access token is invalid, expired or revoked."


def token_hash(secret: str) -> str:
    """Hex SHA-256 of the whole token string (the stored form)."""
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def personal_token_create(
    *, owner: User, name: str, scope: str, expires_in_days: int = DEFAULT_EXPIRES_IN_DAYS
) -> tuple[PersonalAccessToken, str]:
    """Issues a token; returns the row and the secret (shown once, never stored)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = PersonalAccessToken.objects.create(
        owner=owner,
        name=name,
        scope=scope,
        token_hash=token_hash(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 4],
        created_at=now,
        expires_at=now + dt.timedelta(days=expires_in_days),
    )
    return token, secret


def personal_token_list(*, owner: User) -> QuerySet[PersonalAccessToken]:
    """The owner's tokens that are not revoked (expired ones included), newest first."""
    return PersonalAccessToken.objects.filter(owner=owner, revoked_at__isnull=True).order_by("-created_at")


def personal_token_revoke(*, owner: User, token_id: Any) -> None:
    """Revokes the owner's token; someone else's, an unknown or an already revoked one is a 404."""
    updated = PersonalAccessToken.objects.filter(pk=token_id, owner=owner, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise exceptions.NotFound()


def personal_token_authenticate(secret: str) -> PersonalAccessToken:
    """The active token for ``secret`` (with its owner), recording its use.

    Raises:
        AuthenticationFailed: unknown, expired or revoked token, or an inactive owner.
    """
    token = PersonalAccessToken.objects.select_related("owner").filter(token_hash=token_hash(secret)).first()
    now = timezone.now()
    if token is None or token.revoked_at is not None or token.expires_at <= now or not token.owner.is_active:
        raise exceptions.AuthenticationFailed(_REFUSED)
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= LAST_USED_RESOLUTION:
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def _view_path(request: Request) -> str:
    view = (getattr(request, "parser_context", None) or {}).get("view")
    return view_path(view) if view is not None else ""


def view_path(view: Any) -> str:
    """``module.ClassName`` of a view instance (the form of :data:`READ_SCOPE_WRITE_EXEMPT`)."""
    return f"{type(view).__module__}.{type(view).__qualname__}"


def read_scope_refused(*, method: str, view_path: str) -> bool:
    """Whether a ``read`` token is refused (403) on ``method`` of the view at ``view_path``."""
    return method.upper() not in SAFE_METHODS and view_path not in READ_SCOPE_WRITE_EXEMPT


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer ss_pat_...`` -> ``(owner, token)``; other Bearer values pass through.

    ``request.auth`` is the :class:`PersonalAccessToken` (its ``scope`` says what it may do).
    """

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, PersonalAccessToken] | None:
        header = authentication.get_authorization_header(request).split()
        if len(header) != 2 or header[0].decode(errors="replace").lower() != self.keyword.lower():
            return None
        value = header[1].decode(errors="replace")
        if not value.startswith(TOKEN_PREFIX):
            return None
        token = personal_token_authenticate(value)
        if token.scope == TokenScope.READ and read_scope_refused(
            method=request.method or "", view_path=_view_path(request)
        ):
            raise exceptions.PermissionDenied("This personal access token is read-only.")
        return token.owner, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class PersonalTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """The OpenAPI security scheme of :class:`PersonalTokenAuthentication`."""

    target_class = "accounts.personal_tokens.PersonalTokenAuthentication"
    name = "personalAccessToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token (ss_pat_...) from POST /api/v1/auth/tokens.",
        }


def request_can_write(auth: Any) -> bool:
    """False for a ``read`` personal token; True for a JWT (or any other credential)."""
    return not (isinstance(auth, PersonalAccessToken) and auth.scope == TokenScope.READ)
