"""Cached GET responses of the /data and /analytics reads (issue 15).

A cached entry is the whole rendered response (status 200 only: body bytes, content type and the
view's own headers), so whatever a view puts in its payload (``stale``, ``conventions``, ...) is
served back unchanged. Errors (400, 404, 422, ...) are never cached.

Key
    ``api:resp:<user id>:<sha256(path with query, accepted media type, today's date)>``. The
    requesting user is part of the key, so an entry is only ever served to the user whose request
    built it, and that request passed the view's owner check (another user misses the cache, runs
    the view and gets its 404). Today's date is in the key because some defaults depend on it
    (e.g. attribution's ``end_date``).

Validity (generations)
    An entry stores the *generations* it was built under: the global one (every batch run and market
    data sync) and one per scope it reads (``portfolio:<id>``, ``user:<id>`` for the list of portfolios). A generation is a
    random token in the cache; invalidating a scope deletes it, so the next read draws a new one and
    every entry built under the old one is a miss. One ``get_many`` round trip reads the entry and
    its current generations. A request that computed from rows read before a write stores its entry
    under the old generation: never served. Invalidation runs at once and again after the write's
    transaction commits (a reader between the two would otherwise cache the pre-commit rows).

Who invalidates
    * :func:`connect_signals` (called by the ``jobs`` app's ``ready``): an ORM save or delete of a
      portfolio or a position (or a position's tag links) invalidates that portfolio and its
      owner's list; of a tag,
      everything (its positions may be anywhere in the owner's book).
    * Writes that bypass signals (``bulk_create``, ``update()``, COPY) and every stored result
      call :func:`responses_invalidate` themselves: the batch
      (:func:`~analytics.batch.services.batch_run_finalize`: every response), the market data sync
      and the CSV import.

``API_RESPONSE_CACHE_SECONDS`` (settings; 0 turns the cache off) bounds an entry's life as a safety
net. The cache is Django's default cache, shared by every process: Redis. Without ``REDIS_URL``
(local memory, one cache per process, so a batch in another process could not invalidate) the
default is 0; the test settings set 0 and the cache's tests turn it on in one process.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

__all__ = [
    "GLOBAL",
    "cached_get",
    "cached_response",
    "connect_signals",
    "portfolio_scope",
    "responses_invalidate",
    "user_scope",
]

_Handler = TypeVar("_Handler", bound=Callable[..., Any])

#: The scope every entry depends on (batch runs, market data).
GLOBAL = "global"
_PREFIX = "api:resp"
#: The headers of a Response worth keeping (DRF adds Allow and Vary itself on every response).
_SKIP_HEADERS = frozenset({"content-type", "content-length", "allow", "vary"})


def portfolio_scope(portfolio_id: Any) -> str:
    """The scope of one portfolio's reads."""
    return f"portfolio:{portfolio_id}"


def user_scope(user_id: Any) -> str:
    """The scope of a user's list of portfolios (/data/portfolios)."""
    return f"user:{user_id}"


def _generation_key(scope: str) -> str:
    return f"{_PREFIX}:gen:{scope}"


def _seconds() -> int:
    return int(getattr(settings, "API_RESPONSE_CACHE_SECONDS", 0))


def _invalidate_now(scopes: tuple[str, ...]) -> None:
    cache.delete_many([_generation_key(s) for s in scopes])


def responses_invalidate(*, portfolio_ids: Iterable[Any] | None = None, user_ids: Iterable[Any] = ()) -> None:
    """Invalidates the cached responses of these portfolios and these users' portfolio lists;
    with ``portfolio_ids=None``, every cached response. Now and again after the current
    transaction commits. Nothing to do while the cache is off."""
    if _seconds() <= 0:
        return
    if portfolio_ids is None:
        scopes: tuple[str, ...] = (GLOBAL,)
    else:
        scopes = (*(portfolio_scope(p) for p in portfolio_ids), *(user_scope(u) for u in user_ids))
    if not scopes:
        return
    _invalidate_now(scopes)
    transaction.on_commit(lambda: _invalidate_now(scopes))


def _generations(scopes: tuple[str, ...], found: dict[str, Any]) -> tuple[str, ...]:
    """The current generation of each scope, drawing a new one where there is none."""
    out = []
    for scope in scopes:
        key = _generation_key(scope)
        value = found.get(key)
        if value is None:
            cache.add(key, uuid.uuid4().hex, None)  # another process may win the race: read it back
            value = cache.get(key)
        out.append(value)
    return tuple(out)


def _entry_key(request: Request) -> str:
    raw = "\n".join(
        (
            request.get_full_path(),
            str(getattr(request, "accepted_media_type", "")),
            timezone.localdate().isoformat(),
        )
    )
    return f"{_PREFIX}:{request.user.pk}:{hashlib.sha256(raw.encode()).hexdigest()}"


def _portfolio_id(value: Any) -> str | None:
    """The canonical id (``str(UUID)``) of a portfolio given in the URL or the query, else None."""
    if isinstance(value, uuid.UUID):
        return str(value)
    try:
        return str(uuid.UUID(str(value)))
    except (TypeError, ValueError, AttributeError):
        return None


