"""Suite-wide fixtures and the CI rule: with SIGMASIGHT_REQUIRE_SERVICES=1, PostgreSQL and Redis
must be there (the run fails, never skips, when they are missing).

``module_db`` shares expensive, read-mostly rows (a generated market, a batch run's results) among
the tests of one module; see its docstring for the isolation it keeps.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

REQUIRE_SERVICES = os.environ.get("SIGMASIGHT_REQUIRE_SERVICES") == "1"


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRE_SERVICES:
        from django.conf import settings

        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine:
            raise pytest.UsageError(f"CI requires PostgreSQL but the database engine is {engine}.")
        if not os.environ.get("REDIS_URL"):
            raise pytest.UsageError("CI requires Redis but REDIS_URL is not set.")


_RELOADED: set[str] = set()  # database aliases whose reference rows the teardown hook put back


def _serialized_rollback(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    return marker is not None and bool(marker.kwargs.get("serialized_rollback"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After a ``serialized_rollback`` transactional test, put the migrations' reference data back.

    Django restores the serialized rows at the *start* of such a test and flushes every table at its
    end, so the next test file on the same worker (``--dist loadfile`` mixes them) would find no
    factor definitions, stress scenarios or demo reference rows. Reloading them right after the
    flush leaves the database as the migrations made it, whatever order the files run in.
    """
    yield
    if not _serialized_rollback(item) or nextitem is None or _serialized_rollback(nextitem):
        # not flushed; or the session ends (the test database is gone); or the next test reloads
        # the rows itself (twice would be duplicates)
        return
    from django.db import connections
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        for conn in connections.all(initialized_only=False):
            contents = getattr(conn, "_test_serialized_contents", None)
            if contents:
                # emptied again first: a live server's late request can have written since the
                # flush (ContentType.objects.get_for_model creates the row it misses)
                _flush(conn.alias)
                conn.creation.deserialize_db_from_string(contents)
                _RELOADED.add(conn.alias)


def _flush(alias: str) -> None:
    from django.core.management import call_command

    call_command("flush", verbosity=0, interactive=False, database=alias, inhibit_post_migrate=True)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    """A ``serialized_rollback`` test expects the tables empty (it loads the serialized rows itself):
    after a reload by :func:`pytest_runtest_teardown` they are emptied again first."""
    if _RELOADED and _serialized_rollback(item):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            for alias in sorted(_RELOADED):
                _flush(alias)
        _RELOADED.clear()
    yield


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Within each module, run the tests that use no shared rows first, then by the shared layers
    they use (after pytest-django's own db / transactional ordering, which it keeps).

    A module-scoped fixture built on ``module_db`` stays in the database until the module ends, so
    a test must only run after the layers it asks for. That holds when the layer sets used in a
    module form a chain (market, then market + batch results); anything else is a usage error.
    """
    start = 0
    for end in range(1, len(items) + 1):
        if end == len(items) or items[end].path != items[start].path:
            run = sorted(items[start:end], key=_layer_key)
            _check_layers_nest(run)
            items[start:end] = run
            start = end


def _layers(item: pytest.Item) -> frozenset[str]:
    """Names of the module-scoped fixtures of ``item`` that build on ``module_db``."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None or "module_db" not in info.names_closure:
        return frozenset()
    defs = info.name2fixturedefs
    shared: dict[str, bool] = {"module_db": True}

    def builds_on_module_db(name: str) -> bool:
        if name not in shared:
            shared[name] = False  # guards against cycles while resolving
            fixturedefs = defs.get(name)
            shared[name] = bool(fixturedefs) and any(
                builds_on_module_db(arg) for arg in fixturedefs[-1].argnames
            )
        return shared[name]

    return frozenset(
        name
        for name in info.names_closure
        if name != "module_db" and defs.get(name) and defs[name][-1].scope == "module"
        if builds_on_module_db(name)
    )


def _layer_key(item: pytest.Item) -> tuple[int, tuple[str, ...]]:
    layers = _layers(item)
    return len(layers), tuple(sorted(layers))


def _check_layers_nest(items: list[pytest.Item]) -> None:
    previous: frozenset[str] = frozenset()
    for item in items:
        layers = _layers(item)
        if not previous <= layers:
            raise pytest.UsageError(
                f"{item.nodeid} would see the shared rows of {sorted(previous - layers)} it does not "
                "ask for: the module_db fixtures used in one module must nest (each test's set "
                "includes every smaller one)."
            )
        previous = layers


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker) -> Iterator[Callable[..., Any]]:  # type: ignore[no-untyped-def]
    """Rows built once for a module and seen by the tests that ask for them.

    pytest-django's pattern for populating the database beyond one test (``django_db_setup`` +
    ``django_db_blocker``), rolled back instead of left behind: this opens a transaction for the
    module and returns ``populate(build, *args, **kwargs)``, which runs ``build`` inside it with
    database access and returns its result. A module-scoped fixture calling it is a shared layer:

        @pytest.fixture(scope="module")
        def market(module_db):
            return module_db(make_market)

    Every test still runs in its own savepoint (pytest-django's per-test rollback), so what a test
    writes, deletes or updates is undone before the next one; the module's end rolls back the
    layers. Tests are ordered so that none sees a layer it did not request (see
    ``pytest_collection_modifyitems``). Not for transactional tests (they need real commits).
    """
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        # Marked like TestCase's own atomics, so durable blocks inside stay allowed.
        outer._from_testcase = True  # type: ignore[attr-defined]
        outer.__enter__()

    def populate(build: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with django_db_blocker.unblock():
            return build(*args, **kwargs)

    try:
        yield populate
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Every test starts with an empty Django cache: cached API responses (and throttle counts)
    of an earlier test never leak into it (its rows were rolled back without invalidating them)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def redis_url() -> str:
    """The Redis server for tests that need one; skipped locally when absent, a failure in CI."""
    url = os.environ.get("REDIS_URL")
    if not url:
        if REQUIRE_SERVICES:
            pytest.fail("REDIS_URL is required in CI")
        pytest.skip("no Redis server (REDIS_URL unset)")
    return url


@pytest.fixture
def api_client():  # type: ignore[no-untyped-def]
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def user(db):  # type: ignore[no-untyped-def]
    from accounts.tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def other_user(db):  # type: ignore[no-untyped-def]
    from accounts.tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def staff_user(db):  # type: ignore[no-untyped-def]
    from accounts.tests.factories import UserFactory

    return UserFactory(is_staff=True)


@pytest.fixture
def client_for() -> Callable[..., object]:
    """``client_for(user)`` -> an APIClient sending that user's Bearer access token."""
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    def make(user) -> APIClient:  # type: ignore[no-untyped-def]
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        return client

    return make


@pytest.fixture
def auth_client(user, client_for):  # type: ignore[no-untyped-def]
    return client_for(user)
