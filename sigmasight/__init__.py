"""SigmaSight: portfolio risk analytics for long/short equity and options books."""

import os

# One BLAS thread per process (set before numpy loads; an explicit setting wins): the engines'
# matrices are small (a book's ~30 x 30 covariance, 10,000 x 30 Monte Carlo paths), where
# OpenBLAS's thread hand-off costs more than it saves (measured: a 30 x 30 eigh 0.07 ms on one
# thread, 2-14 ms on two on a busy 2-core machine), and the batch scales by worker processes.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from sigmasight.celery import app as celery_app

__all__ = ["celery_app"]
