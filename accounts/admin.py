"""Admin for users (email login) and the agent-UI commands."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.http import HttpRequest

from accounts.models import UICommand, User


class UserCreationAdminForm(AdminUserCreationForm):
    """The add form: email, full name and a password (entered twice, validated)."""

    class Meta:
        model = User
        fields = ("email", "full_name")

    def clean_email(self) -> str:
        """Stores emails lower-case and rejects one that differs only in case from an existing one."""
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("A user with this email already exists.")
        return email


class UserChangeAdminForm(UserChangeForm):
    """The change form (the password is shown as its hash summary, changed via its own form)."""

    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Users log in by email; no username."""

    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    list_display = ("email", "full_name", "is_staff", "is_active", "date_joined", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "full_name")
    ordering = ("email",)
    readonly_fields = ("date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("full_name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )


@admin.register(UICommand)
class UICommandAdmin(admin.ModelAdmin):
    """Read-only log of the UI commands agents recorded."""

    list_display = ("created_at", "owner", "action", "target", "delivered_at")
    list_filter = ("action", ("delivered_at", admin.EmptyFieldListFilter))
    search_fields = ("owner__email", "target")
    date_hierarchy = "created_at"
    list_select_related = ("owner",)
    readonly_fields = ("id", "owner", "action", "target", "params", "created_at", "delivered_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
