"""Celery tasks of the portfolios app: ids in, one service call each."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="portfolios.onboarding_process")
def onboarding_process_task(upload_id: str, steps: list[str] | None = None) -> None:
    """Validates and enriches an uploaded positions CSV (see portfolios.onboarding.processing).

    ``steps``: ``["validate", "enrich"]`` (default) or ``["enrich"]`` (a retry of the market-data sync).
    """
    from portfolios.onboarding.processing import ALL_STEPS, upload_process

    upload_process(upload_id=upload_id, steps=tuple(steps) if steps else ALL_STEPS)
