"""/auth: login, refresh (rotation + blacklist), logout, register, me."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import services
from accounts.api import serializers as s
from sigmasight.api.throttling import LoginRateThrottle


class LoginView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]

    @extend_schema(request=s.LoginInputSerializer, responses={200: s.LoginOutputSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        data = s.LoginInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, tokens = services.user_login(request=request, **data.validated_data)
        return Response({**tokens, "user": s.UserSerializer(user).data})


class RefreshView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=s.RefreshInputSerializer, responses={200: s.TokenPairSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        data = s.RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inner = TokenRefreshSerializer(data={"refresh": data.validated_data["refresh_token"]})
        try:
            inner.is_valid(raise_exception=True)
        except (TokenError, serializers.ValidationError) as exc:
            raise AuthenticationFailed("Refresh token is invalid, expired or revoked.") from exc
        except AuthenticationFailed as exc:
            raise AuthenticationFailed("Refresh token is invalid, expired or revoked.") from exc
        from django.conf import settings

        lifetime = settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"]
        return Response(
            {
                "access_token": inner.validated_data["access"],
                "refresh_token": inner.validated_data["refresh"],
                "token_type": "bearer",
                "expires_in": int(lifetime.total_seconds()),
            }
        )


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=s.RefreshInputSerializer, responses={200: s.SuccessSerializer})
    def post(self, request: Request) -> Response:
        data = s.RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            token = RefreshToken(data.validated_data["refresh_token"])
        except TokenError as exc:
            raise serializers.ValidationError({"refresh_token": ["Token is invalid or expired."]}) from exc
        if str(token.get("user_id")) != str(request.user.pk):
            raise serializers.ValidationError({"refresh_token": ["Token does not belong to this user."]})
        token.blacklist()
        return Response({"success": True})


class RegisterView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]

    @extend_schema(request=s.RegisterInputSerializer, responses={201: s.UserSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        data = s.RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = services.user_register(**data.validated_data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return Response(s.UserSerializer(user).data, status=status.HTTP_201_CREATED)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: s.MeSerializer})
    def get(self, request: Request) -> Response:
        user = request.user
        body = s.UserSerializer(user).data
        body["portfolios"] = [
            {"id": str(pk), "name": name}
            for pk, name in user.portfolios.order_by("created_at", "name").values_list("id", "name")
        ]
        return Response(body)


__all__ = ["LoginView", "RefreshView", "LogoutView", "RegisterView", "MeView", "validate_password"]
