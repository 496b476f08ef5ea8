"""What runs after every batch run (alert rules are evaluated here once they exist)."""

from __future__ import annotations

import importlib.util
import logging

from analytics.models import BatchRun

logger = logging.getLogger(__name__)


def after_batch(*, run: BatchRun) -> None:
    """Evaluates alert rules for the run's portfolios when the alerts module is installed."""
    if importlib.util.find_spec("analytics.services.alerts") is None:
        return
    from analytics.services.alerts import alerts_evaluate

    try:
        alerts_evaluate(run=run)
    except Exception:  # noqa: BLE001 - alerts never fail a finished run
        logger.exception("Alert evaluation failed for run %s", run.id)