def _render(request: Request, response: Response) -> tuple[str, list[tuple[str, str]], bytes]:
    """The content type, the view's own headers and the body of a DRF response, rendered as
    DRF's ``finalize_response`` would render it."""
    response.accepted_renderer = request.accepted_renderer
    response.accepted_media_type = request.accepted_media_type
    response.renderer_context = {"request": request, "response": response}  # type: ignore[attr-defined]
    response.render()
    headers = [(k, v) for k, v in response.items() if k.lower() not in _SKIP_HEADERS]
    return response["Content-Type"], headers, bytes(response.content)


def cached_response(request: Request, *, scopes: tuple[str, ...], build: Callable[[], Any]) -> Any:
    """The cached response of this GET for this user, else ``build()``, stored when it is a 200.

    ``scopes``: what the response reads besides the global state (e.g. ``portfolio_scope(id)``).
    ``build`` runs the view's own work (owner check, query parsing, selector, serializer); what it
    raises propagates (errors are never cached). Without caching (``API_RESPONSE_CACHE_SECONDS``
    0, an anonymous request) ``build()``'s response is returned as it is.
    """
    seconds = _seconds()
    if seconds <= 0 or not request.user.is_authenticated:
        return build()
    all_scopes = (GLOBAL, *scopes)
    key = _entry_key(request)
    found = cache.get_many([key, *(_generation_key(s) for s in all_scopes)])
    current = _generations(all_scopes, found)
    entry = found.get(key)
    if entry is not None and entry[0] == current:
        _, content_type, headers, content = entry
    else:
        response = build()
        if response.status_code != 200 or not isinstance(response, Response):
            return response
        content_type, headers, content = _render(request, response)
        cache.set(key, (current, content_type, headers, content), seconds)
    out = HttpResponse(content, status=200, content_type=content_type)
    for name, value in headers:
        out[name] = value
    return out


def cached_get(*, portfolio: str | None = None, user: bool = False) -> Callable[[_Handler], _Handler]:
    """Decorator of an APIView's ``get``: its 200 responses cached per user, request and day.

    ``portfolio``: the URL keyword or query parameter holding the portfolio id the response reads
    (None: the response reads only global data). An id that is not a UUID is not cached (the view
    answers its 400/404). ``user``: the response reads all of the user's portfolios. The view's
    body is unchanged: it still checks the owner on every miss.
    """

    def decorate(handler: _Handler) -> _Handler:
        @functools.wraps(handler)
        def get(view: Any, request: Request, *args: Any, **kwargs: Any) -> Any:
            scopes: tuple[str, ...] = (user_scope(request.user.pk),) if user else ()
            if portfolio is not None:
                raw = kwargs.get(portfolio, request.query_params.get(portfolio))
                pid = _portfolio_id(raw) if raw is not None else None
                if pid is None:
                    return handler(view, request, *args, **kwargs)
                scopes = (portfolio_scope(pid),)
            return cached_response(
                request, scopes=scopes, build=lambda: handler(view, request, *args, **kwargs)
            )

        return get  # type: ignore[return-value]

    return decorate


# --- invalidation by ORM signals --------------------------------------------------------------

#: The models whose ORM writes invalidate through signals (connected per model: a receiver for
#: every model would turn off Django's fast bulk delete everywhere).
_SIGNAL_MODELS = ("portfolios.Portfolio", "portfolios.Position", "portfolios.Tag")


def _on_write(sender: type, instance: Any, **kwargs: Any) -> None:
    if _seconds() <= 0:
        return
    if sender._meta.label == "portfolios.Portfolio":  # type: ignore[attr-defined]
        responses_invalidate(portfolio_ids=[instance.pk], user_ids=[instance.owner_id])
    elif getattr(instance, "portfolio_id", None) is not None:
        owner = _owner_of(instance)
        responses_invalidate(portfolio_ids=[instance.portfolio_id], user_ids=[owner] if owner else [])
    else:  # a tag: its positions may be in any of the owner's portfolios
        responses_invalidate()


def _owner_of(position: Any) -> Any:
    """The owner id of a position's portfolio (the loaded portfolio's, else one query; None once
    the portfolio is gone, e.g. a cascade delete, which invalidates the owner itself)."""
    from django.apps import apps

    cached = position._state.fields_cache.get("portfolio")
    if cached is not None:
        return cached.owner_id
    model = apps.get_model("portfolios.Portfolio")
    return model.objects.filter(pk=position.portfolio_id).values_list("owner_id", flat=True).first()


def _on_m2m(sender: type, instance: Any, action: str, **kwargs: Any) -> None:
    if action.startswith("post_"):
        _on_write(type(instance), instance)


def connect_signals() -> None:
    """Connects the invalidation receivers to the portfolio, position and tag models (looked up
    by name: this infrastructure module imports no domain app)."""
    from django.apps import apps

    for label in _SIGNAL_MODELS:
        model = apps.get_model(label)
        post_save.connect(_on_write, sender=model, dispatch_uid=f"api-response-cache-save-{label}")
        post_delete.connect(_on_write, sender=model, dispatch_uid=f"api-response-cache-delete-{label}")
    through = apps.get_model("portfolios.Position").tags.through
    m2m_changed.connect(_on_m2m, sender=through, dispatch_uid="api-response-cache-position-tags")
