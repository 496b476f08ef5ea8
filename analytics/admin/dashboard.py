"""The console's dashboard at /admin/ (unfold's ``DASHBOARD_CALLBACK``): the last batch run with its
per-engine timing chart and failures, open alerts by priority, portfolios by NAV and data freshness.

Figures come from :func:`analytics.selectors.console.console_dashboard`; this module only turns
them into chart payloads and links.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse

from analytics.admin.charts import DANGER, MUTED, PRIMARY, chart_json, engine_timing_chart
from analytics.selectors.console import console_dashboard

PRIORITY_COLORS = {"high": DANGER, "medium": "#d97706", "low": MUTED}


def dashboard_callback(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    """Adds ``console`` (the selector's figures, with admin links) and the charts' JSON."""
    figures = console_dashboard()
    run = figures["last_run"]
    charts: dict[str, str] = {}
    if run is not None:
        run["url"] = reverse("admin:analytics_batchrun_change", args=[run["id"]])
        charts["engines"] = engine_timing_chart(run["engines"])
    alerts = figures["alerts"]["by_priority"]
    charts["alerts"] = chart_json(
        [a["priority"] for a in alerts],
        [("open alerts", [a["count"] for a in alerts], [PRIORITY_COLORS[a["priority"]] for a in alerts])],
    )
    for item in figures["portfolios"]:
        item["url"] = reverse("admin:portfolios_portfolio_change", args=[item["id"]])
    charts["portfolios"] = chart_json(
        [p["name"] for p in figures["portfolios"]],
        [("NAV (USD)", [p["nav"] for p in figures["portfolios"]], PRIMARY)],
        suffix="USD",
    )
    context.update(
        {
            "console": figures,
            "charts": charts,
            "alerts_url": reverse("admin:analytics_alert_changelist") + "?resolved_at__isnull=True",
            "runs_url": reverse("admin:analytics_batchrun_changelist"),
        }
    )
    return context


# unfold's own admin/index.html comes first in the template path (the app is listed before ours).
admin.site.index_template = "console/dashboard.html"
