"""/auth: login, refresh (rotation + blacklist), logout, me. (/auth/register, which also creates the
user's first portfolio, is served by portfolios.api.signup_views.)"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.api import serializers as s
from sigmasight.api.schema import ErrorEnvelopeSerializer, errors
from sigmasight.api.throttling import LoginIPRateThrottle, LoginRateThrottle, RefreshRateThrottle

_LOGIN_EXAMPLE = {
    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...",
    "refresh_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...",
    "token_type": "bearer",
    "expires_in": 3600,
    "user": {
        "id": "0b6f0c6e-3c2a-4a7d-9a43-6a2f5d0e8b11",
        "email": "demo_hnw@sigmasight.com",
        "full_name": "Demo HNW Investor",
        "is_staff": False,
    },
}


class LoginView(APIView):
    """Email + password -> an access/refresh pair and the user (10/min per IP + email)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle, LoginIPRateThrottle]

    @extend_schema(
        request=s.LoginInputSerializer,
        responses={
            200: s.LoginOutputSerializer,
            401: OpenApiResponse(
                ErrorEnvelopeSerializer,
                description="AUTHENTICATION_FAILED: bad credentials or inactive user.",
            ),
            **errors(400),
        },
        examples=[OpenApiExample("Login", value=_LOGIN_EXAMPLE, response_only=True)],
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = s.LoginInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, tokens = services.user_login(request=request, **data.validated_data)
        return Response(s.LoginOutputSerializer({**tokens, "user": user}).data)


class RefreshView(APIView):
    """Rotates the refresh token: a new pair; the old refresh token is blacklisted."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [RefreshRateThrottle]

    @extend_schema(
        request=s.RefreshInputSerializer,
        responses={
            200: s.TokenPairSerializer,
            401: OpenApiResponse(
                ErrorEnvelopeSerializer,
                description="AUTHENTICATION_FAILED: invalid, expired or revoked token.",
            ),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = s.RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tokens = services.token_refresh(refresh_token=data.validated_data["refresh_token"])
        return Response(s.TokenPairSerializer(tokens).data)


class LogoutView(APIView):
    """Blacklists the caller's refresh token (someone else's token is a 400)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=s.RefreshInputSerializer, responses={200: s.SuccessSerializer, **errors(400)})
    def post(self, request: Request) -> Response:
        data = s.RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.token_revoke(refresh_token=data.validated_data["refresh_token"], user=request.user)
        return Response(s.SuccessSerializer({"success": True}).data)


class MeView(APIView):
    """The authenticated user and their portfolios."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: s.MeSerializer, **errors()})
    def get(self, request: Request) -> Response:
        me = {
            **s.UserSerializer(request.user).data,
            "portfolios": selectors.user_portfolio_refs(user=request.user),
        }
        return Response(s.MeSerializer(me).data)
