"""Every response matches the OpenAPI schema, and no output serializer changes what its view gives it.

On the seeded demo (its users, portfolios and a batch run), each case requests one endpoint and checks:

* the status code is one the operation documents;
* the JSON body validates against that status's schema (``jsonschema``): types, ``nullable``,
  ``required``, enums, and no key the schema does not declare (``additionalProperties: false`` is
  added to every object schema with properties); ``date-time`` values are UTC ``...mmmZ``, ``date``
  values ``YYYY-MM-DD``, ``uuid`` values UUIDs;
* while the request runs, no output serializer drops, adds or changes a key of the payload it was
  given (:mod:`sigmasight.tests.serializer_drift`), so the response is the selector's JSON.

Every GET operation of the schema needs a case (``test_every_get_operation_has_a_case``): a new
endpoint fails here until a case for it is added to ``CASES``.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema
import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import URLResolver, get_resolver, resolve
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from analytics.models import AlertRule
from analytics.selectors.conventions import CONVENTION_KEYS
from portfolios.models import Portfolio, Tag
from portfolios.tests.onboarding_factories import OnboardingUploadFactory
from sigmasight.system.tests.factories import JobFactory
from sigmasight.tests.serializer_drift import serializers_keep_output

AS_OF = "2026-11-20"
HEDGE_FUND = "demo_hedgefundstyle@sigmasight.com"
HNW = "demo_hnw@sigmasight.com"
INDIVIDUAL = "demo_individual@sigmasight.com"
V1 = "/api/v1"
#: GET operations without cases yet, each with the reason.
UNCOVERED_PREFIXES: dict[str, str] = {
    f"{V1}/export/portfolio/": "a file download (csv/xlsx/json attachment): exports/tests check its content",
    f"{V1}/export/reports/{{id}}": "needs a generated report: exports/tests/test_reports_api.py checks it",
    f"{V1}/export/reports/schedules/{{id}}": "needs a schedule: exports/tests/test_report_schedules.py",
    f"{V1}/modeling/sessions/{{id}}": "needs a calculated session: analytics/tests/modeling check them",
}

# --- the demo --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Demo:
    users: dict[str, User]
    ids: dict[str, str]


@pytest.fixture(scope="module")
def demo_settings() -> Iterator[None]:
    with override_settings(SYNTHETIC_AS_OF=AS_OF, MARKET_DATA_PROVIDER="synthetic"):
        yield


def _build_demo() -> Demo:
    call_command("seed_demo", "--as-of", AS_OF, stdout=io.StringIO())
    # the test settings' batch stores only the last few VaR forecasts: enough history for /backtest
    call_command("backfill_var_forecasts", "--days", "11", stdout=io.StringIO())
    users = {email: User.objects.get(email=email) for email in (HEDGE_FUND, HNW, INDIVIDUAL)}
    users["staff"] = User.objects.create_user(
        email="staff-schema@example.com", password="x-long-password-1", full_name="Staff", is_staff=True
    )
    users["empty"] = User.objects.create_user(
        email="empty-schema@example.com", password="x-long-password-1", full_name="Empty"
    )
    Portfolio.objects.create(owner=users["empty"], name="Nothing yet")
    ids: dict[str, str] = {}
    for key, email in (("hf", HEDGE_FUND), ("hnw", HNW), ("ind", INDIVIDUAL), ("empty", "empty")):
        portfolio = Portfolio.objects.filter(owner=users[email]).order_by("created_at").first()
        assert portfolio is not None
        ids[f"{key}_portfolio"] = str(portfolio.id)
    hedge_fund = users[HEDGE_FUND]
    portfolio = Portfolio.objects.get(id=ids["hf_portfolio"])
    ids["hf_position"] = str(portfolio.positions.order_by("symbol").first().id)
    ids["hf_tag"] = str(Tag.objects.filter(owner=hedge_fund).order_by("name").first().id)
    ids["hf_rule"] = str(
        AlertRule.objects.create(
            owner=hedge_fund,
            portfolio=portfolio,
            name="Gross above 2M",
            metric="gross_exposure",
            operator="gt",
            threshold=2_000_000.0,
        ).id
    )
    ids["hf_job"] = str(JobFactory(owner=hedge_fund, succeeded=True).id)
    ids["hf_upload"] = str(OnboardingUploadFactory(owner=hedge_fund).id)
    return Demo(users=users, ids=ids)


@pytest.fixture(scope="module")
def demo(demo_settings: None, module_db: Any) -> Demo:
    return module_db(_build_demo)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


# --- the cases -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    url: str  # with {hf_portfolio}-style placeholders of Demo.ids
    user: str = HEDGE_FUND  # an email of the demo, "staff", "empty" or "" (anonymous)
    method: str = "get"
    body: dict[str, Any] | None = None

    @property
    def label(self) -> str:
        who = self.user.split("@")[0].removeprefix("demo_") or "anonymous"
        return f"{self.method.upper()} {self.url} as {who}"


def _portfolio_cases(p: str, user: str) -> list[Case]:
    """Every portfolio-scoped read of portfolio placeholder ``p``."""
    urls = [
        f"/data/portfolio/{{{p}}}/complete",
        f"/data/portfolio/{{{p}}}/complete?include_positions=false&include_cash=false",
        f"/data/portfolio/{{{p}}}/data-quality",
        f"/data/positions/details?portfolio_id={{{p}}}&include_closed=true",
        f"/data/positions/top/{{{p}}}?sort_by=weight",
        f"/data/prices/historical/{{{p}}}?lookback_days=10",
        f"/data/prices/historical/{{{p}}}?lookback_days=3&date_format=unix&include_factor_etfs=false",
        f"/analytics/portfolio/{{{p}}}/overview",
        f"/analytics/portfolio/{{{p}}}/performance",
        f"/analytics/portfolio/{{{p}}}/performance?period=1m",
        f"/analytics/positions/attribution?portfolio_id={{{p}}}",
        f"/analytics/positions/attribution?portfolio_id={{{p}}}&group_by=tag",
        f"/analytics/positions/attribution?portfolio_id={{{p}}}&group_by=sector",
        f"/analytics/risk/{{{p}}}/overview",
        f"/analytics/risk/{{{p}}}/overview?view=shorts",
        f"/analytics/risk/{{{p}}}/var",
        f"/analytics/risk/{{{p}}}/var?method=parametric&confidence=0.99&horizon_days=10&view=longs",
        f"/analytics/risk/{{{p}}}/var?method=monte_carlo",
        f"/analytics/risk/{{{p}}}/contributions",
        f"/analytics/risk/{{{p}}}/greeks?include_after_expiry=true",
        f"/analytics/risk/{{{p}}}/greeks?view=shorts",
        f"/analytics/risk/{{{p}}}/scenarios",
        f"/analytics/risk/{{{p}}}/scenarios?propagation=isolated&scenarios=market_down_10",
        f"/analytics/factors/{{{p}}}/exposures?view=positions",
        f"/analytics/correlation/{{{p}}}/matrix",
        f"/analytics/correlation/{{{p}}}/matrix?lookback_days=60&min_overlap=20",
        f"/management/strategies?portfolio_id={{{p}}}",
        f"/analytics/risk/{{{p}}}/option-grid",
        f"/analytics/risk/{{{p}}}/liquidity",
        f"/analytics/risk/{{{p}}}/expiries",
        f"/analytics/risk/{{{p}}}/reverse-stress?loss_percent=20",
        f"/analytics/risk/{{{p}}}/backtest?method=parametric&days=10",
    ]
    return [Case(url, user) for url in urls]


_GREEKS_BODY = {
    "as_of_date": AS_OF,
    "positions": [
        {
            "underlying_price": 49,
            "strike": 50,
            "expiration_date": "2027-05-26",
            "option_type": "call",
            "quantity": 10,
            "volatility": 0.2,
            "risk_free_rate": 0.05,
        },
        {"occ_symbol": "AAPL  270115C00200000", "quantity": -2},
        {
            "underlying_symbol": "SPY",
            "strike": 500,
            "expiration_date": "2026-11-10",
            "option_type": "put",
            "quantity": 1,
        },
    ],
}

CASES: list[Case] = [
    *_portfolio_cases("hf_portfolio", HEDGE_FUND),
    *_portfolio_cases("hnw_portfolio", HNW),
    *_portfolio_cases("empty_portfolio", "empty"),  # before any batch: the documented 422s
    Case("/data/portfolios"),
    Case("/data/portfolios", "empty"),
    Case("/export/history"),
    Case("/auth/tokens"),
    Case("/modeling/sessions"),
    Case("/export/reports/templates"),
    Case("/export/reports/schedules"),
    Case("/data/prices/quotes?symbols=AAPL,SPY,ZZZZQ"),
    Case("/data/macro"),
    Case("/data/macro?series=DGS10&lookback_days=5"),
    Case("/data/factors/etf-prices?lookback_days=5&factors=Market,Value"),
    Case("/analytics/factors/definitions"),
    Case("/analytics/factors/correlations"),
    Case("/analytics/factors/correlations?lookback_days=60"),
    Case("/analytics/risk/greeks/calculate", method="post", body=_GREEKS_BODY),
    Case(
        "/analytics/risk/{hf_portfolio}/scenarios/custom",
        method="post",
        body={"name": "Bear steepener", "shocks": {"Market": -0.2, "Interest Rate": 0.005}},
    ),
    Case("/auth/me"),
    Case("/auth/me", ""),  # the 401 envelope
    Case("/auth/login", "", "post", {"email": HNW, "password": "demo12345"}),
    Case("/auth/login", "", "post", {"email": HNW, "password": "wrong-password"}),
    Case("/management/portfolios"),
    Case("/management/portfolios/{hf_portfolio}"),
    Case("/management/positions?portfolio_id={hf_portfolio}&limit=100"),
    Case("/management/positions/{hf_position}"),
    Case("/management/tags"),
    Case("/management/tags/{hf_tag}"),
    Case("/management/strategies"),
    Case("/management/alerts"),
    Case("/management/alerts/rules"),
    Case("/management/alerts/rules/{hf_rule}"),
    Case("/system/jobs"),
    Case("/system/jobs/{hf_job}"),
    Case("/system/jobs/{hf_job}/result"),
    Case("/system/ui/commands"),
    Case("/system/batch/status", "staff"),
    Case("/system/batch/history", "staff"),
    Case("/system/batch/status"),  # the 403 envelope
    Case("/portfolio/upload/{hf_upload}/status"),
    Case("/portfolio/upload/{hf_upload}/results"),
    Case("/portfolio/onboarding/{hf_upload}/preview"),
    Case("/portfolio/templates"),
    Case("/health", ""),
]


# --- OpenAPI 3.0 -> JSON Schema --------------------------------------------------------------

_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date-time")
def _is_timestamp(value: object) -> bool:
    return not isinstance(value, str) or bool(_TIMESTAMP.match(value))


@FORMATS.checks("date")
def _is_date(value: object) -> bool:
    return not isinstance(value, str) or bool(_DATE.match(value))


@FORMATS.checks("uuid", raises=ValueError)
def _is_uuid(value: object) -> bool:
    return not isinstance(value, str) or bool(uuid.UUID(value))


def to_json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema object as JSON Schema: ``nullable`` -> a null alternative, refs into
    ``$defs``, and objects with declared properties closed (``additionalProperties: false``)."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: to_json_schema(value) for key, value in node.items() if key != "nullable"}
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        if out.get(exclusive) is True:  # OpenAPI 3.0's boolean form
            out[exclusive] = out.pop(bound)
        elif out.get(exclusive) is False:
            del out[exclusive]
    if "$ref" in out:
        out["$ref"] = out["$ref"].replace("#/components/schemas/", "#/$defs/")
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def operation_of(schema: dict[str, Any], method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    """The schema's path template and operation answering ``method path`` (literal segments win over
    parameters, as in the URL router: /export/reports/templates before /export/reports/{id})."""
    for template, operations in sorted(schema["paths"].items(), key=lambda item: item[0].count("{")):
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template.rstrip("/")))
        if re.fullmatch(pattern + "/?", path) and method in operations:
            return template, operations[method]
    return None


def check_response(schema: dict[str, Any], method: str, url: str, response: Any) -> None:
    """The response's status is documented and its JSON body validates against that status's schema."""
    path = url.split("?")[0]
    found = operation_of(schema, method, path)
    assert found is not None, f"{method.upper()} {path} is not in the OpenAPI schema"
    template, operation = found
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, (
        f"{method.upper()} {template} answered {response.status_code}, which its @extend_schema does not "
        f"document (documented: {sorted(operation['responses'])}): {response.content[:300]!r}"
    )
    content_type = response["Content-Type"].split(";")[0] if response.content else None
    if content_type is None:
        return
    media = documented.get("content", {})
    assert content_type in media, f"{template} {response.status_code}: {content_type} not in {sorted(media)}"
    if content_type != "application/json":
        return
    body_schema = {**to_json_schema(media[content_type]["schema"]), "$defs": _defs(schema)}
    validator = jsonschema.Draft202012Validator(body_schema, format_checker=FORMATS)
    errors = sorted(validator.iter_errors(json.loads(response.content)), key=lambda e: list(e.path))
    assert not errors, (
        f"{method.upper()} {url} ({response.status_code}) does not match the schema:\n"
        + "\n".join(f"  at {'/'.join(map(str, e.path)) or '(root)'}: {e.message[:300]}" for e in errors[:15])
    )


_DEFS_CACHE: dict[int, dict[str, Any]] = {}


def _defs(schema: dict[str, Any]) -> dict[str, Any]:
    key = id(schema)
    if key not in _DEFS_CACHE:
        _DEFS_CACHE[key] = to_json_schema(schema["components"]["schemas"])
    return _DEFS_CACHE[key]


# --- the tests -------------------------------------------------------------------------------


def _client(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def _absolute(url: str) -> str:
    return url if url.startswith("/health") else V1 + url


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
def test_the_response_matches_the_schema_and_its_serializer_keeps_the_data(case, demo, schema):
    url = _absolute(case.url.format(**demo.ids))
    client = _client(demo.users[case.user] if case.user else None)

    with serializers_keep_output() as drift:
        if case.method == "get":
            response = client.get(url)
        else:
            response = getattr(client, case.method)(url, case.body, format="json")

    assert response.status_code < 500, response.content[:500]
    assert not drift, f"{case.label}: an output serializer changes its data:\n{drift.report()}"
    check_response(schema, case.method, url, response)


def test_every_get_operation_has_a_case(schema):
    covered = {
        found[0]
        for case in CASES
        if (found := operation_of(schema, case.method, _absolute(case.url).split("?")[0])) is not None
    }
    missing = [
        template
        for template, operations in schema["paths"].items()
        if "get" in operations
        and template not in covered
        and not any(template.startswith(prefix) for prefix in UNCOVERED_PREFIXES)
    ]

    assert missing == [], f"GET operations without a case in {__name__}.CASES: {missing}"


def _analytics_get_views() -> dict[str, str]:
    """url name -> route of every view of the URLconf under /api/v1/analytics/ that answers GET."""
    found: dict[str, str] = {}

    def walk(patterns: Any, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern).lstrip("^")
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
                continue
            view = getattr(pattern.callback, "view_class", None)
            if route.startswith("api/v1/analytics/") and view is not None and hasattr(view, "get"):
                found[str(pattern.name)] = route

    walk(get_resolver().url_patterns, "")
    return found


@pytest.mark.django_db
def test_every_analytics_get_carries_conventions(demo):
    """Every /analytics GET of the URLconf answers (200) with ``conventions: {units, window, method,
    annualization, reference}`` in at least one case of CASES (a list response: in every item); a new
    /analytics endpoint fails here until it has a case and carries them."""
    views = _analytics_get_views()
    assert len(views) >= 17, views  # the URLconf walk finds the /analytics routes
    answered: set[str] = set()
    for case in CASES:
        if case.method != "get" or not case.user:
            continue
        url = _absolute(case.url.format(**demo.ids))
        name = resolve(url.split("?")[0]).url_name
        if name not in views:
            continue
        response = _client(demo.users[case.user]).get(url)
        if response.status_code != 200:
            continue
        body = response.json()
        for item in body if isinstance(body, list) else [body]:
            assert set(item.get("conventions") or {}) == set(CONVENTION_KEYS), f"{case.label}: no conventions"
            assert all(item["conventions"][k] for k in ("units", "method", "reference")), case.label
        answered.add(name)
    assert sorted(set(views) - answered) == [], "/analytics GETs without a 200 case carrying conventions"


class TestTheCheckItself:
    """The checks fail on the drift they are there to catch."""

    SCHEMA: dict[str, Any] = {
        "paths": {
            "/api/v1/things/{id}/": {
                "get": {
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                            }
                        }
                    }
                }
            }
        },
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "properties": {
                        "value": {"type": "number", "nullable": True},
                        "at": {"type": "string", "format": "date-time"},
                    },
                    "required": ["value", "at"],
                }
            }
        },
    }

    class _Response:
        def __init__(self, body: Any, status: int = 200) -> None:
            self.content = json.dumps(body).encode()
            self.status_code = status

        def __getitem__(self, name: str) -> str:
            return "application/json"

    @pytest.mark.parametrize(
        ("body", "status", "message"),
        [
            ({"value": 1.5, "at": "2026-11-24T16:05:00.123Z", "extra": 1}, 200, "Additional properties"),
            ({"at": "2026-11-24T16:05:00.123Z"}, 200, "'value' is a required property"),
            ({"value": "1.5", "at": "2026-11-24T16:05:00.123Z"}, 200, "is not valid"),
            ({"value": 1.5, "at": "2026-11-24T16:05:00+00:00"}, 200, "is not a 'date-time'"),
            ({"value": 1.5, "at": "2026-11-24T16:05:00.123Z"}, 404, "does not document"),
        ],
    )
    def test_a_drifted_response_fails(self, body, status, message):
        with pytest.raises(AssertionError, match=message):
            check_response(self.SCHEMA, "get", "/api/v1/things/abc", self._Response(body, status))

    def test_a_matching_response_passes(self):
        body = {"value": None, "at": "2026-11-24T16:05:00.123Z"}

        check_response(self.SCHEMA, "get", "/api/v1/things/abc/", self._Response(body))

    def test_the_drift_detector_sees_dropped_added_and_changed_keys(self):
        from rest_framework import serializers

        class Out(serializers.Serializer):
            count = serializers.FloatField()
            label = serializers.CharField(required=False, allow_null=True)

        with serializers_keep_output() as drift:
            Out({"count": 5, "extra": True}).data  # noqa: B018 - serializing is the point

        assert sorted(drift.problems) == [
            "Out adds 'label' (not in the data it was given)",
            "Out drops 'extra' (declare it: a field is never removed from a response)",
            "Out.count changes 5 -> 5.0",
        ]
