"""The synthetic market's fixed universe and each security's true factor exposures (pure).

The universe ships as ``marketdata/data/universe.csv``: one row per symbol with its master data
(name, asset_type stock|etf|mutual_fund|index, GICS-style sector and industry, exchange, market cap
in USD, dividend yield as a decimal per year), its ``base_price`` (an approximate, split-adjusted
close of 2022-01-03), a beta ``profile`` (a key of :data:`PROFILES`), its annual idiosyncratic
volatility ``idio_vol`` and its price anchor (``anchor_date``, ``anchor_price``): demo symbols are
anchored at their earliest demo lot (close on that lot's trading entry date = entry price), every
other symbol at ``base_price`` on 2022-01-03. VIX is a level process and has no anchor.

Exposure conventions (the product's factor model, DESIGN.md): the 7 regressors are Market = SPY's
simple daily return and, for each style, the style ETF's return minus SPY's. Macro loadings:
``Interest Rate`` multiplies the daily change of DGS10 in decimal (BND about -6: +10bp -> -0.6%);
``Oil`` and ``International`` multiply the part of USO's / EWG's return not explained by SPY
(see :mod:`marketdata.providers.synthetic_market`).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

UNIVERSE_CSV = Path(__file__).resolve().parents[1] / "data" / "universe.csv"

FACTOR_NAMES: tuple[str, ...] = (
    "Market",
    "Value",
    "Growth",
    "Momentum",
    "Quality",
    "Size",
    "Low Volatility",
)
MACRO_NAMES: tuple[str, ...] = ("Interest Rate", "Oil", "International")

# Profile -> (7 factor betas in FACTOR_NAMES order, 3 macro loadings in MACRO_NAMES order,
# extra annual drift as a decimal). Sector-plausible: tech = high market beta with growth and
# momentum tilts; staples/utilities = low beta with a low-volatility tilt; banks = value tilt and
# positive rate sensitivity; bonds = rate duration; commodities = low equity beta.
_P = tuple[tuple[float, ...], tuple[float, float, float], float]
PROFILES: dict[str, _P] = {
    "mega_tech": ((1.15, -0.30, 0.60, 0.20, 0.30, -0.20, -0.10), (0.0, 0.0, 0.0), 0.0),
    "semis": ((1.50, -0.30, 0.70, 0.50, 0.00, 0.10, -0.40), (0.0, 0.0, 0.0), 0.0),
    "software": ((1.20, -0.40, 0.70, 0.20, 0.20, 0.00, -0.20), (0.0, 0.0, 0.0), 0.0),
    "it_services": ((0.90, 0.20, 0.10, 0.00, 0.40, -0.10, 0.20), (0.0, 0.0, 0.0), 0.0),
    "spec_growth": ((1.60, -0.60, 1.00, 0.40, -0.40, 0.50, -0.60), (0.0, 0.0, 0.0), 0.0),
    "internet_growth": ((1.30, -0.40, 0.80, 0.30, -0.10, 0.20, -0.30), (0.0, 0.0, 0.0), 0.0),
    "telecom": ((0.55, 0.50, -0.30, -0.10, 0.10, 0.00, 0.70), (-1.0, 0.0, 0.0), 0.0),
    "consumer_disc": ((1.05, 0.10, 0.20, 0.00, 0.30, 0.20, 0.00), (0.0, 0.0, 0.0), 0.0),
    "restaurants": ((0.75, 0.10, 0.10, 0.00, 0.30, -0.10, 0.50), (0.0, 0.0, 0.0), 0.0),
    "autos": ((1.30, 0.80, -0.20, 0.00, -0.30, 0.50, -0.40), (0.0, 0.0, 0.0), 0.0),
    "staples": ((0.55, 0.30, -0.20, 0.00, 0.30, -0.30, 0.90), (-0.8, 0.0, 0.0), 0.0),
    "pharma": ((0.60, 0.30, 0.00, 0.00, 0.30, -0.20, 0.60), (0.0, 0.0, 0.0), 0.0),
    "pharma_growth": ((0.85, -0.20, 0.40, 0.40, 0.30, -0.10, 0.30), (0.0, 0.0, 0.0), 0.0),
    "healthcare": ((0.85, 0.10, 0.20, 0.00, 0.40, -0.10, 0.40), (0.0, 0.0, 0.0), 0.0),
    "managed_care": ((0.80, 0.30, 0.00, 0.10, 0.30, -0.10, 0.50), (0.0, 0.0, 0.0), 0.0),
    "bank": ((1.10, 0.80, -0.20, 0.00, -0.20, 0.30, -0.20), (1.0, 0.0, 0.0), 0.0),
    "payments": ((1.00, 0.00, 0.40, 0.10, 0.50, -0.20, 0.10), (0.0, 0.0, 0.0), 0.0),
    "fin_services": ((1.10, 0.40, 0.20, 0.10, 0.20, 0.10, -0.10), (0.5, 0.0, 0.0), 0.0),
    "insurance": ((0.80, 0.60, -0.20, 0.10, 0.30, -0.10, 0.50), (0.5, 0.0, 0.0), 0.0),
    "industrial": ((1.05, 0.50, -0.10, 0.10, 0.00, 0.30, -0.10), (0.0, 0.0, 0.0), 0.0),
    "defense": ((0.70, 0.40, -0.10, 0.10, 0.30, -0.10, 0.70), (0.0, 0.0, 0.0), 0.0),
    "energy": ((0.90, 0.90, -0.50, 0.30, -0.10, 0.20, -0.20), (0.0, 0.20, 0.0), 0.0),
    "utility": ((0.45, 0.40, -0.30, 0.00, 0.00, 0.00, 1.00), (-2.5, 0.0, 0.0), 0.0),
    "reit": ((0.90, 0.30, -0.10, 0.00, 0.00, 0.40, 0.40), (-3.0, 0.0, 0.0), 0.0),
    "materials": ((1.05, 0.60, -0.20, 0.10, 0.00, 0.30, -0.20), (0.0, 0.15, 0.0), 0.0),
    "gold_miner": ((0.60, 0.40, -0.20, 0.00, -0.20, 0.30, 0.00), (-2.0, 0.0, 0.0), 0.0),
    # ETFs and funds: exact asset-class loadings, no per-symbol jitter
    "us_total": ((1.00, 0.00, 0.00, 0.00, 0.00, 0.10, 0.00), (0.0, 0.0, 0.0), 0.0),
    "us_sp500": ((1.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00), (0.0, 0.0, 0.0), 0.0),
    "nasdaq100": ((1.15, -0.30, 0.80, 0.10, 0.20, -0.20, -0.20), (0.0, 0.0, 0.0), 0.0),
    "dow": ((0.95, 0.30, 0.00, 0.00, 0.20, -0.10, 0.20), (0.0, 0.0, 0.0), 0.0),
    "spec_growth_etf": ((1.60, -0.60, 1.20, 0.30, -0.50, 0.80, -0.50), (0.0, 0.0, 0.0), 0.0),
    "active_growth": ((1.05, -0.20, 0.45, 0.15, 0.20, -0.10, 0.00), (0.0, 0.0, 0.0), 0.0),
    "intl_dev": ((0.80, 0.20, 0.00, 0.00, 0.00, 0.00, 0.00), (0.0, 0.0, 0.60), 0.0),
    "intl_em": ((0.75, 0.10, 0.00, 0.00, 0.00, 0.20, 0.00), (0.0, 0.0, 0.50), 0.0),
    "intl_fund": ((0.80, 0.15, 0.00, 0.00, 0.00, 0.00, 0.00), (0.0, 0.0, 0.60), 0.0),
    "bond_agg": ((0.05, 0.00, 0.00, 0.00, 0.00, 0.00, 0.05), (-6.0, 0.0, 0.0), 0.03),
    "bond_fund": ((0.05, 0.00, 0.00, 0.00, 0.00, 0.00, 0.05), (-6.2, 0.0, 0.0), 0.03),
    "bond_long": ((-0.05, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00), (-17.0, 0.0, 0.0), 0.035),
    "bond_interm": ((0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00), (-7.5, 0.0, 0.0), 0.03),
    "bond_short": ((0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00), (-1.9, 0.0, 0.0), 0.03),
    "bond_corp": ((0.15, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00), (-8.5, 0.0, 0.0), 0.035),
    "bond_hy": ((0.35, 0.10, 0.00, 0.00, 0.00, 0.10, 0.00), (-3.5, 0.0, 0.0), 0.04),
    "bond_tips": ((0.05, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00), (-6.5, 0.0, 0.0), 0.03),
    "reit_etf": ((0.95, 0.30, -0.10, 0.00, 0.00, 0.40, 0.40), (-3.5, 0.0, 0.0), 0.0),
    "gold": ((0.05, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00), (-2.5, 0.0, 0.0), 0.04),
    "silver": ((0.30, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00), (-3.0, 0.0, 0.0), 0.03),
    "commodity": ((0.25, 0.20, 0.00, 0.00, 0.00, 0.00, 0.00), (0.0, 0.35, 0.0), 0.03),
    # special processes: the loadings of the factor and macro ETFs are set in exposure_of()
    "factor": ((0.0,) * 7, (0.0, 0.0, 0.0), 0.0),
    "macro_oil": ((0.0,) * 7, (0.0, 1.0, 0.0), 0.0),
    "macro_intl": ((0.0,) * 7, (0.0, 0.0, 1.0), 0.0),
    "vix": ((0.0,) * 7, (0.0, 0.0, 0.0), 0.0),
}

#: the factor ETF of each factor, in FACTOR_NAMES order
FACTOR_ETFS: tuple[str, ...] = ("SPY", "VTV", "VUG", "MTUM", "QUAL", "IWM", "USMV")
#: daily regression of USO / EWG on SPY: return = drift + beta x SPY + own shock (own shock
#: independent of every factor ETF). Correlations with SPY: oil 0.30, international 0.65.
OIL_ANNUAL_VOL, OIL_SPY_CORRELATION = 0.35, 0.30
INTL_ANNUAL_VOL, INTL_SPY_CORRELATION = 0.20, 0.65
SPY_ANNUAL_VOL = 0.17
OIL_MARKET_BETA = OIL_SPY_CORRELATION * OIL_ANNUAL_VOL / SPY_ANNUAL_VOL
INTL_MARKET_BETA = INTL_SPY_CORRELATION * INTL_ANNUAL_VOL / SPY_ANNUAL_VOL

ASSET_TYPES = frozenset({"stock", "etf", "mutual_fund", "index"})


@dataclass(frozen=True)
class Security:
    """One row of universe.csv. Prices in USD per share; ``idio_vol`` annual (decimal)."""

    symbol: str
    name: str
    asset_type: str
    sector: str
    industry: str
    exchange: str
    market_cap: float | None
    dividend_yield: float | None
    base_price: float
    profile: str
    idio_vol: float
    anchor_date: dt.date | None
    anchor_price: float | None


@dataclass(frozen=True)
class Exposure:
    """A security's data-generating loadings. ``betas`` (7, FACTOR_NAMES order) multiply the
    regressors; ``macro`` (3, MACRO_NAMES order) multiply dDGS10 and the oil / international own
    shocks; ``drift`` and ``idio_vol`` are annual decimals (daily = /252 and /sqrt(252))."""

    betas: npt.NDArray[np.float64]
    macro: npt.NDArray[np.float64]
    drift: float
    idio_vol: float


def _opt_float(text: str) -> float | None:
    return float(text) if text.strip() else None


@functools.cache
def load_universe() -> dict[str, Security]:
    """The fixed universe keyed by symbol (read once per process from universe.csv)."""
    out: dict[str, Security] = {}
    with UNIVERSE_CSV.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            anchor = row["anchor_date"].strip()
            sec = Security(
                symbol=row["symbol"],
                name=row["name"],
                asset_type=row["asset_type"],
                sector=row["sector"],
                industry=row["industry"],
                exchange=row["exchange"],
                market_cap=_opt_float(row["market_cap"]),
                dividend_yield=_opt_float(row["dividend_yield"]),
                base_price=float(row["base_price"]),
                profile=row["profile"],
                idio_vol=float(row["idio_vol"]),
                anchor_date=dt.date.fromisoformat(anchor) if anchor else None,
                anchor_price=_opt_float(row["anchor_price"]),
            )
            if sec.asset_type not in ASSET_TYPES or sec.profile not in PROFILES:
                raise ValueError(f"universe.csv: bad asset_type or profile for {sec.symbol}")
            if (sec.anchor_date is None) != (sec.profile == "vix"):
                raise ValueError(f"universe.csv: {sec.symbol} needs an anchor (only VIX has none)")
            out[sec.symbol] = sec
    return out


def stable_hash(text: str, *, salt: str = "") -> int:
    """A 64-bit hash that is the same in every process and Python version (unlike ``hash()``)."""
    digest = hashlib.blake2b(f"{salt}|{text}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


@functools.cache
def exposure_of(symbol: str) -> Exposure:
    """The true loadings of ``symbol`` (independent of the seed: they are a property of the
    security). Stocks get a deterministic per-symbol jitter around their profile (market +-0.10,
    styles +-0.08 standard deviation); ETFs and funds take their profile exactly. Factor ETFs are
    SPY plus their own spread (VTV: Market 1, Value 1); USO and EWG load on SPY by their
    correlation and 1.0 on their own shock. Raises ``KeyError`` for unknown symbols."""
    sec = load_universe()[symbol]
    base_betas, base_macro, drift = PROFILES[sec.profile]
    betas = np.array(base_betas, dtype=np.float64)
    macro = np.array(base_macro, dtype=np.float64)
    if sec.profile == "factor":
        betas[0] = 1.0
        k = FACTOR_ETFS.index(symbol)
        if k > 0:
            betas[k] = 1.0
    elif sec.profile == "macro_oil":
        betas[0] = OIL_MARKET_BETA
    elif sec.profile == "macro_intl":
        betas[0] = INTL_MARKET_BETA
    elif sec.asset_type == "stock":
        rng = np.random.default_rng(stable_hash(symbol, salt="beta-jitter"))
        jitter = rng.normal(0.0, 1.0, size=7) * np.array([0.10] + [0.08] * 6)
        betas = np.round(betas + jitter, 4)
        betas[0] = max(betas[0], 0.3)
    betas.setflags(write=False)
    macro.setflags(write=False)
    return Exposure(betas=betas, macro=macro, drift=drift, idio_vol=sec.idio_vol)
