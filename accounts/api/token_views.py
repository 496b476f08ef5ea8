"""/auth/tokens: personal access tokens (create: the secret is shown once; list; revoke)."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import PersonalAccessToken, TokenScope
from accounts.personal_tokens import (
    DEFAULT_EXPIRES_IN_DAYS,
    MAX_EXPIRES_IN_DAYS,
    personal_token_create,
    personal_token_list,
    personal_token_revoke,
)
from sigmasight.api.schema import ErrorEnvelopeSerializer


class TokenCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scope = serializers.ChoiceField(choices=TokenScope.choices)
    expires_in_days = serializers.IntegerField(
        min_value=1, max_value=MAX_EXPIRES_IN_DAYS, default=DEFAULT_EXPIRES_IN_DAYS
    )


class TokenSerializer(serializers.ModelSerializer):
    """A token as listed: never its secret."""

    class Meta:
        model = PersonalAccessToken
        fields = ["id", "name", "scope", "created_at", "expires_at", "last_used_at"]
        read_only_fields = fields


class TokenCreatedSerializer(serializers.ModelSerializer):
    token = serializers.CharField(help_text="The secret: shown only in this response.")

    class Meta:
        model = PersonalAccessToken
        fields = ["id", "name", "scope", "token", "created_at", "expires_at"]
        read_only_fields = fields


class TokenListCreateView(ListAPIView):
    """Your personal access tokens (paginated, newest first; revoked ones are gone)."""

    permission_classes = [IsAuthenticated]
    serializer_class = TokenSerializer
    queryset = PersonalAccessToken.objects.none()  # for the schema

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return personal_token_list(owner=self.request.user)

    @extend_schema(
        summary="Create a personal access token (for agents and scripts)",
        request=TokenCreateInputSerializer,
        responses={201: TokenCreatedSerializer},
        description="`scope: read` refuses writes (403) except computations that write nothing; "
        "`expires_in_days` 1..365, default 90. The `token` is shown only here (stored hashed).",
    )
    def post(self, request: Request) -> Response:
        data = TokenCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, secret = personal_token_create(owner=request.user, **data.validated_data)
        token.token = secret  # type: ignore[attr-defined]
        return Response(TokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)


class TokenDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Revoke a personal access token (refused from then on)",
        responses={
            204: None,
            404: OpenApiResponse(ErrorEnvelopeSerializer, description="NOT_FOUND: not one of your tokens."),
        },
    )
    def delete(self, request: Request, id: UUID) -> Response:  # noqa: A002 - the URL's name
        personal_token_revoke(owner=request.user, token_id=id)
        return Response(status=status.HTTP_204_NO_CONTENT)
