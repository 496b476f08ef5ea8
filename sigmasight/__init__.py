"""SigmaSight: portfolio risk analytics for long/short equity and options books."""

from sigmasight.celery import app as celery_app

__all__ = ["celery_app"]
