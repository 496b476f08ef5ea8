"""Listed equity options in the synthetic market: OCC symbols, a volatility smile and BSM prices (pure).

The synthetic market is an independent "vendor", so it has its own small OCC parser and its own
Black-Scholes-Merton formula (the product's Greeks engine is tested elsewhere against mibian).

Pricing conventions, per share of the contract (multiply by 100 for a contract's value):
S = the underlying's open/high/low/close of the day; K = strike; T = calendar days to expiry / 365;
r = DGS3MO of the day (decimal, continuous); q = the underlying's dividend yield (decimal);
sigma = smile(base vol, ln(K/S), T) with base vol = the underlying's model volatility x
sqrt(VIX / 19.5) (clipped to 0.75..1.6), so implied vols rise when VIX does. Equity smiles are skewed
towards puts (OTM puts richer, OTM calls slightly cheaper); VIX options have the opposite (call) skew.
On the expiry date the price is the intrinsic value; no bars after expiry. Prices are floored at the
$0.01 tick and rounded to 4 decimals.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import ndtr

from marketdata.providers.base import BAR_COLUMNS
from marketdata.providers.synthetic_factors import normal_draws

FloatArray = npt.NDArray[np.float64]

_OCC = re.compile(r"^(?P<root>[A-Z][A-Z0-9.\-]{0,5}) *(?P<yymmdd>\d{6})(?P<cp>[CP])(?P<strike>\d{8})$")
_VIX_REFERENCE = 19.5
_MIN_PRICE = 0.01


@dataclass(frozen=True)
class OptionContract:
    """A parsed OCC symbol: ``root`` as written, expiry date, "call"/"put", strike in USD."""

    root: str
    expiry: dt.date
    option_type: str
    strike: float

    @property
    def is_call(self) -> bool:
        return self.option_type == "call"

    @property
    def occ_symbol(self) -> str:
        """The canonical 21-character OCC symbol (root padded to 6 with spaces)."""
        cp = "C" if self.is_call else "P"
        return f"{self.root:<6}{self.expiry:%y%m%d}{cp}{round(self.strike * 1000):08d}"


def parse_occ(symbol: str) -> OptionContract | None:
    """Parse a padded ("AAPL  250117C00150000") or unpadded ("AAPL250117C00150000") OCC symbol;
    None when ``symbol`` is not one (or its date is impossible)."""
    m = _OCC.match(symbol.strip().upper())
    if m is None:
        return None
    ymd = m["yymmdd"]
    try:
        expiry = dt.date(2000 + int(ymd[:2]), int(ymd[2:4]), int(ymd[4:]))
    except ValueError:
        return None
    return OptionContract(
        root=m["root"],
        expiry=expiry,
        option_type="call" if m["cp"] == "C" else "put",
        strike=int(m["strike"]) / 1000.0,
    )


def bsm_price(
    spot: FloatArray,
    strike: float,
    years: FloatArray,
    rate: FloatArray,
    dividend_yield: float,
    vol: FloatArray,
    *,
    is_call: bool,
) -> FloatArray:
    """Black-Scholes-Merton price per share (continuous r and q; T in years; vol annual decimal).
    Where T <= 0 the intrinsic value is returned."""
    spot, years, rate, vol = (np.asarray(a, dtype=np.float64) for a in (spot, years, rate, vol))
    live = years > 0
    t = np.where(live, years, 1.0)
    sd = vol * np.sqrt(t)
    d1 = (np.log(spot / strike) + (rate - dividend_yield + 0.5 * vol**2) * t) / sd
    d2 = d1 - sd
    disc_s = spot * np.exp(-dividend_yield * t)
    disc_k = strike * np.exp(-rate * t)
    if is_call:
        value = disc_s * ndtr(d1) - disc_k * ndtr(d2)
        intrinsic = np.maximum(spot - strike, 0.0)
    else:
        value = disc_k * ndtr(-d2) - disc_s * ndtr(-d1)
        intrinsic = np.maximum(strike - spot, 0.0)
    return np.where(live, value, intrinsic)


def smile_vol(
    base_vol: FloatArray, spot: FloatArray, strike: float, years: FloatArray, *, call_skew: bool = False
) -> FloatArray:
    """Implied vol of the smile: base x clip(1 - 0.08 s x + 0.015 x^2, 0.6, 2.5) with
    x = ln(K/S) / (base x sqrt(max(T, 1/52))) the standardized moneyness and s = +1 for equity
    (put) skew, -1 for VIX (call) skew. A 2-sd OTM equity put trades about 22% above the base vol."""
    sign = -1.0 if call_skew else 1.0
    x = np.log(strike / spot) / (base_vol * np.sqrt(np.maximum(years, 1.0 / 52.0)))
    return base_vol * np.clip(1.0 - 0.08 * sign * x + 0.015 * x**2, 0.6, 2.5)


def option_bars(
    symbol: str,
    contract: OptionContract,
    sessions: npt.NDArray[np.datetime64],
    underlying_ohlc: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
    dgs3mo: FloatArray,
    vix: FloatArray,
    *,
    dividend_yield: float,
    model_vol: float,
    call_skew: bool,
    seed: int,
    source: str,
) -> pd.DataFrame:
    """Daily option bars (``BAR_COLUMNS``) on ``sessions`` up to the expiry date, labelled ``symbol``.

    ``underlying_ohlc`` (open, high, low, close), ``dgs3mo`` (decimal) and ``vix`` (points) are
    aligned with ``sessions``; ``model_vol`` is the underlying's annual model volatility."""
    keep = sessions <= np.datetime64(contract.expiry, "D")
    days = sessions[keep]
    if len(days) == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in BAR_COLUMNS})
    years = (np.datetime64(contract.expiry, "D") - days).astype(np.int64) / 365.0
    rate = dgs3mo[keep]
    base = model_vol * np.clip(np.sqrt(vix[keep] / _VIX_REFERENCE), 0.75, 1.6)
    prices = []
    for under in underlying_ohlc:
        s = under[keep]
        vol = smile_vol(base, s, contract.strike, years, call_skew=call_skew)
        value = bsm_price(s, contract.strike, years, rate, dividend_yield, vol, is_call=contract.is_call)
        prices.append(np.round(np.maximum(value, _MIN_PRICE), 4))
    open_, close = prices[0], prices[3]
    stacked = np.vstack(prices)
    z = normal_draws(seed, f"option:{contract.occ_symbol}", days[0].item(), days[-1].item(), 1)
    z = z[(days - days[0]).astype(np.int64), 0]
    volume = np.maximum(np.round(150.0 * np.exp(0.8 * z)), 1).astype(np.int64)
    return pd.DataFrame(
        {
            "symbol": symbol,
            "date": [d.item() for d in days],
            "open": open_,
            "high": stacked.max(axis=0),
            "low": stacked.min(axis=0),
            "close": close,
            "adjusted_close": close,
            "volume": volume,
            "source": source,
        }
    )[list(BAR_COLUMNS)]
