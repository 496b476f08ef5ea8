"""The synthetic market-data provider: the embedded default "vendor" (pure: no Django, no clock,
no network).

It knows a fixed universe (``marketdata/data/universe.csv``: the demo symbols, the 7 factor ETFs,
USO, EWG, VIX and ~180 large US stocks, ETFs and funds) plus listed options on it given as OCC
symbols; any other ticker is listed in ``missing`` as "unknown symbol", as a real vendor would.

- Bars: NYSE sessions from 2022-01-03 (:data:`DATA_START`) to ``as_of``; ``history`` clips the
  requested window to that. A date's bar depends only on (seed, date, symbol): the same seed gives
  the same bars and past bars never change when ``as_of`` moves forward. No dividends or splits are
  simulated, so ``adjusted_close == close``. ``source`` is ``"synthetic"``.
- The model (see :mod:`synthetic_market`, :mod:`synthetic_factors`): the 7 factor ETFs with the
  design's volatilities and correlations; every other symbol = true betas x the factor regressors
  + macro loadings + idiosyncratic noise. :meth:`SyntheticProvider.true_betas` exposes the betas so
  tests can check that the factor engine recovers them.
- Prices are anchored: each demo symbol's close on its earliest lot's trading entry date equals that
  lot's entry price; every other symbol closes at its ``base_price`` on 2022-01-03.
- Options (OCC symbols on a universe underlying) are priced with Black-Scholes-Merton on a smile
  (:mod:`synthetic_options`).
- Macro ``series``: ``DGS3MO`` and ``DGS10`` (decimal yields) and ``VIXCLS`` (VIX close, points).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from marketdata.providers.base import (
    HistoryResult,
    MarketDataProvider,
    Profile,
    ProfilesResult,
    ProviderError,
    Quote,
    QuotesResult,
    empty_bars,
)
from marketdata.providers.calendar import last_session_before, session_close, session_on_or_before
from marketdata.providers.synthetic_market import (
    DATA_START,
    SOURCE,
    VIX_SYMBOL,
    WideBars,
    annual_total_vol,
    macro_levels,
    simulate_wide_bars,
)
from marketdata.providers.synthetic_options import OptionContract, option_bars, parse_occ
from marketdata.providers.synthetic_universe import (
    FACTOR_NAMES,
    MACRO_NAMES,
    Security,
    exposure_of,
    load_universe,
)

SERIES_IDS: tuple[str, ...] = ("DGS3MO", "DGS10", "VIXCLS")
_UNKNOWN = "unknown symbol"


def default_as_of(today: dt.date) -> dt.date:
    """The as-of date the settings layer uses when ``SYNTHETIC_AS_OF`` is unset: the last NYSE
    session strictly before ``today`` (today's session has not closed when the day starts)."""
    return last_session_before(today)


class SyntheticProvider(MarketDataProvider):
    """Deterministic simulated market data for sessions 2022-01-03 .. ``as_of`` (see module doc).

    ``as_of`` is required (the provider never reads the clock; see :func:`default_as_of`); a
    non-session ``as_of`` is moved back to the last session on or before it. ``seed`` selects the
    market: every seed is a different, equally plausible history.
    """

    name = "synthetic"

    def __init__(self, *, as_of: dt.date, seed: int = 42) -> None:
        session = session_on_or_before(as_of)
        if session < DATA_START:
            raise ValueError(f"The synthetic market starts on {DATA_START}; as_of {as_of} is before it.")
        self.as_of: dt.date = session
        self.seed: int = int(seed)
        universe = load_universe()
        self._universe: dict[str, Security] = universe
        # OCC roots drop punctuation (BRK-B options trade under the root BRKB)
        self._roots: dict[str, str] = {s.replace("-", "").replace(".", ""): s for s in universe}
        self._roots.update({s: s for s in universe})

    # ---- symbol resolution ------------------------------------------------------------------
    @property
    def symbols(self) -> list[str]:
        """Every symbol of the universe (options excluded), sorted."""
        return sorted(self._universe)

    def _resolve(
        self, symbols: Sequence[str]
    ) -> tuple[dict[str, str], dict[str, tuple[OptionContract, str]], dict[str, str]]:
        """Split requested symbols into universe symbols (requested -> canonical), options
        (requested -> (contract, underlying)) and missing (requested -> reason)."""
        plain: dict[str, str] = {}
        options: dict[str, tuple[OptionContract, str]] = {}
        missing: dict[str, str] = {}
        for raw in dict.fromkeys(symbols):
            key = raw.strip().upper()
            if key in self._universe:
                plain[raw] = key
                continue
            contract = parse_occ(raw)
            if contract is None:
                missing[raw] = _UNKNOWN
                continue
            underlying = self._roots.get(contract.root)
            if underlying is None:
                missing[raw] = f"unknown underlying {contract.root}"
            elif self._universe[underlying].asset_type == "mutual_fund":
                missing[raw] = f"no listed options on mutual fund {underlying}"
            else:
                options[raw] = (contract, underlying)
        return plain, options, missing

    # ---- MarketDataProvider -----------------------------------------------------------------
    def history(self, symbols: Sequence[str], start: dt.date, end: dt.date) -> HistoryResult:
        """Daily bars on NYSE sessions in [max(start, 2022-01-03), min(end, as_of)] (options: up to
        their expiry date). Unknown symbols, and options whose window starts after their expiry,
        are listed in ``missing`` with a reason."""
        plain, options, missing = self._resolve(symbols)
        lo, hi = max(start, DATA_START), min(end, self.as_of)
        for raw, (contract, _) in options.items():
            if lo > contract.expiry:
                missing[raw] = f"option expired on {contract.expiry}; no bars after expiry"
        options = {raw: v for raw, v in options.items() if raw not in missing}
        needed = sorted(set(plain.values()) | {u for _, u in options.values()})
        if lo > hi or not needed:
            return HistoryResult(bars=empty_bars(), missing=missing)

        wide = simulate_wide_bars(needed, lo, hi, seed=self.seed)
        column = {s: j for j, s in enumerate(wide.symbols)}
        frames: list[pd.DataFrame] = []
        if plain:
            frames.append(_subset(wide, [column[c] for c in plain.values()], list(plain)).to_frame(SOURCE))
        if options:
            levels = macro_levels(lo, hi, seed=self.seed)
            dgs3mo, vix = levels["DGS3MO"].to_numpy(), levels["VIXCLS"].to_numpy()
            for raw, (contract, underlying) in options.items():
                j = column[underlying]
                ohlc = (wide.open[:, j], wide.high[:, j], wide.low[:, j], wide.close[:, j])
                frames.append(
                    option_bars(
                        raw,
                        contract,
                        wide.sessions,
                        ohlc,
                        dgs3mo,
                        vix,
                        dividend_yield=self._universe[underlying].dividend_yield or 0.0,
                        model_vol=_option_base_vol(underlying),
                        call_skew=underlying == VIX_SYMBOL,
                        seed=self.seed,
                        source=SOURCE,
                    )
                )
        frames = [f for f in frames if not f.empty]
        bars = pd.concat(frames, ignore_index=True) if frames else empty_bars()
        return HistoryResult(bars=bars, missing=missing)

    def quotes(self, symbols: Sequence[str]) -> QuotesResult:
        """Quotes as of the ``as_of`` close: last_price = close, day change vs the previous
        session's close (percent: 1.5 = +1.5%), day high/low and volume of the last bar; no bid/ask
        (never simulated); ``updated_at`` = the exchange calendar's close of the as_of session, in
        UTC (16:00 New York, 13:00 on an early close)."""
        prev = last_session_before(self.as_of)
        result = self.history(symbols, prev, self.as_of)
        missing = dict(result.missing)
        updated_at = session_close(self.as_of)
        by_symbol = {sym: grp for sym, grp in result.bars.groupby("symbol", sort=False)}
        quotes: list[Quote] = []
        for raw in dict.fromkeys(symbols):
            if raw in missing:
                continue
            grp = by_symbol.get(raw)
            if grp is None or grp["date"].iloc[-1] != self.as_of:
                expiry = parse_occ(raw)
                missing[raw] = f"option expired on {expiry.expiry}" if expiry else "no bar on as_of"
                continue
            last = grp.iloc[-1]
            prev_close = float(grp["close"].iloc[-2]) if len(grp) > 1 else None
            change = float(last["close"]) - prev_close if prev_close else None
            change_pct = change / prev_close * 100.0 if change is not None and prev_close else None
            quotes.append(
                Quote(
                    symbol=raw,
                    last_price=float(last["close"]),
                    bid=None,
                    ask=None,
                    volume=int(last["volume"]),
                    day_change=change,
                    day_change_percent=change_pct,
                    day_high=float(last["high"]),
                    day_low=float(last["low"]),
                    updated_at=updated_at,
                )
            )
        return QuotesResult(quotes=quotes, missing=missing)

    def profile(self, symbols: Sequence[str]) -> ProfilesResult:
        """Master data from universe.csv; options get asset_type "option", a descriptive name,
        their underlying's sector and industry, and exchange "OPRA"."""
        plain, options, missing = self._resolve(symbols)
        profiles: dict[str, Profile] = {}
        for raw, sym in plain.items():
            sec = self._universe[sym]
            profiles[raw] = Profile(
                symbol=sec.symbol,
                name=sec.name,
                asset_type=sec.asset_type,
                sector=sec.sector,
                industry=sec.industry,
                exchange=sec.exchange,
                market_cap=sec.market_cap,
                dividend_yield=sec.dividend_yield,
            )
        for raw, (contract, underlying) in options.items():
            sec = self._universe[underlying]
            kind = "Call" if contract.is_call else "Put"
            profiles[raw] = Profile(
                symbol=raw,
                name=f"{underlying} {contract.expiry.isoformat()} {contract.strike:g} {kind}",
                asset_type="option",
                sector=sec.sector,
                industry=sec.industry,
                exchange="OPRA",
            )
        return ProfilesResult(profiles=profiles, missing=missing)

    def series(self, series_id: str, start: dt.date, end: dt.date) -> pd.Series:
        """``DGS3MO`` / ``DGS10`` (decimal yields, 0.045 = 4.5%) or ``VIXCLS`` (points) on NYSE
        sessions in [max(start, 2022-01-03), min(end, as_of)], float64 indexed by ``datetime.date``.
        Raises :class:`ProviderError` for any other id."""
        if series_id not in SERIES_IDS:
            raise ProviderError(
                f"Unknown series {series_id!r}: the synthetic provider has {', '.join(SERIES_IDS)}."
            )
        lo, hi = max(start, DATA_START), min(end, self.as_of)
        if lo > hi:
            return pd.Series(
                [], index=pd.Index([], dtype="object", name="date"), dtype="float64", name=series_id
            )
        values = macro_levels(lo, hi, seed=self.seed)[series_id]
        index = pd.Index(list(values.index), dtype="object", name="date")
        return pd.Series(values.to_numpy(dtype=np.float64), index=index, dtype="float64", name=series_id)

    # ---- ground truth for tests --------------------------------------------------------------
    def true_betas(self, symbol: str) -> dict[str, float]:
        """The data-generating betas on the 7 regressors (Market = SPY return, styles = ETF - SPY),
        keyed by factor name; a 7-factor OLS of the symbol's returns recovers them (the macro
        shocks are independent of the factors). ``KeyError`` for unknown symbols, ``ValueError``
        for VIX (a level process with no linear betas)."""
        self._check_linear(symbol)
        return dict(zip(FACTOR_NAMES, map(float, exposure_of(symbol).betas), strict=True))

    def true_macro_betas(self, symbol: str) -> dict[str, float]:
        """The data-generating macro loadings keyed by ``Interest Rate`` (per unit daily change of
        DGS10 in decimal; BND about -6), ``Oil`` and ``International``. The last two are the
        coefficients on USO / EWG in a joint regression with the 7 factor regressors (they load
        on the part of USO's / EWG's return independent of SPY); a regression of the 7-factor
        residuals on raw USO / EWG returns is attenuated by 1 - corr(SPY, ETF)^2 (0.91 / 0.58)."""
        self._check_linear(symbol)
        return dict(zip(MACRO_NAMES, map(float, exposure_of(symbol).macro), strict=True))

    def total_volatility(self, symbol: str) -> float:
        """The model's annualized volatility of the symbol's simple daily returns (decimal)."""
        if symbol not in self._universe:
            raise KeyError(symbol)
        return annual_total_vol(symbol)

    def _check_linear(self, symbol: str) -> None:
        if symbol not in self._universe:
            raise KeyError(f"{symbol!r} is not in the synthetic universe")
        if symbol == VIX_SYMBOL:
            raise ValueError("VIX is a mean-reverting level process; it has no linear factor betas")


def _subset(wide: WideBars, columns: list[int], labels: list[str]) -> WideBars:
    """The given columns of ``wide`` relabelled (requested symbols may differ in case)."""
    return WideBars(
        sessions=wide.sessions,
        symbols=labels,
        open=wide.open[:, columns],
        high=wide.high[:, columns],
        low=wide.low[:, columns],
        close=wide.close[:, columns],
        volume=wide.volume[:, columns],
    )


def _option_base_vol(underlying: str) -> float:
    """At-the-money implied vol level of the underlying's options (annual, decimal)."""
    if underlying == VIX_SYMBOL:
        return 0.85
    return max(annual_total_vol(underlying), 0.05)
