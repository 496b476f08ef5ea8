"""What runs after every batch run: the alert rules (called once, by the run's finalize step)."""

from __future__ import annotations

import logging

from analytics.models import BatchRun

logger = logging.getLogger(__name__)


def after_batch(*, run: BatchRun) -> None:
    """Evaluates the alert rules of the run's portfolios; a failure is logged, never raised."""
    from analytics.services.alerts import alerts_evaluate

    try:
        alerts_evaluate(run=run)
    except Exception:  # noqa: BLE001 - alerts never fail a finished run
        logger.exception("Alert evaluation failed for run %s", run.id)
