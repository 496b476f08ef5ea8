"""The analytics staff console, one module per sub-domain (Django's admin autodiscovery imports this
package, which registers them all); read-only admins derive from :class:`.base.ReadOnlyAdmin`."""

from analytics.admin import batch, performance, results, risk
from analytics.alerts import admin as alerts
from analytics.modeling import admin as modeling

__all__ = ["alerts", "batch", "modeling", "performance", "results", "risk"]
