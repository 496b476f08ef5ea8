"""The HTTP checks of bin/smoke against the running production stack at $SMOKE_URL.

Each check prints one line; the first failure raises SystemExit (non-zero). Standard library and
httpx only (no Django): this is a client of the stack, like a browser or a deploy probe.
"""

from __future__ import annotations

import os
import re
import sys
import time
from typing import Any

import httpx

BASE = os.environ["SMOKE_URL"]
STAFF = ("admin@sigmasight.com", "demo12345")
OWNER = ("demo_hedgefundstyle@sigmasight.com", "demo12345")
BATCH_TIMEOUT_S = float(os.environ.get("SMOKE_BATCH_TIMEOUT", "420"))


def check(ok: bool, what: str, detail: Any = "") -> None:
    print(f"[smoke] {'ok  ' if ok else 'FAIL'} {what}{f': {detail}' if detail != '' and not ok else ''}")
    if not ok:
        sys.exit(1)


def wait_healthy(client: httpx.Client) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    last: Any = None
    while time.monotonic() < deadline:
        try:
            response = client.get("/health")
            last = response.json()
            if response.status_code == 200 and last.get("broker") == "ok" and last.get("cache") == "ok":
                return last
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(1)
    check(False, "/health answers with database, cache and broker ok", last)
    return {}


def login(client: httpx.Client, email: str, password: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    check(response.status_code == 200, f"login as {email}", response.text[:300])
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def run_all(client: httpx.Client, staff: dict[str, str]) -> None:
    response = client.post("/api/v1/system/batch/run-all", json={}, headers=staff)
    check(response.status_code == 202, "POST /system/batch/run-all -> 202", response.text[:300])
    poll = response.json()["poll_url"]
    deadline = time.monotonic() + BATCH_TIMEOUT_S
    status = "queued"
    while time.monotonic() < deadline:
        job = client.get(poll, headers=staff).json()
        status = job.get("status")
        if status in ("succeeded", "failed", "cancelled", "partial"):
            break
        time.sleep(2)
    check(status == "succeeded", f"the worker ran the batch (job {status})", job)
    batch = client.get("/api/v1/system/batch/status", headers=staff).json()["run"]
    check(batch["status"] == "succeeded", "the batch run succeeded", batch.get("error"))


def analytics(client: httpx.Client, owner: dict[str, str]) -> None:
    me = client.get("/api/v1/auth/me", headers=owner).json()
    pid = me["portfolios"][0]["id"]
    response = client.get(f"/api/v1/analytics/portfolio/{pid}/overview", headers=owner)
    body = response.json()
    check(
        response.status_code == 200 and body.get("total_value") is not None,
        "GET /analytics/portfolio/{id}/overview has a NAV",
        response.text[:300],
    )


def static_and_docs(client: httpx.Client) -> None:
    css = client.get("/static/admin/css/base.css")
    check(
        css.status_code == 200 and "text/css" in css.headers.get("content-type", ""), "admin CSS served (200)"
    )
    login_page = client.get("/admin/login/")
    check(login_page.status_code == 200, "GET /admin/login/ -> 200")
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', login_page.text)
    check(any(a.endswith(".css") for a in assets), "the admin page links its stylesheets", assets)
    for asset in assets:
        answer = client.get(asset)
        check(answer.status_code == 200, f"{asset} -> 200", answer.status_code)
    for page in ("/api/docs/", "/api/redoc/"):
        html = client.get(page).text
        external = re.findall(r'(?:href|src)="(https?://[^"]+)"', html)
        check(not external, f"{page} references no external host", external)
        for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
            check(client.get(asset).status_code == 200, f"{page} asset {asset} -> 200")


def main() -> None:
    with httpx.Client(base_url=BASE, timeout=30) as client:
        health = wait_healthy(client)
        check(health.get("broker") == "ok", "/health says the broker is ok")
        staff = login(client, *STAFF)
        run_all(client, staff)
        analytics(client, login(client, *OWNER))
        static_and_docs(client)


if __name__ == "__main__":
    main()
