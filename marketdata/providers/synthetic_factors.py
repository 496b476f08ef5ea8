"""The synthetic market's common drivers: the 7 factor ETFs, oil, international, rates and VIX (pure).

Randomness is counter-based so that a date's draws depend only on (seed, stream, date): each stream
is a Philox generator keyed by a stable hash of (seed, stream name) whose counter is set from the
date's ordinal, so any date range can be drawn directly and past draws never change when later dates
are added. Uniforms are mapped to standard normals with the inverse normal CDF.

Common drivers, one value per NYSE session from :data:`LEVEL_START`:

- Factor ETFs (SPY VTV VUG MTUM QUAL IWM USMV): simple daily returns = annual drift / 252 +
  (annual vol / sqrt(252)) x (Cholesky of the correlation) x standard normals. Volatilities and
  correlations are those of DESIGN.md's data/factor_model.csv and data/factor_correlations.csv.
- Oil and international own shocks: independent normals scaled so that USO = 0.62 x SPY + oil shock
  has 35% annual vol and correlation 0.30 with SPY, EWG = 0.76 x SPY + intl shock has 20% and 0.65.
- DGS3MO and DGS10 in decimal: a deterministic policy path (knots below, linear in between, flat
  outside) plus a mean-reverting AR(1) deviation, rounded to 1bp like FRED; DGS10 moves by about
  6-7bp a day and is independent of the factors.
- VIX: 9 + exp(l) with l an AR(1) around log(10.5) (long-run VIX about 19-20, always above 9) whose
  shocks have correlation -0.75 with SPY's shocks; rounded to cents.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.signal import lfilter
from scipy.special import ndtri

from marketdata.providers.calendar import sessions_between
from marketdata.providers.synthetic_universe import (
    INTL_ANNUAL_VOL,
    INTL_SPY_CORRELATION,
    OIL_ANNUAL_VOL,
    OIL_SPY_CORRELATION,
)

FloatArray = npt.NDArray[np.float64]

#: first session of every level process (rates, VIX); simulations start after it
LEVEL_START = dt.date(2000, 1, 3)
TRADING_DAYS = 252

FACTOR_ANNUAL_VOLS: FloatArray = np.array([0.17, 0.16, 0.21, 0.19, 0.17, 0.22, 0.13])
FACTOR_ANNUAL_DRIFTS: FloatArray = np.array([0.08, 0.075, 0.09, 0.085, 0.085, 0.07, 0.07])
FACTOR_CORRELATION: FloatArray = np.array(
    [
        [1.00, 0.90, 0.96, 0.88, 0.97, 0.85, 0.85],
        [0.90, 1.00, 0.78, 0.72, 0.88, 0.85, 0.86],
        [0.96, 0.78, 1.00, 0.90, 0.93, 0.78, 0.76],
        [0.88, 0.72, 0.90, 1.00, 0.86, 0.72, 0.76],
        [0.97, 0.88, 0.93, 0.86, 1.00, 0.82, 0.86],
        [0.85, 0.85, 0.78, 0.72, 0.82, 1.00, 0.70],
        [0.85, 0.86, 0.76, 0.76, 0.86, 0.70, 1.00],
    ]
)
FACTOR_DAILY_COVARIANCE: FloatArray = (
    np.outer(FACTOR_ANNUAL_VOLS, FACTOR_ANNUAL_VOLS) * FACTOR_CORRELATION / TRADING_DAYS
)
_CHOLESKY: FloatArray = np.linalg.cholesky(FACTOR_DAILY_COVARIANCE)  # lower triangular

OIL_OWN_DAILY_VOL = OIL_ANNUAL_VOL * np.sqrt(1.0 - OIL_SPY_CORRELATION**2) / np.sqrt(TRADING_DAYS)
INTL_OWN_DAILY_VOL = INTL_ANNUAL_VOL * np.sqrt(1.0 - INTL_SPY_CORRELATION**2) / np.sqrt(TRADING_DAYS)

# Rates: (date, level in decimal) knots of the slow "policy" path.
_DGS3MO_KNOTS = (
    ("2000-01-03", 0.053), ("2000-12-29", 0.058), ("2001-12-31", 0.017), ("2003-06-30", 0.009),
    ("2004-06-30", 0.013), ("2006-07-31", 0.051), ("2007-08-31", 0.045), ("2008-12-31", 0.001),
    ("2015-12-01", 0.001), ("2016-12-30", 0.005), ("2018-12-31", 0.024), ("2019-07-31", 0.021),
    ("2019-12-31", 0.0155), ("2020-03-31", 0.001), ("2021-12-31", 0.0005), ("2022-03-16", 0.004),
    ("2022-05-04", 0.009), ("2022-06-15", 0.016), ("2022-07-27", 0.025), ("2022-09-21", 0.033),
    ("2022-11-02", 0.041), ("2022-12-30", 0.044), ("2023-03-31", 0.048), ("2023-07-31", 0.0545),
    ("2024-07-31", 0.0545), ("2024-09-18", 0.049), ("2024-12-31", 0.0435), ("2025-06-30", 0.0435),
    ("2025-12-31", 0.037), ("2026-12-31", 0.034),
)  # fmt: skip
_DGS10_KNOTS = (
    ("2000-01-03", 0.064), ("2000-12-29", 0.051), ("2003-06-13", 0.031), ("2006-06-30", 0.052),
    ("2008-12-31", 0.022), ("2010-04-05", 0.040), ("2012-07-25", 0.014), ("2013-12-31", 0.030),
    ("2016-07-08", 0.0137), ("2018-11-08", 0.032), ("2019-08-30", 0.015), ("2020-03-09", 0.0054),
    ("2020-08-04", 0.0052), ("2021-03-31", 0.0174), ("2021-12-31", 0.0163), ("2022-06-14", 0.0348),
    ("2022-08-01", 0.026), ("2022-10-24", 0.0425), ("2023-04-06", 0.033), ("2023-10-19", 0.0498),
    ("2023-12-27", 0.0379), ("2024-04-25", 0.047), ("2024-09-16", 0.0362), ("2025-01-14", 0.0479),
    ("2025-04-04", 0.040), ("2025-05-21", 0.046), ("2025-12-31", 0.042), ("2026-12-31", 0.042),
)  # fmt: skip
# AR(1) per session: (phi, shock sd, floor)
_DGS3MO_AR = (0.95, 0.0002, 0.0001)
_DGS10_AR = (0.97, 0.0006, 0.003)
#: daily sd of the DGS10 change (decimal), ignoring the slow policy path
DGS10_DAILY_CHANGE_VOL = _DGS10_AR[1]

VIX_FLOOR = 9.0
_VIX_LOG_MEAN, _VIX_PHI, _VIX_SHOCK, VIX_SPY_CORRELATION = np.log(10.5), 0.97, 0.08, -0.75

# Columns of the common stream (one row of standard normals per calendar day).
_COMMON_WIDTH = 12
_Z_FACTORS, _Z_OIL, _Z_INTL, _Z_DGS10, _Z_DGS3MO, _Z_VIX = slice(0, 7), 7, 8, 9, 10, 11


def normal_draws(seed: int, stream: str, first: dt.date, last: dt.date, width: int) -> FloatArray:
    """Standard normals of shape (calendar days in [first, last], width); row i belongs to
    ``first + i days`` and depends only on (seed, stream, that date)."""
    n_days = (last - first).days + 1
    if n_days <= 0:
        return np.empty((0, width))
    blocks = -(-width // 4)  # Philox4x64 yields 4 words per counter step
    key = np.frombuffer(
        hashlib.blake2b(f"sigmasight|{seed}|{stream}".encode(), digest_size=16).digest(), dtype="<u8"
    )
    bit_gen = np.random.Philox(key=key.astype(np.uint64), counter=blocks * first.toordinal())
    raw = bit_gen.random_raw(n_days * blocks * 4).reshape(n_days, blocks * 4)[:, :width]
    uniform = ((raw >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53
    return np.asarray(ndtri(uniform))


def _knot_path(knots: tuple[tuple[str, float], ...], days: npt.NDArray[np.datetime64]) -> FloatArray:
    xs = np.array([np.datetime64(d, "D") for d, _ in knots]).astype(np.int64)
    ys = np.array([v for _, v in knots])
    return np.interp(days.astype(np.int64), xs, ys)


def _ar1(shocks: FloatArray, phi: float) -> FloatArray:
    """x_t = phi x_(t-1) + shock_t with x_(-1) = 0, computed sequentially (prefix-stable)."""
    return np.asarray(lfilter([1.0], [1.0, -phi], shocks))


@dataclass(frozen=True)
class CommonPaths:
    """Common drivers on every NYSE session from :data:`LEVEL_START` to ``sessions[-1]``.

    ``factor_returns`` (n, 7): simple daily returns of SPY VTV VUG MTUM QUAL IWM USMV;
    ``oil_shock``/``intl_shock`` (n,): the parts of USO's / EWG's daily return independent of SPY;
    ``dgs3mo``/``dgs10`` (n,): yields in decimal; ``vix`` (n,): index level in points.
    """

    sessions: npt.NDArray[np.datetime64]
    factor_returns: FloatArray
    oil_shock: FloatArray
    intl_shock: FloatArray
    dgs3mo: FloatArray
    dgs10: FloatArray
    vix: FloatArray

    def index_of(self, days: npt.NDArray[np.datetime64]) -> npt.NDArray[np.intp]:
        """Row numbers of ``days`` (which must be sessions within the paths)."""
        idx = np.searchsorted(self.sessions, days)
        if len(days) and (idx[-1] >= len(self.sessions) or (self.sessions[idx] != days).any()):
            raise ValueError("days outside the simulated sessions")
        return idx


@functools.lru_cache(maxsize=16)
def common_paths(seed: int, last: dt.date) -> CommonPaths:
    """Simulate the common drivers for sessions in [LEVEL_START, last] (cached; arrays read-only)."""
    if last <= LEVEL_START:
        raise ValueError(f"The synthetic market starts after {LEVEL_START}.")
    sessions = sessions_between(LEVEL_START, last)
    draws = normal_draws(seed, "common", LEVEL_START, last, _COMMON_WIDTH)
    z = draws[(sessions - np.datetime64(LEVEL_START, "D")).astype(np.int64)]

    # factor ETFs: explicit lower-triangular products (no BLAS, so results are bitwise stable)
    zf = z[:, _Z_FACTORS]
    factor = np.empty_like(zf)
    for j in range(7):
        acc = FACTOR_ANNUAL_DRIFTS[j] / TRADING_DAYS + zf[:, 0] * _CHOLESKY[j, 0]
        for k in range(1, j + 1):
            acc = acc + zf[:, k] * _CHOLESKY[j, k]
        factor[:, j] = acc

    m3 = _knot_path(_DGS3MO_KNOTS, sessions)
    phi3, sd3, floor3 = _DGS3MO_AR
    x3 = _ar1(sd3 * z[:, _Z_DGS3MO], phi3)
    dgs3mo = np.round(np.maximum(m3 + np.clip(m3 / 0.02, 0.1, 1.0) * x3, floor3), 4)
    phi10, sd10, floor10 = _DGS10_AR
    x10 = _ar1(sd10 * z[:, _Z_DGS10], phi10)
    dgs10 = np.round(np.maximum(_knot_path(_DGS10_KNOTS, sessions) + x10, floor10), 4)

    rho = VIX_SPY_CORRELATION
    vix_shock = _VIX_SHOCK * (rho * zf[:, 0] + np.sqrt(1.0 - rho**2) * z[:, _Z_VIX])
    vix = np.round(VIX_FLOOR + np.exp(_VIX_LOG_MEAN + _ar1(vix_shock, _VIX_PHI)), 2)

    paths = CommonPaths(
        sessions=sessions,
        factor_returns=factor,
        oil_shock=OIL_OWN_DAILY_VOL * z[:, _Z_OIL],
        intl_shock=INTL_OWN_DAILY_VOL * z[:, _Z_INTL],
        dgs3mo=dgs3mo,
        dgs10=dgs10,
        vix=vix,
    )
    for arr in (sessions, factor, paths.oil_shock, paths.intl_shock, dgs3mo, dgs10, vix):
        arr.setflags(write=False)
    return paths
