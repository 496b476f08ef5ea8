"""Walks every /api/v1 URL of the project and pins the access rules of API.md "Conventions".

* Another user's object answers **404** with the envelope, for every method the view allows, and
  the body shows nothing of the object (its id, name, owner); the object is left unchanged.
* Without a (valid) token every /api/v1 URL answers **401**, except the public /auth ones.
* Staff-only endpoints (``IsAdminUser``) answer **403** to non-staff.

The URLs are discovered from ``get_resolver()`` at collection time, so endpoints added later are
swept automatically. A route that captures an object id this module cannot create an object for
FAILS (it never skips): extend ``FACTORIES_BY_KWARG`` or ``FACTORIES_BY_PREFIX`` below with a factory
that creates the object for the given owner.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import UUIDConverter
from django.utils.regex_helper import normalize
from rest_framework.permissions import IsAdminUser
from rest_framework.views import APIView

from accounts.models import User
from sigmasight.tests.envelope import assert_error

API_PREFIX = "api/v1/"
PUBLIC = {"auth/login", "auth/register", "auth/refresh"}
METHODS = ("get", "post", "put", "patch", "delete")

# A factory creates the object a captured id points at, owned by ``owner``. ``made`` holds the
# objects already created for the kwargs to its left in the same URL (for nested routes such as
# ``modeling/sessions/{id}/trades/{trade_id}``).
Factory = Callable[[User, dict[str, Model]], Model]


def _portfolio(owner: User, made: dict[str, Model]) -> Model:
    from portfolios.tests.factories import PortfolioFactory

    return PortfolioFactory(owner=owner, name="Sweep Secret Portfolio")


def _position(owner: User, made: dict[str, Model]) -> Model:
    from portfolios.tests.factories import PortfolioFactory, PositionFactory

    portfolio = made.get("portfolio_id") or PortfolioFactory(owner=owner, name="Sweep Secret Portfolio")
    return PositionFactory(portfolio=portfolio, symbol="ZSWEEP")


def _tag(owner: User, made: dict[str, Model]) -> Model:
    from portfolios.tests.factories import TagFactory

    return TagFactory(owner=owner, name="sweep-secret-tag")


def _job(owner: User, made: dict[str, Model]) -> Model:
    from sigmasight.system.tests.factories import JobFactory

    return JobFactory(owner=owner, job_type="sweep-secret-job")


def _alert_rule(owner: User, made: dict[str, Model]) -> Model:
    from analytics.models import AlertRule
    from portfolios.tests.factories import PortfolioFactory

    portfolio = made.get("portfolio_id") or PortfolioFactory(owner=owner, name="Sweep Secret Portfolio")
    return AlertRule.objects.create(
        owner=owner,
        portfolio=portfolio,
        name="sweep-secret-rule",
        metric="gross_exposure",
        operator="gt",
        threshold=1.0,
    )


def _upload(owner: User, made: dict[str, Model]) -> Model:
    from portfolios.tests.onboarding_factories import OnboardingUploadFactory

    return OnboardingUploadFactory(owner=owner, portfolio_name="Sweep Secret Upload")


def _report(owner: User, made: dict[str, Model]) -> Model:
    from exports.tests.report_factories import ReportFactory

    return ReportFactory(owner=owner, portfolio__name="Sweep Secret Portfolio")


def _report_schedule(owner: User, made: dict[str, Model]) -> Model:
    from exports.tests.report_factories import ReportScheduleFactory

    return ReportScheduleFactory(owner=owner, portfolio__name="Sweep Secret Portfolio")


def _modeling_session(owner: User, made: dict[str, Model]) -> Model:
    from analytics.tests.modeling_factories import ModelingSessionFactory
    from portfolios.tests.factories import PortfolioFactory

    portfolio = PortfolioFactory(owner=owner, name="Sweep Secret Portfolio")
    return ModelingSessionFactory(portfolio=portfolio, owner=owner, name="sweep-secret-session")


def _modeling_trade(owner: User, made: dict[str, Model]) -> Model:
    from analytics.tests.modeling_factories import ModelingTradeFactory

    session = made.get("id") or _modeling_session(owner, made)
    return ModelingTradeFactory(session=session, tag="sweep-secret-trade")


def _personal_token(owner: User, made: dict[str, Model]) -> Model:
    from accounts.tests.personal_token_factories import PersonalAccessTokenFactory

    return PersonalAccessTokenFactory(owner=owner, name="sweep-secret-token")


# Named kwargs mean the same object wherever they appear.
FACTORIES_BY_KWARG: dict[str, Factory] = {
    "portfolio_id": _portfolio,
    "position_id": _position,
    "tag_id": _tag,
    "job_id": _job,
    "trade_id": _modeling_trade,
}
# Generic kwargs (``id``, ``pk``) are resolved by the route text before them (relative to /api/v1/).
FACTORIES_BY_PREFIX: dict[str, Factory] = {
    "auth/tokens/": _personal_token,
    "system/jobs/": _job,
    "management/portfolios/": _portfolio,
    "management/positions/": _position,
    "management/tags/": _tag,
    "management/alerts/rules/": _alert_rule,
    "data/portfolio/": _portfolio,
    "data/positions/top/": _portfolio,
    "data/prices/historical/": _portfolio,
    "analytics/portfolio/": _portfolio,
    "analytics/risk/": _portfolio,
    "analytics/factors/": _portfolio,
    "analytics/correlation/": _portfolio,
    "export/portfolio/": _portfolio,
    "export/reports/": _report,
    "export/reports/schedules/": _report_schedule,
    "portfolio/upload/": _upload,
    "portfolio/onboarding/": _upload,
    "modeling/sessions/": _modeling_session,
}
# Captured values that are not object ids: a valid sample for each.
NON_ID_SAMPLES: dict[str, str] = {
    "trigger": "run-all",
}
# GET routes where the owner may legitimately get a 404 (each needs a reason).
OWNER_GET_404_ALLOWED: dict[str, str] = {}

_ID_NAME = re.compile(r"^(pk|id|uuid|.+_id|.+_pk)$")
_UUID_SAMPLE = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


@dataclass(frozen=True)
class Capture:
    """A named group of a route: its name, whether it is an object id, the text before it."""

    name: str
    is_id: bool
    prefix: str


@dataclass(frozen=True)
class Endpoint:
    """One URL pattern under /api/v1/ and what its view allows."""

    template: str  # "system/jobs/{pk}/cancel", relative to /api/v1/
    captures: tuple[Capture, ...]
    methods: tuple[str, ...]
    staff_only: bool

    @property
    def public(self) -> bool:
        return self.template in PUBLIC

    def url(self, values: dict[str, str]) -> str:
        path = self.template
        for capture in self.captures:
            path = path.replace("{" + capture.name + "}", values[capture.name])
        return f"/{API_PREFIX}{path}"


def _group_regex(regex: str, name: str) -> str:
    """The sub-pattern of the named group ``name`` in ``regex`` (balanced parentheses)."""
    start = regex.index(f"(?P<{name}>") + len(f"(?P<{name}>")
    depth = 1
    for i in range(start, len(regex)):
        if regex[i] == "\\":
            continue
        if regex[i] == "(" and regex[i - 1] != "\\":
            depth += 1
        elif regex[i] == ")" and regex[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                return regex[start:i]
    return regex[start:]


def _is_id(name: str, pattern: Any) -> bool:
    """An object id: named like one, a ``uuid`` converter, or a pattern that only accepts UUIDs."""
    if _ID_NAME.match(name) or isinstance(getattr(pattern, "converters", {}).get(name), UUIDConverter):
        return True
    sub = _group_regex(pattern.regex.pattern, name)
    return bool(re.fullmatch(sub, _UUID_SAMPLE)) and not re.fullmatch(sub, "abc")


def _methods(callback: Any) -> tuple[str, ...]:
    """The methods the route answers (not 405), as DRF or Django would dispatch them."""
    view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view is None:  # a plain function view
        return ("get",)
    actions = getattr(callback, "actions", None)
    if actions:  # a ViewSet route: its method -> action mapping
        return tuple(m for m in METHODS if m in actions and m in view.http_method_names)
    return tuple(m for m in METHODS if hasattr(view, m) and m in view.http_method_names)


def _staff_only(callback: Any) -> bool:
    view = getattr(callback, "cls", None)
    if view is None or not issubclass(view, APIView):
        return False
    classes = getattr(callback, "initkwargs", {}).get("permission_classes", view.permission_classes)
    return any(isinstance(p, type) and issubclass(p, IsAdminUser) for p in classes)


def _walk(
    resolver: URLResolver, pieces: tuple[Any, ...] = ()
) -> Iterator[tuple[tuple[Any, ...], URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry, (*pieces, entry.pattern))
        else:
            yield (*pieces, entry.pattern), entry


def collect_endpoints() -> list[Endpoint]:
    """Every URL pattern under /api/v1/, recursively, with its captures and allowed methods."""
    endpoints: dict[str, Endpoint] = {}
    for pieces, pattern in _walk(get_resolver()):
        text, captures = "", []
        for piece in pieces:
            fmt, params = normalize(piece.regex.pattern)[0]
            for name in params:
                before = (text + fmt.split(f"%({name})s")[0]).removeprefix(API_PREFIX)
                captures.append(Capture(name, _is_id(name, piece), before))
            text += fmt % {name: "{" + name + "}" for name in params}
        if not text.startswith(API_PREFIX) or any(c.name == "format" for c in captures):
            continue
        template = text.removeprefix(API_PREFIX).rstrip("/")
        if template in endpoints:  # the same route matched twice: the first pattern wins in Django too
            continue
        endpoints[template] = Endpoint(
            template=template,
            captures=tuple(captures),
            methods=_methods(pattern.callback),
            staff_only=_staff_only(pattern.callback),
        )
    return sorted(endpoints.values(), key=lambda e: e.template)


ENDPOINTS = collect_endpoints()


def _factory_for(capture: Capture) -> Factory | None:
    return FACTORIES_BY_KWARG.get(capture.name) or FACTORIES_BY_PREFIX.get(capture.prefix)


def _sample_values(endpoint: Endpoint) -> dict[str, str]:
    """Values that route (random UUIDs for ids); fails on a non-id capture without a sample."""
    values = {}
    for capture in endpoint.captures:
        if capture.is_id:
            values[capture.name] = str(uuid.uuid4())
        elif capture.name in NON_ID_SAMPLES:
            values[capture.name] = NON_ID_SAMPLES[capture.name]
        else:
            pytest.fail(
                f"/{API_PREFIX}{endpoint.template} captures {capture.name!r}, which is not an object id: "
                f"add a sample value to NON_ID_SAMPLES in {__name__}."
            )
    return values


def _snapshot(obj: Model) -> dict[str, Any]:
    obj.refresh_from_db()
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def _fingerprints(obj: Model) -> list[str]:
    """What must not leak: the object's id and name-like fields, and its owner's email."""
    marks = [str(obj.pk)]
    for attr in ("name", "symbol", "job_type", "target"):
        value = getattr(obj, attr, None)
        if isinstance(value, str) and len(value) >= 4:
            marks.append(value)
    owner = getattr(obj, "owner", None) or getattr(getattr(obj, "portfolio", None), "owner", None)
    if owner is not None:
        marks.append(owner.email)
    return marks


def _call(client: Any, method: str, url: str) -> Any:
    if method in ("get", "delete"):
        return getattr(client, method)(url)
    return getattr(client, method)(url, {}, format="json")


def _cases(kind: str) -> list[Any]:
    cases = []
    for endpoint in ENDPOINTS:
        if kind == "ownership" and (endpoint.staff_only or not any(c.is_id for c in endpoint.captures)):
            continue
        if kind == "staff" and not endpoint.staff_only:
            continue
        for method in endpoint.methods:
            cases.append(pytest.param(endpoint, method, id=f"{method.upper()} /{endpoint.template}"))
    return cases


def test_the_walk_finds_the_known_endpoints():
    templates = {e.template: e for e in ENDPOINTS}

    assert {"auth/login", "auth/me", "system/jobs/{pk}", "system/jobs/{pk}/cancel"} <= set(templates)
    assert templates["system/jobs/{pk}/cancel"].methods == ("post",)
    assert templates["system/jobs/{pk}"].captures == (Capture("pk", True, "system/jobs/"),)
    assert not templates["auth/me"].staff_only


def check_ownership(endpoint: Endpoint, method: str, client_for: Any, user: User, other_user: User) -> None:
    """Creates the URL's objects for ``other_user``, then requests them as ``user``: 404, no leak."""
    # given: every object of the URL exists, owned by someone else
    made: dict[str, Model] = {}
    for capture in endpoint.captures:
        if not capture.is_id:
            continue
        factory = _factory_for(capture)
        if factory is None:
            pytest.fail(
                f"/{API_PREFIX}{endpoint.template} captures the object id {capture.name!r} and the sweep has "
                f"no factory for it: add one to FACTORIES_BY_KWARG (by kwarg name) or FACTORIES_BY_PREFIX "
                f"(key {capture.prefix!r}) in {__name__}."
            )
        made[capture.name] = factory(other_user, made)
    values = {**_sample_values(endpoint), **{name: str(obj.pk) for name, obj in made.items()}}
    url = endpoint.url(values)
    before = {name: _snapshot(obj) for name, obj in made.items()}

    # when: a user who does not own them asks
    response = _call(client_for(user), method, url)

    # then: 404 in the envelope, nothing of the objects in the body, nothing changed
    assert_error(response, 404, "NOT_FOUND")
    body = response.content.decode()
    for obj in made.values():
        for mark in _fingerprints(obj):
            assert mark not in body, f"{method.upper()} {url} leaks {mark!r}: {body}"
    assert {name: _snapshot(obj) for name, obj in made.items()} == before
    if method == "get" and endpoint.template not in OWNER_GET_404_ALLOWED:
        owner_status = client_for(other_user).get(url).status_code
        assert owner_status != 404, (
            f"GET {url} is 404 for the owner too: the sweep's factory for this route creates the wrong "
            f"object (fix the mapping) or list the route in OWNER_GET_404_ALLOWED with a reason."
        )


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "method"), _cases("ownership"))
def test_someone_elses_object_is_404(endpoint, method, client_for, user, other_user):
    check_ownership(endpoint, method, client_for, user, other_user)


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["missing", "invalid"])
@pytest.mark.parametrize(("endpoint", "method"), _cases("all"))
def test_requests_without_a_valid_token_are_401(endpoint, method, token, api_client):
    if token == "invalid":
        api_client.credentials(HTTP_AUTHORIZATION="Bearer not.a.valid-token")
    url = endpoint.url(_sample_values(endpoint))

    response = _call(api_client, method, url)

    if endpoint.public:
        assert response.status_code != 401, (url, response.content)
    else:
        assert_error(response, 401, "NOT_AUTHENTICATED" if token == "missing" else "AUTHENTICATION_FAILED")


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "method"), _cases("staff"))
def test_staff_only_endpoints_are_403_to_others(endpoint, method, auth_client):
    response = _call(auth_client, method, endpoint.url(_sample_values(endpoint)))

    assert_error(response, 403, "PERMISSION_DENIED")


