"""Factor model: regressors, batched multivariate OLS betas, CAPM beta, macro sensitivities,
factor correlation and portfolio factor exposure (DESIGN.md, "Factor model").

Pure numpy/pandas/scipy: no Django, no clock, no I/O.

Conventions:
- Returns are SIMPLE daily returns in decimal, frames indexed by date (oldest first, already cut
  at the as-of date), one column per symbol. Betas are dimensionless; intercepts (``alpha``)
  and residual std are daily decimals (not annualized).
- Regressors: Market = SPY return; each style = its ETF return minus SPY's.
- Each fit is OLS with intercept over the last ``window`` dates of the union of the returns' and
  regressors' date indexes, using only the dates where the symbol and every regressor are finite.
  t = beta / se with se from sigma^2 (X'X)^-1, sigma^2 = SSR / (n - k - 1); p-values two-sided
  from Student t with n - k - 1 degrees of freedom; R^2 = 1 - SSR / SST (centered).
- Fewer than ``min_obs`` usable dates (or fewer than k + 2) -> status ``insufficient_history``;
  a rank-deficient design (e.g. a constant regressor) -> ``singular_design``; both with NaN
  statistics. Any non-finite statistic (exact fit, zero variance) is NaN, never an exception.
- Symbols sharing the same missing-data pattern are solved together in one pseudo-inverse
  (the same estimator as statsmodels' default ``pinv`` method), so ~500 symbols cost a few ms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from analytics.engines.conventions import FACTOR_ETFS, FACTOR_MIN_OBS, FACTOR_WINDOW, MARKET_FACTOR

__all__ = [
    "DEFAULT_FACTOR_ETFS",
    "MACRO_FACTORS",
    "STATUS_INSUFFICIENT",
    "STATUS_OK",
    "STATUS_SINGULAR",
    "FactorCorrelation",
    "FactorExposure",
    "FactorFit",
    "capm_beta",
    "factor_correlation",
    "factor_regressors",
    "fit_factor_model",
    "macro_regressors",
    "macro_sensitivities",
    "portfolio_factor_exposure",
    "portfolio_factor_exposures",
    "position_betas",
]

DEFAULT_FACTOR_ETFS: Mapping[str, str] = FACTOR_ETFS
MACRO_FACTORS: tuple[str, ...] = ("Interest Rate", "Oil", "International")
STATUS_OK = "ok"
STATUS_INSUFFICIENT = "insufficient_history"
STATUS_SINGULAR = "singular_design"


@dataclass(frozen=True)
class FactorFit:
    """Per-symbol OLS results. Frames are indexed by symbol (rows) and factor (columns).

    ``residuals`` is [date x symbol] over the window, NaN on dates not used by that symbol's fit.
    ``status`` is "ok" | "insufficient_history" | "singular_design"; ``n_obs`` the usable dates.
    """

    factors: tuple[str, ...]
    betas: pd.DataFrame
    t_stats: pd.DataFrame
    p_values: pd.DataFrame
    alpha: pd.Series
    r_squared: pd.Series
    n_obs: pd.Series
    resid_std: pd.Series
    status: pd.Series
    residuals: pd.DataFrame

    def to_long(self) -> pd.DataFrame:
        """One row per (symbol, factor): beta, t_stat, p_value, r_squared, n_obs, status."""
        symbols, factors = self.betas.index, self.betas.columns
        index = pd.MultiIndex.from_product([symbols, factors], names=["symbol", "factor"])
        per_symbol = len(factors)
        return pd.DataFrame(
            {
                "beta": self.betas.to_numpy().ravel(),
                "t_stat": self.t_stats.to_numpy().ravel(),
                "p_value": self.p_values.to_numpy().ravel(),
                "r_squared": np.repeat(self.r_squared.to_numpy(), per_symbol),
                "n_obs": np.repeat(self.n_obs.to_numpy(), per_symbol),
                "status": np.repeat(self.status.to_numpy(), per_symbol),
            },
            index=index,
        )


class FactorCorrelation(NamedTuple):
    """Factor correlation matrix (names order), its 2-norm condition number, |rho| > threshold."""

    names: list[str]
    matrix: NDArray[np.float64]
    condition_number: float
    warnings: list[dict[str, object]]


@dataclass(frozen=True)
class FactorExposure:
    """One portfolio's factor exposures: dollars (currency) and as a fraction of NAV."""

    exposure_dollar: pd.Series
    exposure: pd.Series
    coverage: float
    missing: tuple[object, ...]


