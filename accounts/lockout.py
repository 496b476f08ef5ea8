"""The admin login lockout (django-axes), limited to the admin site.

After ``AXES_FAILURE_LIMIT`` failed admin logins for one client IP + username, that pair is locked
out for ``AXES_COOLOFF_TIME`` (settings ``ADMIN_LOCKOUT_FAILURES``, ``ADMIN_LOCKOUT_MINUTES``). The
client IP is the throttles' rule (:func:`sigmasight.api.client_ip.client_ip`, ``NUM_PROXIES``).

The API login (/auth/login) goes through the same ``authenticate`` but not through axes: it has
its own DRF throttles (per IP + email and per IP) and its own 401 message, so its failures are
neither counted nor locked out here (``AXES_ONLY_ADMIN_SITE`` covers the check; this handler
covers the recording, which axes does for every failed ``authenticate``).
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler


def lockout_username(request: Any, credentials: dict[str, Any] | None) -> str | None:
    """The submitted username (an email), lower-cased so that case changes do not reset the count."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = getattr(request, "POST", {}).get("username")
    return str(username).strip().lower() if username else None


class AdminOnlyAxesHandler(AxesDatabaseHandler):
    """The database handler of axes, recording only the admin site's login attempts."""

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        if request is not None and self.is_admin_request(request):
            super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        if request is not None and self.is_admin_request(request):
            super().user_logged_in(sender, request, user, **kwargs)

    def user_logged_out(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        if request is not None and self.is_admin_request(request):
            super().user_logged_out(sender, request, user, **kwargs)
