"""The hedge-fund demo book's headline risk numbers, as a user reads them from the API.

Seeds the demo into a throwaway SQLite database (synthetic market, as of SYNTHETIC_AS_OF, default
2026-11-20), runs the batch, and prints NAV, delta-adjusted exposure, VaR/ES 1-day 95% by method
and the five worst scenarios, read through the REST API (so any checkout can be compared).

    .venv/bin/python bench/hedge_book.py            # prints a JSON document
"""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sigmasight.settings.local")
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='hedge-book-')}/db.sqlite3"
os.environ.setdefault("SYNTHETIC_AS_OF", "2026-11-20")
os.environ.pop("CELERY_BROKER_URL", None)


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    client = Client()
    login = client.post(
        "/api/v1/auth/login",
        {"email": "demo_hedgefundstyle@sigmasight.com", "password": "demo12345"},
        content_type="application/json",
    ).json()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {login['access_token']}"}
    pid = client.get("/api/v1/auth/me", **auth).json()["portfolios"][0]["id"]
    overview = client.get(f"/api/v1/analytics/portfolio/{pid}/overview", **auth).json()
    var = {
        method: client.get(f"/api/v1/analytics/risk/{pid}/var", {"method": method}, **auth).json()
        for method in ("historical", "parametric", "monte_carlo")
    }
    scenarios = client.get(f"/api/v1/analytics/risk/{pid}/scenarios", **auth).json()["scenarios"]
    positions = client.get(f"/api/v1/data/portfolio/{pid}/complete", **auth).json()["positions"]
    puts = {p["id"]: p["quantity"] for p in positions if len(p["symbol"]) == 21 and p["symbol"][12] == "P"}
    worst = sorted(scenarios, key=lambda s: s["impact"]["dollar_impact"])[:5]
    print(
        json.dumps(
            {
                "nav": overview["total_value"],
                "delta_adjusted_net": overview["delta_adjusted"]["net"]["value"],
                "delta_adjusted_gross": overview["delta_adjusted"]["gross"]["value"],
                "var_1d_95": {m: v.get("var") for m, v in var.items()},
                "es_1d_95": {m: v.get("expected_shortfall") for m, v in var.items()},
                "worst_scenarios": [
                    {
                        "id": s["id"],
                        "dollar_impact": s["impact"]["dollar_impact"],
                        "percentage_impact": s["impact"]["percentage_impact"],
                        "volatility_move": (s.get("factor_moves") or {}).get("Volatility"),
                        "vix_options_impact": sum(
                            r["dollar_impact"] or 0.0
                            for r in s["by_position"]
                            if r["symbol"].startswith("VIX ")
                        ),
                        "short_puts_impact": sum(
                            r["dollar_impact"] or 0.0
                            for r in s["by_position"]
                            if puts.get(r["position_id"], 0) < 0
                        ),
                    }
                    for s in worst
                ],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