def factor_regressors(
    etf_returns: pd.DataFrame,
    factor_etfs: Mapping[str, str] = DEFAULT_FACTOR_ETFS,
    market_factor: str = MARKET_FACTOR,
) -> pd.DataFrame:
    """Build the factor regressors [date x factor name] from ETF returns [date x ETF symbol].

    Market = the market ETF's simple daily return; every other factor = its ETF's return minus
    the market ETF's (a spread, decimal). Column order follows ``factor_etfs``. A missing ETF
    column yields an all-NaN regressor (every fit using it then reports insufficient history).
    """
    market = etf_returns.reindex(columns=[factor_etfs[market_factor]]).iloc[:, 0]
    columns: dict[str, pd.Series] = {}
    for name, etf in factor_etfs.items():
        series = etf_returns.reindex(columns=[etf]).iloc[:, 0].astype(np.float64)
        columns[name] = series if name == market_factor else series - market
    return pd.DataFrame(columns, index=etf_returns.index)


def macro_regressors(
    dgs10: pd.Series, oil_returns: pd.Series, international_returns: pd.Series
) -> pd.DataFrame:
    """Macro regressors [date x {Interest Rate, Oil, International}].

    Interest Rate = daily change of the 10-year yield level ``dgs10`` (decimal, 0.042 = 4.2%)
    versus its previous available observation; Oil = USO simple return; International = EWG
    simple return. Aligned on the union of dates; missing values stay NaN.
    """
    rate_change = dgs10.astype(np.float64).dropna().sort_index().diff()
    frame = pd.concat(
        {
            "Interest Rate": rate_change,
            "Oil": oil_returns.astype(np.float64),
            "International": international_returns.astype(np.float64),
        },
        axis=1,
        sort=True,
    )
    return frame.sort_index()