def _mcp_tool_cases() -> list[Any]:
    from agents.tools import PORTFOLIO_ID_TOOLS

    return [pytest.param(name, id=f"mcp {name}") for name in PORTFOLIO_ID_TOOLS]


@pytest.mark.django_db
@pytest.mark.parametrize("tool", _mcp_tool_cases())
def test_mcp_tools_answer_not_found_for_someone_elses_portfolio(tool, user, other_user):
    """Every MCP tool that takes an id: another user's portfolio is a NOT_FOUND tool error carrying
    none of its data, and nothing of theirs changes (through the SDK's in-process client)."""
    from agents.tests.test_mcp_tools import call
    from agents.tools import Principal

    portfolio = _portfolio(other_user, {})
    before = _snapshot(portfolio)
    arguments: dict[str, Any] = {"portfolio_id": str(portfolio.pk)}
    if tool == "what_if":
        arguments["trades"] = [{"symbol": "AAPL", "quantity": 1}]
    result = call(Principal(user=user), tool, arguments)

    assert result.is_error
    assert result.structured_content["error"]["code"] == "NOT_FOUND"
    text = result.content[0].text
    for mark in _fingerprints(portfolio):
        if mark != str(portfolio.pk):  # the id is the caller's own argument
            assert mark not in text
    assert _snapshot(portfolio) == before


