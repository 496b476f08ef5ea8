"""POST /auth/register: sign-up (the user and their first portfolio)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import RegisterInputSerializer, UserSerializer
from portfolios.onboarding.signup import user_sign_up
from sigmasight.api.schema import ErrorEnvelopeSerializer
from sigmasight.api.throttling import RegisterRateThrottle


class RegisterView(APIView):
    """Creates a user and their empty portfolio "<full_name>'s Portfolio"."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [RegisterRateThrottle]

    @extend_schema(
        request=RegisterInputSerializer,
        responses={
            201: UserSerializer,
            400: OpenApiResponse(
                ErrorEnvelopeSerializer, description="VALIDATION_ERROR: duplicate email or weak password."
            ),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_sign_up(**data.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)
