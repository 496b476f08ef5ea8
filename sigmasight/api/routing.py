"""URL helpers: every API route answers with and without a trailing slash (no redirect)."""

from __future__ import annotations

import re
from typing import Any

from django.urls import re_path
from django.urls.resolvers import URLPattern
from rest_framework.routers import DefaultRouter, SimpleRouter


def route(pattern: str, view: Any, name: str | None = None) -> URLPattern:
    """``route("portfolio/<uuid:id>/complete", View.as_view())`` -> regex with an optional slash.

    Path converters supported: ``<uuid:name>``, ``<str:name>``, ``<int:name>``, ``<slug:name>``.
    """
    regex = pattern.strip("/")
    converters = {
        "uuid": r"[0-9a-fA-F-]{36}",
        "str": r"[^/]+",
        "int": r"[0-9]+",
        "slug": r"[-a-zA-Z0-9_]+",
    }
    for conv, rx in converters.items():
        regex = re.sub(rf"<{conv}:(\w+)>", rf"(?P<\1>{rx})", regex)
    return re_path(rf"^{regex}/?$", view, name=name)


class OptionalSlashRouter(SimpleRouter):
    """A router whose routes answer with or without the trailing slash."""

    def __init__(self) -> None:
        super().__init__()
        # SimpleRouter turns any truthy ``trailing_slash`` argument into a mandatory "/": set the
        # regex fragment itself.
        self.trailing_slash = "/?"


__all__ = ["route", "OptionalSlashRouter", "DefaultRouter"]
