"""Input and output serializers of /auth."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import User
from sigmasight.api.limits import EMAIL_MAX_LENGTH, PASSWORD_MAX_LENGTH, TOKEN_MAX_LENGTH


class LoginInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=EMAIL_MAX_LENGTH)
    password = serializers.CharField(trim_whitespace=False, max_length=PASSWORD_MAX_LENGTH)


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name", "is_staff"]


class TokenPairSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="Access token lifetime in seconds.")


class LoginOutputSerializer(TokenPairSerializer):
    user = UserSerializer()


class RefreshInputSerializer(serializers.Serializer):
    refresh_token = serializers.CharField(max_length=TOKEN_MAX_LENGTH)


class RegisterInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=EMAIL_MAX_LENGTH)
    password = serializers.CharField(trim_whitespace=False, write_only=True, max_length=PASSWORD_MAX_LENGTH)
    full_name = serializers.CharField(max_length=200)

    def validate_email(self, value: str) -> str:
        """Rejects an email that is already registered (case-insensitive)."""
        if User.objects.filter(email__iexact=value.strip()).exists():
            raise serializers.ValidationError("A user with this email already exists.")
        return value


class PortfolioRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class MeSerializer(UserSerializer):
    portfolios = PortfolioRefSerializer(many=True, read_only=True)

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "portfolios"]


class SuccessSerializer(serializers.Serializer):
    success = serializers.BooleanField()
