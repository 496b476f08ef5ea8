"""The portfolio page of the staff console: the portfolios admin (``portfolios.admin``, which never
imports analytics) re-registered with the batch's figures: NAV and drawdown history, exposures by
type and sector, the Greeks summary, top risk contributors, the worst stress scenarios and the
positions with market value, P&L and weight (each position edited on its own page), and the
"run batch for selected portfolios" action.

Every figure comes from :func:`analytics.selectors.console_portfolio.portfolio_console`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from analytics.admin.batch import run_batch_for_portfolios
from analytics.admin.charts import DANGER, MUTED, PRIMARY, chart_json
from analytics.selectors.console_portfolio import portfolio_console
from portfolios.admin import PortfolioAdmin
from portfolios.models import Portfolio


def _charts(figures: dict[str, Any]) -> dict[str, str]:
    history = figures["history"]
    charts = {
        "nav": chart_json(
            [h["date"] for h in history], [("NAV (USD)", [h["nav"] for h in history], PRIMARY)]
        ),
        "drawdown": chart_json(
            [h["date"] for h in history],
            [("drawdown (%)", [h["drawdown_percent"] for h in history], DANGER)],
            suffix="%",
        ),
    }
    for group, rows in (figures["exposures"] or {}).items():
        charts[f"exposure_{group}"] = chart_json(
            [r["name"] for r in rows],
            [
                ("net (USD)", [r["net"] for r in rows], PRIMARY),
                ("gross (USD)", [r["gross"] for r in rows], MUTED),
            ],
        )
    return charts


class PortfolioConsoleAdmin(PortfolioAdmin):
    change_form_template = "console/portfolio_change_form.html"
    actions = [run_batch_for_portfolios]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        portfolio = self.get_object(request, object_id)
        extra: dict[str, Any] = dict(extra_context or {})
        if portfolio is not None:
            figures = portfolio_console(portfolio=portfolio, user=request.user)
            extra.update({"console": figures, "charts": _charts(figures)})
        return super().change_view(request, object_id, form_url, extra)


admin.site.unregister(Portfolio)
admin.site.register(Portfolio, PortfolioConsoleAdmin)
