"""The client IP rule (sigmasight/api/client_ip.py): socket address unless NUM_PROXIES proxies."""

from __future__ import annotations

import pytest
from django.test import RequestFactory, override_settings

from sigmasight.api.client_ip import client_ip


def _request(xff: str | None = None, remote: str = "192.0.2.1"):  # type: ignore[no-untyped-def]
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


@override_settings(NUM_PROXIES=0)
def test_without_proxies_the_header_is_ignored() -> None:
    assert client_ip(_request("10.0.0.1, 10.0.0.2")) == "192.0.2.1"


@pytest.mark.parametrize(
    ("proxies", "xff", "expected"),
    [
        (1, "10.0.0.1, 203.0.113.7", "203.0.113.7"),
        (2, "10.0.0.1, 203.0.113.7, 172.16.0.3", "203.0.113.7"),
        (2, "203.0.113.7", "203.0.113.7"),  # fewer hops than proxies: the left-most (as DRF)
        (1, None, "192.0.2.1"),  # no header: the socket address
        (1, " , ", "192.0.2.1"),
    ],
)
def test_with_proxies_the_nth_address_from_the_right(proxies: int, xff: str | None, expected: str) -> None:
    with override_settings(NUM_PROXIES=proxies):
        assert client_ip(_request(xff)) == expected