def _last_window(
    returns: pd.DataFrame, regressors: pd.DataFrame, window: int | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    dates = returns.index.union(regressors.index).sort_values()
    if window is not None:
        dates = dates[-window:] if window > 0 else dates[:0]
    return returns.reindex(dates), regressors.reindex(dates)


def _ols_panel(y_frame: pd.DataFrame, x_frame: pd.DataFrame, min_obs: int) -> FactorFit:
    """OLS with intercept of every column of ``y_frame`` on ``x_frame`` (same index)."""
    y = y_frame.to_numpy(dtype=np.float64)
    x = x_frame.to_numpy(dtype=np.float64)
    n_dates, n_sym = y.shape
    k = x.shape[1]
    p = k + 1
    design = np.column_stack([np.ones(n_dates), x])
    valid = np.isfinite(y) & np.isfinite(x).all(axis=1)[:, None]
    n_obs = valid.sum(axis=0)

    coef = np.full((n_sym, p), np.nan)
    se = np.full((n_sym, p), np.nan)
    r2 = np.full(n_sym, np.nan)
    sigma = np.full(n_sym, np.nan)
    resid = np.full((n_dates, n_sym), np.nan)
    dof = (n_obs - p).astype(np.float64)
    status = np.full(n_sym, STATUS_OK, dtype=object)
    enough = n_obs >= max(min_obs, p + 1)
    status[~enough] = STATUS_INSUFFICIENT

    eligible = np.flatnonzero(enough)
    if eligible.size:
        patterns = np.packbits(valid[:, eligible].T, axis=1)
        _, group_of = np.unique(patterns, axis=0, return_inverse=True)
        for group in range(int(group_of.max()) + 1):
            cols = eligible[group_of.ravel() == group]
            rows = np.flatnonzero(valid[:, cols[0]])
            xg = design[rows]
            if np.linalg.matrix_rank(xg) < p:
                status[cols] = STATUS_SINGULAR
                continue
            yg = y[np.ix_(rows, cols)]
            pinv = np.linalg.pinv(xg)
            b = pinv @ yg
            e = yg - xg @ b
            ssr = (e * e).sum(axis=0)
            centered = yg - yg.mean(axis=0)
            sst = (centered * centered).sum(axis=0)
            # An exact fit (R^2 == 1 in float64) has no sampling error: t and p become NaN.
            ssr = np.where(ssr <= np.finfo(np.float64).eps * sst, 0.0, ssr)
            s2 = ssr / (rows.size - p)
            coef[cols] = b.T
            se[cols] = np.sqrt(np.outer(s2, (pinv * pinv).sum(axis=1)))
            with np.errstate(invalid="ignore", divide="ignore"):
                r2[cols] = np.where(sst > 0, 1.0 - ssr / sst, np.nan)
            sigma[cols] = np.sqrt(s2)
            resid[np.ix_(rows, cols)] = e

    with np.errstate(invalid="ignore", divide="ignore"):
        t = coef / se
    t = np.where(np.isfinite(t), t, np.nan)
    pvals = 2.0 * stats.t.sf(np.abs(t), dof[:, None])
    bad = status != STATUS_OK
    coef[bad] = np.nan

    def clean(a: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.where(np.isfinite(a), a, np.nan)

    symbols = y_frame.columns
    names = list(x_frame.columns)
    return FactorFit(
        factors=tuple(names),
        betas=pd.DataFrame(clean(coef[:, 1:]), index=symbols, columns=names),
        t_stats=pd.DataFrame(t[:, 1:], index=symbols, columns=names),
        p_values=pd.DataFrame(clean(pvals[:, 1:]), index=symbols, columns=names),
        alpha=pd.Series(clean(coef[:, 0]), index=symbols, name="alpha"),
        r_squared=pd.Series(clean(r2), index=symbols, name="r_squared"),
        n_obs=pd.Series(n_obs.astype(np.int64), index=symbols, name="n_obs"),
        resid_std=pd.Series(clean(sigma), index=symbols, name="resid_std"),
        status=pd.Series(status, index=symbols, name="status"),
        residuals=pd.DataFrame(resid, index=y_frame.index, columns=symbols),
    )


def fit_factor_model(
    returns: pd.DataFrame,
    regressors: pd.DataFrame,
    window: int = FACTOR_WINDOW,
    min_obs: int = FACTOR_MIN_OBS,
) -> FactorFit:
    """Multivariate OLS with intercept of each symbol's returns on the factor regressors.

    ``returns`` [date x symbol] simple daily decimals; ``regressors`` from
    :func:`factor_regressors`. Window: the last ``window`` dates (union of both indexes);
    minimum ``min_obs`` dates where the symbol and all regressors are finite, else
    ``insufficient_history`` and NaN betas. Betas dimensionless, alpha/resid_std daily decimal,
    dof n - k - 1. See the module docstring for the statistics.
    """
    y, x = _last_window(returns, regressors, window)
    return _ols_panel(y, x, min_obs)


def capm_beta(
    returns: pd.DataFrame | pd.Series,
    spy_returns: pd.Series,
    window: int = FACTOR_WINDOW,
    min_obs: int = FACTOR_MIN_OBS,
) -> FactorFit:
    """Univariate beta vs SPY with intercept (one factor named "Market").

    ``returns`` [date x symbol] or one Series (e.g. a portfolio's daily returns), simple daily
    decimals; same window, minimum-observation and NaN rules as :func:`fit_factor_model`
    (dof n - 2). Read the beta from ``fit.betas["Market"]``.
    """
    frame = returns.to_frame(returns.name or "portfolio") if isinstance(returns, pd.Series) else returns
    regressor = spy_returns.astype(np.float64).rename(MARKET_FACTOR).to_frame()
    return fit_factor_model(frame, regressor, window=window, min_obs=min_obs)


def macro_sensitivities(
    residuals: pd.DataFrame, macro: pd.DataFrame, window: int | None = None, min_obs: int = FACTOR_MIN_OBS
) -> FactorFit:
    """OLS with intercept of the style-model residuals on the macro regressors.

    ``residuals``: ``FactorFit.residuals`` of :func:`fit_factor_model` (daily decimal, NaN on
    unused dates, so the fit covers the factor window); ``macro`` from
    :func:`macro_regressors` (Interest Rate = decimal yield change, so a beta b means a return of
    b x 0.01 for a +1 percentage point rise; Oil, International = simple returns).
    ``window`` None uses every date. Same statistics and NaN rules as :func:`fit_factor_model`.
    """
    y, x = _last_window(residuals, macro, window)
    return _ols_panel(y, x, min_obs)


def factor_correlation(
    regressors: pd.DataFrame,
    window: int = FACTOR_WINDOW,
    threshold: float = 0.8,
    min_obs: int = FACTOR_MIN_OBS,
) -> FactorCorrelation:
    """Pearson correlation of the factor regressors over the last ``window`` dates.

    Uses the dates where every regressor is finite (so the matrix is a proper correlation
    matrix); fewer than ``min_obs`` such dates -> an all-NaN matrix. condition_number =
    2-norm condition number (largest / smallest singular value), NaN if any entry is NaN.
    warnings: one dict per pair with |rho| > ``threshold``: factor_1, factor_2, correlation,
    message.
    """
    names = [str(c) for c in regressors.columns]
    data = (
        regressors.iloc[-window:].to_numpy(dtype=np.float64)
        if window > 0
        else regressors.iloc[:0].to_numpy(dtype=np.float64)
    )
    data = data[np.isfinite(data).all(axis=1)]
    k = len(names)
    if data.shape[0] < max(min_obs, 3):
        return FactorCorrelation(names, np.full((k, k), np.nan), float("nan"), [])
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix = np.corrcoef(data, rowvar=False).reshape(k, k)
    matrix = np.where(np.isfinite(matrix), matrix, np.nan)
    cond = float(np.linalg.cond(matrix)) if np.isfinite(matrix).all() else float("nan")
    warnings: list[dict[str, object]] = []
    for i in range(k):
        for j in range(i + 1, k):
            rho = matrix[i, j]
            if np.isfinite(rho) and abs(rho) > threshold:
                warnings.append(
                    {
                        "factor_1": names[i],
                        "factor_2": names[j],
                        "correlation": float(rho),
                        "message": f"{names[i]} and {names[j]} are highly correlated ({rho:.2f})",
                    }
                )
    return FactorCorrelation(names, matrix, cond if np.isfinite(cond) else float("nan"), warnings)


def position_betas(symbol_betas: pd.DataFrame, underlying: pd.Series) -> pd.DataFrame:
    """Map per-symbol betas to positions: options take their underlying's betas.

    ``underlying``: Series indexed by position id whose values are the symbol to read (the
    stock's own symbol, or the option's underlying). Unknown symbols -> NaN betas.
    """
    out = symbol_betas.reindex(underlying.to_numpy())
    out.index = underlying.index
    return out


def portfolio_factor_exposures(
    exposure: pd.Series, betas: pd.DataFrame, nav: pd.Series, portfolio: pd.Series
) -> pd.DataFrame:
    """Factor exposures of many portfolios at once.

    ``exposure``: delta-adjusted exposure per position (currency, signed); ``betas``: [position x
    factor] (see :func:`position_betas`); ``portfolio``: portfolio id per position; ``nav``:
    NAV per portfolio id. Positions with any NaN beta are left out (and reduce ``coverage``,
    the covered share of sum |e|). Returns rows (portfolio, factor) with exposure_dollar =
    sum(e_i x beta_i) (currency), exposure = dollar / NAV (fraction; NaN when NAV <= 0), coverage.
    """
    e = exposure.astype(np.float64)
    b = betas.reindex(e.index)
    covered = b.notna().all(axis=1) & e.notna()
    contrib = b.where(covered, 0.0).mul(e.where(covered, 0.0), axis=0)
    group = portfolio.reindex(e.index)
    dollars = contrib.groupby(group).sum()
    abs_e = e.abs()
    coverage = abs_e.where(covered, 0.0).groupby(group).sum() / abs_e.groupby(group).sum()
    base = nav.reindex(dollars.index).to_numpy(dtype=np.float64)
    ok = np.isfinite(base) & (base > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = dollars.to_numpy() / np.where(ok, base, 1.0)[:, None]
    ratio = np.where(ok[:, None], ratio, np.nan)
    long = pd.DataFrame(
        {
            "exposure_dollar": dollars.to_numpy().ravel(),
            "exposure": ratio.ravel(),
            "coverage": np.repeat(coverage.reindex(dollars.index).to_numpy(), dollars.shape[1]),
        },
        index=pd.MultiIndex.from_product([dollars.index, dollars.columns], names=["portfolio", "factor"]),
    )
    return long


def portfolio_factor_exposure(
    exposure: pd.Series | Sequence[float], betas: pd.DataFrame, nav: float
) -> FactorExposure:
    """One portfolio's factor exposures (see :func:`portfolio_factor_exposures`).

    ``exposure``: delta-adjusted exposure per position (currency, signed; a sequence is aligned
    with ``betas``' rows); ``betas`` [position x factor]. exposure_dollar = sum of (e_i x
    beta_i) per factor (currency); exposure = dollar / NAV (fraction; NaN when NAV <= 0 or not
    finite). Positions with a NaN beta or exposure are excluded and listed in ``missing``;
    ``coverage`` = covered sum |e| / sum |e| (NaN when sum |e| is 0).
    """
    e = (
        exposure
        if isinstance(exposure, pd.Series)
        else pd.Series(np.asarray(exposure, dtype=np.float64), index=betas.index)
    )
    frame = portfolio_factor_exposures(e, betas, pd.Series({0: nav}), pd.Series(0, index=e.index))
    factors = list(betas.columns)
    if len(frame):
        dollars = frame["exposure_dollar"].xs(0, level="portfolio").reindex(factors)
        ratio = frame["exposure"].xs(0, level="portfolio").reindex(factors)
        coverage = float(frame["coverage"].iloc[0])
    else:
        dollars = pd.Series(0.0, index=factors)
        ratio = pd.Series(np.nan, index=factors)
        coverage = float("nan")
    covered = betas.reindex(e.index).notna().all(axis=1) & e.notna()
    return FactorExposure(
        exposure_dollar=dollars.rename("exposure_dollar"),
        exposure=ratio.rename("exposure"),
        coverage=coverage,
        missing=tuple(e.index[~covered.to_numpy()]),
    )
