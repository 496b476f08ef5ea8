"""The analytics staff console, one module per sub-domain (Django's admin autodiscovery imports this
package, which registers them all); read-only admins derive from :class:`.base.ReadOnlyAdmin`. The
dashboard (``dashboard``) and the portfolio page (``portfolio``) read ``analytics.selectors.console*``."""

from analytics.admin import batch, dashboard, performance, portfolio, results, risk
from analytics.alerts import admin as alerts
from analytics.modeling import admin as modeling

__all__ = ["alerts", "batch", "dashboard", "modeling", "performance", "portfolio", "results", "risk"]