class TestTheSweepItself:
    """The sweep fails loudly on routes it cannot handle, so it never passes by skipping them."""

    @pytest.mark.django_db
    def test_an_id_without_a_factory_fails(self, client_for, user, other_user):
        endpoint = Endpoint("widgets/{widget_id}", (Capture("widget_id", True, "widgets/"),), ("get",), False)

        with pytest.raises(pytest.fail.Exception, match="no factory"):
            check_ownership(endpoint, "get", client_for, user, other_user)

    def test_a_non_id_capture_without_a_sample_fails(self):
        endpoint = Endpoint("reports/{flavour}", (Capture("flavour", False, "reports/"),), ("get",), False)

        with pytest.raises(pytest.fail.Exception, match="NON_ID_SAMPLES"):
            _sample_values(endpoint)

    @pytest.mark.parametrize(
        ("regex", "name", "expected"),
        [
            (r"^w/(?P<session>[0-9a-fA-F-]{36})/?$", "session", True),
            (r"^w/(?P<pk>[^/.]+)/?$", "pk", True),
            (r"^w/(?P<report_id>[^/]+)/?$", "report_id", True),
            (r"^b/(?P<trigger>[-a-zA-Z0-9_]+)/?$", "trigger", False),
        ],
    )
    def test_id_detection(self, regex, name, expected):
        from django.urls.resolvers import RegexPattern

        assert _is_id(name, RegexPattern(regex)) is expected
