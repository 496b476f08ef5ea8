"""The client's IP address, the identity of the per-IP throttles and of the admin lockout (axes).

Rule (API.md "Conventions"): the socket address (``REMOTE_ADDR``) unless ``NUM_PROXIES`` trusted
reverse proxies are configured. With ``NUM_PROXIES = N > 0`` the client is the N-th address from the
right of ``X-Forwarded-For``: each trusted proxy appends the address it received the request from,
so everything to the left of that is written by the client and cannot be trusted. (Same rule as
DRF's ``SimpleRateThrottle.get_ident`` with ``NUM_PROXIES`` set.) Django must then be reachable only
through those proxies, or a client could write the header itself.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


def client_ip(request: Any) -> str:
    """The client address of a Django (or DRF) request, per the ``NUM_PROXIES`` setting."""
    meta = request.META
    remote = str(meta.get("REMOTE_ADDR") or "")
    num_proxies = int(getattr(settings, "NUM_PROXIES", 0) or 0)
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    if num_proxies <= 0 or not forwarded:
        return remote
    addresses = [part.strip() for part in str(forwarded).split(",") if part.strip()]
    if not addresses:
        return remote
    return addresses[-min(num_proxies, len(addresses))]
