"""Email login (case-insensitive) for ``authenticate(email=..., password=...)``."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class EmailBackend(ModelBackend):
    """Authenticates ``email`` (or ``username``, as the admin login form sends it) + password."""

    def authenticate(  # type: ignore[override]
        self, request: Any, email: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        email = email or kwargs.get("username")
        if not email or password is None:
            return None
        try:
            user = User.objects.get(email__iexact=email)
        except User.DoesNotExist:
            User().set_password(password)  # equalize timing with the existing-user path
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


class AdminLockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check (first in ``AUTHENTICATION_BACKENDS``); see :mod:`accounts.lockout`.

    ``authenticate`` without a request (a script, a management command) is not an admin login:
    axes is skipped instead of raising.
    """

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
