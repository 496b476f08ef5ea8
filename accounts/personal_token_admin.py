"""Admin for personal access tokens: listed (never the secret, only its first characters) and
revocable (the "Revoke selected tokens" action)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils import timezone

from accounts.models import PersonalAccessToken


@admin.register(PersonalAccessToken)
class PersonalAccessTokenAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "owner",
        "scope",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("scope",)
    search_fields = ("name", "owner__email", "prefix")
    readonly_fields = ("prefix", "token_hash", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("owner",)
    actions = ["revoke"]

    def has_add_permission(self, request: Any) -> bool:
        return False  # issued through POST /auth/tokens, which shows the secret once

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request: Any, queryset: Any) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"{count} token(s) revoked.")
