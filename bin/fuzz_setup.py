"""The demo's ids for bin/fuzz: logs in as the demo owner, creates the objects the fuzzer needs through
the API and writes schemathesis.toml, which binds every id parameter to real objects.

Usage: fuzz_setup.py BASE_URL OUT_DIR. Writes OUT_DIR/schemathesis.toml (the project config
schemathesis reads) and OUT_DIR/token (the access token: bin/fuzz passes it as the Authorization
header). Standard library, httpx and the committed schema only (no Django): a client of the server.

Every path parameter, and every ``portfolio_id`` in a query or a body, is drawn from a dictionary of
real ids of the demo owner with probability ``REAL_ID_PROBABILITY``; the rest of the time
schemathesis generates its own value (another user's id or none at all: the documented 404 / 400).
DELETE operations always get objects made for them (a scratch portfolio, position, tag, rule,
schedule, session, trade, token), so the demo book the other operations read stays whole while the
run goes (the first DELETE answers 204, the next ones 404).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import httpx
import yaml

OWNER = ("demo_hedgefundstyle@sigmasight.com", "demo12345")
#: Who POST /auth/login logs in as. Not OWNER: the fuzzer feeds the refresh tokens of login answers
#: to /auth/logout, and a logout revokes every access token of its user (OWNER's would all be 401).
LOGIN = ("demo_individual@sigmasight.com", "demo12345")
SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "openapi.yml"
REAL_ID_PROBABILITY = 0.9
#: ``?symbols=`` lists the quotes endpoint is asked for (the synthetic provider knows them).
SYMBOLS = ("AAPL", "AAPL,MSFT,SPY", "SPY   270917C00640000")
UPLOAD_CSV = (
    "ticker,quantity,entry_price,entry_date,tags\nAAPL,10,180,2025-01-15,Fuzz\nMSFT,5,400,2025-02-03,\n"
)


class Api:
    def __init__(self, base: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=120)
        self.headers: dict[str, str] = {}

    def call(self, method: str, path: str, expect: int, **kwargs: Any) -> Any:
        response = self.client.request(method, f"/api/v1{path}", headers=self.headers, **kwargs)
        if response.status_code != expect:
            raise SystemExit(
                f"[fuzz] setup: {method} {path} answered {response.status_code}: {response.text[:400]}"
            )
        return response.json() if response.content else None


def _results(page: Any) -> list[dict[str, Any]]:
    return page["results"] if isinstance(page, dict) and "results" in page else page


def collect_ids(api: Api) -> tuple[str, dict[str, list[str]], dict[str, list[str]]]:
    """``(access token, {kind: real ids}, {kind: ids made to be deleted})``."""
    login = api.call("POST", "/auth/login", 200, json={"email": OWNER[0], "password": OWNER[1]})
    token = login["access_token"]
    api.headers = {"Authorization": f"Bearer {token}"}
    me = api.call("GET", "/auth/me", 200)
    portfolio = me["portfolios"][0]["id"]
    positions = [
        p["id"]
        for p in _results(api.call("GET", f"/management/positions?portfolio_id={portfolio}&limit=500", 200))
    ]
    tags = [t["id"] for t in _results(api.call("GET", "/management/tags?limit=500", 200))]

    scratch = api.call(
        "POST", "/management/portfolios", 201, json={"name": "Fuzz scratch", "cash_balance": 1000}
    )["id"]
    # The scratch position lives in a book of its own: DELETE of the scratch portfolio (which runs
    # first) would take it along.
    holder = api.call("POST", "/management/portfolios", 201, json={"name": "Fuzz scratch positions"})["id"]
    position = {
        "portfolio_id": holder,
        "symbol": "AAPL",
        "quantity": 1,
        "entry_price": 100,
        "entry_date": "2025-01-02",
    }
    scratch_position = api.call("POST", "/management/positions", 201, json=position)["id"]
    scratch_tag = api.call("POST", "/management/tags", 201, json={"name": "fuzz-scratch"})["id"]
    rule = {
        "name": "Gross over 1m",
        "portfolio_id": portfolio,
        "metric": "gross_exposure",
        "operator": "gt",
        "threshold": 1e6,
    }
    rules = [api.call("POST", "/management/alerts/rules", 201, json=rule)["id"] for _ in range(2)]
    schedule = {
        "portfolio_id": portfolio,
        "template": "risk_summary",
        "format": "json",
        "frequency": "daily",
        "time": "06:00",
    }
    schedules = [api.call("POST", "/export/reports/schedule", 201, json=schedule)["id"] for _ in range(2)]
    report_job = api.call(
        "POST",
        "/export/reports/generate",
        202,
        json={"portfolio_id": portfolio, "template": "risk_summary", "format": "json"},
    )
    reports = [report_job["report_id"]]
    sessions = [
        api.call("POST", "/modeling/sessions", 201, json={"portfolio_id": portfolio, "name": f"Fuzz {n}"})[
            "id"
        ]
        for n in range(2)
    ]
    trade = {
        "trades": [
            {"symbol": "AAPL", "action": "buy", "quantity": 10},
            {"symbol": "MSFT", "action": "buy", "quantity": 5},
        ]
    }
    trades = [
        t["id"]
        for t in api.call("POST", f"/modeling/sessions/{sessions[0]}/trades", 201, json=trade)["trades"]
    ]
    tokens = [
        api.call("POST", "/auth/tokens", 201, json={"name": f"fuzz {n}", "scope": "read"})["id"]
        for n in range(2)
    ]
    upload = api.call(
        "POST",
        "/portfolio/upload",
        202,
        files={"file": ("fuzz.csv", UPLOAD_CSV, "text/csv")},
        data={"portfolio_name": "Fuzz upload"},
    )
    jobs = [report_job["job_id"], upload["job_id"]] if "job_id" in upload else [report_job["job_id"]]
    real = {
        "portfolio": [portfolio],
        "position": positions,
        "tag": tags,
        "rule": rules[:1],
        "schedule": schedules[:1],
        "report": reports,
        "session": sessions[:1],
        "trade": trades,
        "token": tokens[:1],
        "upload": [upload["upload_id"]] if "upload_id" in upload else [upload.get("id")],
        "job": jobs,
    }
    deletable = {
        "portfolio": [scratch],
        "position": [scratch_position],
        "tag": [scratch_tag],
        "rule": rules[1:],
        "schedule": schedules[1:],
        "session": sessions[1:],
        "trade": trades[-1:],
        "token": tokens[1:],
    }
    return token, real, deletable


#: Which object an operation's path parameter names, by path prefix (the first match wins).
KINDS: list[tuple[str, dict[str, str]]] = [
    ("/api/v1/auth/tokens/", {"id": "token"}),
    ("/api/v1/export/reports/schedules/", {"id": "schedule"}),
    ("/api/v1/export/reports/", {"id": "report"}),
    ("/api/v1/management/alerts/rules/", {"id": "rule"}),
    ("/api/v1/management/positions/", {"id": "position"}),
    ("/api/v1/management/tags/", {"id": "tag"}),
    ("/api/v1/modeling/sessions/", {"id": "session", "trade_id": "trade"}),
    ("/api/v1/portfolio/onboarding/", {"id": "upload"}),
    ("/api/v1/portfolio/upload/", {"id": "upload"}),
    ("/api/v1/system/jobs/", {"id": "job"}),
    ("/api/v1/", {"id": "portfolio", "portfolio_id": "portfolio"}),
]


def _toml(value: Any) -> str:
    return json.dumps(value)  # TOML basic strings and arrays of them are JSON's


def config(real: dict[str, list[str]], deletable: dict[str, list[str]], token: str, cache: Path) -> str:
    """schemathesis.toml: the dictionaries of ids and, per operation, which one each parameter uses."""
    schema = yaml.safe_load(SCHEMA.read_text())
    lines = [
        "# Written by bin/fuzz_setup.py for one run of bin/fuzz (the ids exist only in that database).",
        f"headers = {{ Authorization = {_toml('Bearer ' + token)} }}",
        "",
        "[cache]  # per run: every run starts from a fresh database, so old cases would replay stale ids",
        f"directory = {_toml(str(cache))}",
        "",
    ]
    for kind, ids in sorted(real.items()):
        if ids:
            lines += [f"[dictionaries.{kind}]", f"values = {_toml(ids)}", ""]
    lines += [
        "[dictionaries.symbols]",
        f"values = {_toml(list(SYMBOLS))}",
        "",
        "[dictionaries.email]",
        f"values = {_toml([LOGIN[0]])}",
        "",
        "[dictionaries.password]",
        f"values = {_toml([LOGIN[1]])}",
        "",
    ]
    for kind, ids in sorted(deletable.items()):
        if ids:
            lines += [f"[dictionaries.{kind}_deletable]", f"values = {_toml(ids)}", ""]
    lines += [
        "[parameters]",
        f'"query.portfolio_id" = {{ dictionary = "portfolio", probability = {REAL_ID_PROBABILITY} }}',
        f'"body.portfolio_id" = {{ dictionary = "portfolio", probability = {REAL_ID_PROBABILITY} }}',
        f'"query.position_ids" = {{ dictionary = "position", probability = {REAL_ID_PROBABILITY} }}',
        f'"query.symbols" = {{ dictionary = "symbols", probability = {REAL_ID_PROBABILITY} }}',
        "",
        "[[operations]]  # another demo user's credentials, most of the time (the rest: 400 / 401)",
        'include-name = "POST /api/v1/auth/login/"',
        f'parameters = {{ "body.email" = {{ dictionary = "email", probability = {REAL_ID_PROBABILITY} }}, '
        f'"body.password" = {{ dictionary = "password", probability = {REAL_ID_PROBABILITY} }} }}',
        "",
    ]
    for path, methods in schema["paths"].items():
        names = [p["name"] for p in methods.get("parameters", []) if p.get("in") == "path"]
        for method, operation in methods.items():
            if not isinstance(operation, dict):
                continue
            params = names + [p["name"] for p in operation.get("parameters", []) if p.get("in") == "path"]
            if not params:
                continue
            kinds = next(k for prefix, k in KINDS if path.startswith(prefix))
            bindings = []
            for name in params:
                kind = kinds.get(name)
                probability = REAL_ID_PROBABILITY
                if method == "delete" and name == params[-1] and deletable.get(kind or ""):
                    # Always an object made to be deleted: never the demo book the others read.
                    kind, probability = f"{kind}_deletable", 1.0
                elif kind is None or not real.get(kind):
                    continue
                bindings.append(f'"path.{name}" = {{ dictionary = "{kind}", probability = {probability} }}')
            if bindings:
                # include-name: one filter (include-path and include-method would be two, OR-ed).
                lines += [
                    "[[operations]]",
                    f"include-name = {_toml(f'{method.upper()} {path}')}",
                    f"parameters = {{ {', '.join(bindings)} }}",
                    "",
                ]
    return "\n".join(lines)


def main() -> None:
    base, out = sys.argv[1], Path(sys.argv[2])
    api = Api(base)
    token, real, deletable = collect_ids(api)
    (out / "schemathesis.toml").write_text(config(real, deletable, token, out / "cache"))
    (out / "token").write_text(token)
    counts = ", ".join(f"{k} {len(v)}" for k, v in sorted(real.items()))
    print(f"[fuzz] demo ids of {OWNER[0]}: {counts}")


if __name__ == "__main__":
    main()
