"""The synthetic market-data provider and its pure simulation (no database)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from marketdata.providers.base import BAR_COLUMNS, ProviderError
from marketdata.providers.calendar import last_session_before, session_on_or_before, trading_days
from marketdata.providers.synthetic import SyntheticProvider, default_as_of
from marketdata.providers.synthetic_factors import FACTOR_ANNUAL_VOLS, FACTOR_CORRELATION, normal_draws
from marketdata.providers.synthetic_market import (
    factor_regressors,
    macro_levels,
    simulate_bars,
    simulate_returns,
)
from marketdata.providers.synthetic_options import bsm_price, parse_occ, smile_vol
from marketdata.providers.synthetic_universe import (
    FACTOR_ETFS,
    FACTOR_NAMES,
    OIL_MARKET_BETA,
    exposure_of,
    load_universe,
)

AS_OF = dt.date(2025, 6, 30)
START = dt.date(2022, 1, 3)
# Every stock/ETF/fund lot of data/demo_portfolios.csv: symbol, entry_date (as written), entry_price.
DEMO_LOTS = """
AAPL,2024-01-15,225 MSFT,2024-01-16,420 AMZN,2024-01-18,170 GOOGL,2024-01-20,160 TSLA,2024-01-22,255
NVDA,2024-01-25,700 JNJ,2024-02-01,160 JPM,2024-02-05,170 V,2024-02-08,268 FXNAX,2023-12-15,20
FCNTX,2023-12-15,15 FMAGX,2023-12-15,15 VTIAX,2023-12-15,30 VTI,2023-11-20,250 BND,2023-11-20,77
VNQ,2023-11-20,95 SPY,2024-01-05,530 QQQ,2024-01-05,420 AAPL,2024-01-10,225 MSFT,2024-01-10,420
AMZN,2024-01-12,170 GOOGL,2024-01-12,160 BRK-B,2024-01-15,440 JPM,2024-01-15,170 JNJ,2024-01-18,160
NVDA,2024-01-20,700 META,2024-01-20,530 UNH,2024-01-22,545 V,2024-01-22,268 HD,2024-01-25,350
PG,2024-01-25,165 GLD,2024-02-01,219.23 DJP,2024-02-01,30 NVDA,2024-01-05,700 MSFT,2024-01-05,420
AAPL,2024-01-08,225 GOOGL,2024-01-08,160 META,2024-01-10,265 AMZN,2024-01-10,170 TSLA,2024-01-12,255
AMD,2024-01-12,162 BRK-B,2024-01-15,440 JPM,2024-01-15,170 JNJ,2024-01-18,160 UNH,2024-01-18,545
V,2024-01-20,268 NFLX,2024-01-25,490 SHOP,2024-01-25,195 ZM,2024-01-28,70 PTON,2024-01-28,40
ROKU,2024-01-30,60 XOM,2024-02-01,110 F,2024-02-01,12 GE,2024-02-05,140 C,2024-02-05,55
"""
OPTION_UNDERLYINGS = ("SPY", "QQQ", "VIX", "NVDA", "AAPL", "MSFT", "TSLA", "META")


def _demo_anchors() -> dict[str, tuple[dt.date, float]]:
    """Earliest lot per symbol, its entry date moved to the session on or before it."""
    anchors: dict[str, tuple[dt.date, float]] = {}
    for item in DEMO_LOTS.split():
        symbol, day, price = item.split(",")
        session = session_on_or_before(dt.date.fromisoformat(day))
        if symbol not in anchors or session < anchors[symbol][0]:
            anchors[symbol] = (session, float(price))
    return anchors


@pytest.fixture(scope="module")
def provider() -> SyntheticProvider:
    return SyntheticProvider(as_of=AS_OF, seed=42)


@pytest.fixture(scope="module")
def universe_bars(provider: SyntheticProvider) -> pd.DataFrame:
    result = provider.history(provider.symbols, dt.date(2020, 1, 1), dt.date(2030, 1, 1))
    assert result.missing == {}
    return result.bars


@pytest.fixture(scope="module")
def ten_years() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(returns of every universe symbol, the 7 factor regressors, macro levels), 2022-2031."""
    start, end = dt.date(2022, 1, 1), dt.date(2031, 12, 31)
    symbols = list(load_universe())
    return (
        simulate_returns(symbols, start, end, seed=42),
        factor_regressors(start, end, seed=42),
        macro_levels(start, end, seed=42),
    )


# ---- universe --------------------------------------------------------------------------------
def test_universe_contents() -> None:
    universe = load_universe()
    demo = {item.split(",")[0] for item in DEMO_LOTS.split()}
    required = demo | set(OPTION_UNDERLYINGS) | set(FACTOR_ETFS) | {"USO", "EWG", "VIX", "XLK", "XLF", "TLT"}
    assert required <= set(universe)
    assert universe["VIX"].asset_type == "index"
    assert {universe[s].asset_type for s in ("FXNAX", "FCNTX", "FMAGX", "VTIAX")} == {"mutual_fund"}
    assert {universe[s].asset_type for s in ("GLD", "DJP", "BND", "VNQ", "VTI", "SPY", "QQQ")} == {"etf"}
    stocks = [s for s in universe.values() if s.asset_type == "stock"]
    assert len(stocks) >= 100 and all(s.sector and s.industry and s.name for s in stocks)
    assert "BRK-B" in universe and "BRK.B" not in universe


def test_anchor_columns_match_the_demo_lots() -> None:
    universe = load_universe()
    for symbol, (day, price) in _demo_anchors().items():
        assert (universe[symbol].anchor_date, universe[symbol].anchor_price) == (day, price), symbol
    assert universe["META"].anchor_date == dt.date(2024, 1, 10) and universe["META"].anchor_price == 265
    assert universe["AAPL"].anchor_date == dt.date(2024, 1, 8)
    assert universe["XLK"].anchor_date == START and universe["XLK"].anchor_price == universe["XLK"].base_price


# ---- bars ------------------------------------------------------------------------------------
def test_bars_frame_shape_and_calendar(universe_bars: pd.DataFrame) -> None:
    assert list(universe_bars.columns) == list(BAR_COLUMNS)
    assert (universe_bars["source"] == "synthetic").all()
    spy = universe_bars[universe_bars["symbol"] == "SPY"]
    assert list(spy["date"]) == trading_days(START, AS_OF)
    dates = set(spy["date"])
    assert dt.date(2024, 7, 4) not in dates and dt.date(2024, 11, 28) not in dates
    assert dt.date(2024, 7, 5) in dates
    assert min(universe_bars["date"]) == START and max(universe_bars["date"]) == AS_OF
    assert len(set(universe_bars.groupby("symbol").size())) == 1


def test_ohlcv_invariants_on_every_bar(universe_bars: pd.DataFrame) -> None:
    b = universe_bars
    assert (b["high"] >= b[["open", "close"]].max(axis=1)).all()
    assert (b[["open", "close"]].min(axis=1) >= b["low"]).all()
    assert (b["low"] > 0).all()
    assert b["volume"].dtype == np.int64 and (b["volume"] > 0).all()
    assert (b["adjusted_close"] == b["close"]).all()
    funds = b[b["symbol"] == "FXNAX"]
    assert (funds["open"] == funds["close"]).all() and (funds["high"] == funds["low"]).all()


def test_demo_symbols_close_at_their_entry_price_on_the_anchor_date(universe_bars: pd.DataFrame) -> None:
    closes = universe_bars.set_index(["symbol", "date"])["close"]
    for symbol, (day, price) in _demo_anchors().items():
        assert round(closes[(symbol, day)], 2) == price, symbol
    assert closes[("XLK", START)] == load_universe()["XLK"].base_price


def test_same_seed_same_bars_and_different_seed_different_bars(provider: SyntheticProvider) -> None:
    symbols = ["AAPL", "SPY", "VIX", "BND"]
    again = SyntheticProvider(as_of=AS_OF, seed=42).history(symbols, START, AS_OF).bars
    pd.testing.assert_frame_equal(provider.history(symbols, START, AS_OF).bars, again, check_exact=True)
    other = SyntheticProvider(as_of=AS_OF, seed=7).history(symbols, START, AS_OF).bars
    assert not np.allclose(other["close"], again["close"])


def test_past_bars_never_change_when_as_of_moves_forward(provider: SyntheticProvider) -> None:
    symbols = ["AAPL", "META", "SPY", "VIX", "FXNAX", "AAPL  250919C00230000"]
    later = SyntheticProvider(as_of=AS_OF + dt.timedelta(days=30), seed=42)
    now_bars = provider.history(symbols, START, AS_OF).bars
    later_bars = later.history(symbols, START, AS_OF).bars
    pd.testing.assert_frame_equal(now_bars, later_bars, check_exact=True)


def test_bars_do_not_depend_on_the_window_or_the_other_symbols(universe_bars: pd.DataFrame) -> None:
    window = simulate_bars(["AAPL"], dt.date(2024, 3, 1), dt.date(2024, 3, 28), seed=42)
    full = universe_bars[
        (universe_bars["symbol"] == "AAPL")
        & universe_bars["date"].between(dt.date(2024, 3, 1), dt.date(2024, 3, 28))
    ]
    pd.testing.assert_frame_equal(
        window.reset_index(drop=True), full.reset_index(drop=True), check_exact=True
    )
    a = normal_draws(42, "symbol:AAPL", dt.date(2024, 1, 1), dt.date(2024, 12, 31), 5)
    b = normal_draws(42, "symbol:AAPL", dt.date(2024, 6, 1), dt.date(2025, 6, 1), 5)
    np.testing.assert_array_equal(a[152:], b[: len(a) - 152])


def test_history_clips_to_the_data_window(provider: SyntheticProvider) -> None:
    bars = provider.history(["MSFT"], dt.date(2019, 1, 1), dt.date(2026, 1, 1)).bars
    assert bars["date"].min() == START and bars["date"].max() == AS_OF
    empty = provider.history(["MSFT"], dt.date(2026, 1, 1), dt.date(2026, 2, 1))
    assert empty.bars.empty and list(empty.bars.columns) == list(BAR_COLUMNS) and empty.missing == {}


def test_closes_follow_the_simulated_returns(universe_bars: pd.DataFrame) -> None:
    returns = simulate_returns(["NVDA", "TLT", "VIX"], START, AS_OF, seed=42)
    for symbol in returns:
        close = universe_bars[universe_bars["symbol"] == symbol]["close"].to_numpy()
        np.testing.assert_allclose(close[1:] / close[:-1] - 1, returns[symbol].to_numpy()[1:], atol=2e-5)


def test_unknown_symbols_are_missing_never_invented(provider: SyntheticProvider) -> None:
    asked = ["AAPL", "NOTATICKER", "BRK.B", "XYZ   250117C00100000"]
    history = provider.history(asked, START, AS_OF)
    assert set(history.bars["symbol"]) == {"AAPL"}
    assert history.missing["NOTATICKER"] == "unknown symbol"
    assert history.missing["BRK.B"] == "unknown symbol"
    assert "unknown underlying" in history.missing["XYZ   250117C00100000"]
    assert set(provider.quotes(asked).missing) == set(asked[1:])
    assert set(provider.profile(asked).missing) == set(asked[1:])


# ---- the statistical model (10 simulated years) ---------------------------------------------
def test_factor_etfs_reproduce_the_design_vols_and_correlations(ten_years) -> None:
    returns, _, _ = ten_years
    etfs = returns[list(FACTOR_ETFS)]
    assert len(etfs) > 2500
    np.testing.assert_allclose(etfs.corr().to_numpy(), FACTOR_CORRELATION, atol=0.05)
    np.testing.assert_allclose(etfs.std().to_numpy() * np.sqrt(252), FACTOR_ANNUAL_VOLS, rtol=0.05)


@pytest.mark.parametrize("symbol", ["MSFT", "JPM", "PG", "XOM", "NEE"])
def test_ols_recovers_the_true_betas(ten_years, provider: SyntheticProvider, symbol: str) -> None:
    returns, regressors, _ = ten_years
    fit = sm.OLS(returns[symbol].to_numpy(), sm.add_constant(regressors.to_numpy())).fit()
    truth = np.array([provider.true_betas(symbol)[name] for name in FACTOR_NAMES])
    se = fit.bse[1:]
    assert (se < 0.05).all(), se
    assert (np.abs(fit.params[1:] - truth) < 4 * se).all(), (fit.params[1:], truth)


def test_every_stock_is_recoverable(ten_years) -> None:
    returns, regressors, _ = ten_years
    stocks = [s for s, sec in load_universe().items() if sec.asset_type == "stock"]
    x = np.column_stack([np.ones(len(regressors)), regressors.to_numpy()])
    y = returns[stocks].to_numpy()
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ coef
    sigma2 = (resid**2).sum(axis=0) / (len(y) - x.shape[1])
    se = np.sqrt(np.outer(np.diag(np.linalg.inv(x.T @ x)), sigma2))[1:]
    truth = np.column_stack([exposure_of(s).betas for s in stocks])
    assert se.max() < 0.05
    assert (np.abs(coef[1:] - truth) / se).max() < 4.5


def test_macro_loadings_are_recoverable(ten_years, provider: SyntheticProvider) -> None:
    returns, regressors, levels = ten_years
    d10 = levels["DGS10"].diff().to_numpy()[1:]
    x = sm.add_constant(np.column_stack([regressors.to_numpy()[1:], d10]))
    bnd = sm.OLS(returns["BND"].to_numpy()[1:], x).fit()
    assert abs(bnd.params[-1] - provider.true_macro_betas("BND")["Interest Rate"]) < 4 * bnd.bse[-1]
    assert bnd.params[-1] < -4  # BND falls when the 10-year yield rises
    x = sm.add_constant(np.column_stack([regressors.to_numpy(), returns["USO"].to_numpy()]))
    xom = sm.OLS(returns["XOM"].to_numpy(), x).fit()
    oil = provider.true_macro_betas("XOM")["Oil"]
    assert abs(xom.params[-1] - oil) < 4 * xom.bse[-1]
    market = provider.true_betas("XOM")["Market"] - oil * OIL_MARKET_BETA
    assert abs(xom.params[1] - market) < 4 * xom.bse[1]


def test_macro_series_behave(ten_years) -> None:
    returns, _, levels = ten_years
    assert levels["DGS3MO"].between(0.0, 0.07).all() and levels["DGS10"].between(0.003, 0.08).all()
    bp = levels["DGS10"].diff().std() * 1e4
    assert 3 < bp < 10
    vix = levels["VIXCLS"]
    assert (vix > 9).all() and 15 < vix.mean() < 25
    assert np.corrcoef(vix.pct_change().to_numpy()[1:], returns["SPY"].to_numpy()[1:])[0, 1] < -0.6
    corr = returns[["SPY", "EWG", "USO"]].corr()
    assert 0.55 < corr.loc["SPY", "EWG"] < 0.75 and 0.2 < corr.loc["SPY", "USO"] < 0.4
    assert abs(returns["USO"].std() * np.sqrt(252) - 0.35) < 0.03
    assert abs(returns["EWG"].std() * np.sqrt(252) - 0.20) < 0.02


def test_series_for_the_provider_window(provider: SyntheticProvider) -> None:
    dgs3mo = provider.series("DGS3MO", dt.date(2020, 1, 1), dt.date(2030, 1, 1))
    dgs10 = provider.series("DGS10", START, AS_OF)
    assert dgs3mo.dtype == np.float64 and list(dgs3mo.index) == trading_days(START, AS_OF)
    assert dgs3mo[START] < 0.005 and dgs3mo[dt.date(2023, 12, 29)] > 0.04
    assert dgs10.between(0.005, 0.06).all()
    assert (provider.series("VIXCLS", START, AS_OF) > 9).all()
    with pytest.raises(ProviderError, match="Unknown series"):
        provider.series("CPIAUCSL", START, AS_OF)


# ---- options ---------------------------------------------------------------------------------
def test_bsm_matches_hulls_example() -> None:
    price = bsm_price(
        np.array([49.0]), 50.0, np.array([0.3846]), np.array([0.05]), 0.0, np.array([0.2]), is_call=True
    )
    assert round(float(price[0]), 4) == 2.4005


def test_occ_parser_and_smile_skew() -> None:
    padded, plain = parse_occ("AAPL  250117C00150000"), parse_occ("AAPL250117C00150000")
    assert padded == plain and padded is not None
    assert (padded.root, padded.expiry, padded.option_type, padded.strike) == (
        "AAPL",
        dt.date(2025, 1, 17),
        "call",
        150.0,
    )
    assert padded.occ_symbol == "AAPL  250117C00150000"
    assert parse_occ("AAPL") is None and parse_occ("AAPL251332C00150000") is None
    vols = (
        smile_vol(np.array(0.25), np.array(100.0), 85.0, np.array(0.25)),
        smile_vol(np.array(0.25), np.array(100.0), 115.0, np.array(0.25)),
    )
    assert vols[0] > 0.25 > vols[1]  # OTM puts richer than ATM, OTM calls cheaper


def test_option_bars_are_priced_until_expiry(provider: SyntheticProvider) -> None:
    call, put = "AAPL  250117C00230000", "AAPL  250117P00230000"
    result = provider.history([call, put, "AAPL250117C00230000", "AAPL"], START, AS_OF)
    bars = result.bars.set_index(["symbol", "date"])
    c, p, s = bars.loc[call], bars.loc[put], bars.loc["AAPL"]
    assert c.index.max() == dt.date(2025, 1, 17) and p.index.max() == dt.date(2025, 1, 17)
    assert (c["low"] > 0).all() and (p["low"] > 0).all()
    assert (c["close"] < s.loc[c.index, "close"]).all()
    assert (c["high"] >= c[["open", "close"]].max(axis=1)).all() and (
        c["low"] <= c[["open", "close"]].min(axis=1)
    ).all()
    np.testing.assert_array_equal(bars.loc["AAPL250117C00230000", "close"], c["close"])
    last = s.loc[dt.date(2025, 1, 17), "close"]
    assert c.loc[dt.date(2025, 1, 17), "close"] == round(max(last - 230.0, 0.01), 4)
    # put-call parity (same strike, same smile vol): C - P = S e^-qT - K e^-rT
    day = dt.date(2024, 6, 3)
    r = provider.series("DGS3MO", day, day).iloc[0]
    t = (dt.date(2025, 1, 17) - day).days / 365
    parity = s.loc[day, "close"] * np.exp(-0.005 * t) - 230.0 * np.exp(-r * t)
    assert abs(c.loc[day, "close"] - p.loc[day, "close"] - parity) < 1e-3


def test_expired_options_have_no_bars(provider: SyntheticProvider) -> None:
    symbol = "SPY   250117P00500000"
    result = provider.history([symbol], dt.date(2025, 2, 1), AS_OF)
    assert result.bars.empty and "expired" in result.missing[symbol]
    assert "expired" in provider.quotes([symbol]).missing[symbol]


def test_vix_and_brkb_options(provider: SyntheticProvider) -> None:
    symbols = ["VIX   251119C00025000", "BRKB  251219P00450000"]
    bars = provider.history(symbols, dt.date(2025, 6, 2), AS_OF).bars
    assert set(bars["symbol"]) == set(symbols) and (bars["close"] > 0).all()


# ---- quotes, profiles, as-of -----------------------------------------------------------------
def test_quotes_are_the_last_close(provider: SyntheticProvider, universe_bars: pd.DataFrame) -> None:
    quotes = provider.quotes(["AAPL", "AAPL  251219C00230000"])
    assert quotes.missing == {}
    q = quotes.quotes[0]
    aapl = universe_bars[universe_bars["symbol"] == "AAPL"].set_index("date")
    prev = last_session_before(AS_OF)
    assert q.last_price == aapl.loc[AS_OF, "close"]
    assert q.day_change == pytest.approx(aapl.loc[AS_OF, "close"] - aapl.loc[prev, "close"])
    assert q.day_change_percent == pytest.approx(q.day_change / aapl.loc[prev, "close"] * 100)
    assert (q.day_high, q.day_low) == (aapl.loc[AS_OF, "high"], aapl.loc[AS_OF, "low"])
    assert q.bid is None and q.ask is None
    assert q.updated_at == dt.datetime(2025, 6, 30, 20, 0, tzinfo=dt.UTC)  # 16:00 EDT
    assert quotes.quotes[1].last_price > 0


@pytest.mark.parametrize(
    "as_of, updated_at",
    [
        (dt.date(2025, 11, 28), dt.datetime(2025, 11, 28, 18, 0, tzinfo=dt.UTC)),  # early close, 13:00 EST
        (dt.date(2025, 12, 1), dt.datetime(2025, 12, 1, 21, 0, tzinfo=dt.UTC)),  # regular, 16:00 EST
    ],
)
def test_quote_time_is_the_session_close(as_of: dt.date, updated_at: dt.datetime) -> None:
    quotes = SyntheticProvider(as_of=as_of, seed=42).quotes(["AAPL"]).quotes
    assert [q.updated_at for q in quotes] == [updated_at]


def test_profiles(provider: SyntheticProvider) -> None:
    result = provider.profile(["BRK-B", "VIX", "AAPL  251219C00230000"])
    brk = result.profiles["BRK-B"]
    assert (brk.asset_type, brk.sector, brk.currency) == ("stock", "Financials", "USD")
    assert result.profiles["VIX"].asset_type == "index"
    assert result.profiles["AAPL  251219C00230000"].asset_type == "option"


def test_as_of_helpers() -> None:
    assert default_as_of(dt.date(2024, 4, 1)) == dt.date(2024, 3, 28)  # Monday after Good Friday
    assert default_as_of(dt.date(2024, 7, 6)) == dt.date(2024, 7, 5)
    assert SyntheticProvider(as_of=dt.date(2024, 7, 7)).as_of == dt.date(2024, 7, 5)
    with pytest.raises(ValueError):
        SyntheticProvider(as_of=dt.date(2021, 6, 1))


def test_true_betas_api(provider: SyntheticProvider) -> None:
    assert list(provider.true_betas("NVDA")) == list(FACTOR_NAMES)
    assert provider.true_betas("VTV") == {n: 1.0 if n in ("Market", "Value") else 0.0 for n in FACTOR_NAMES}
    assert provider.true_betas("NVDA")["Market"] > provider.true_betas("DUK")["Market"]
    assert provider.true_betas("DUK")["Low Volatility"] > 0.5
    with pytest.raises(KeyError):
        provider.true_betas("NOTATICKER")
    with pytest.raises(ValueError):
        provider.true_betas("VIX")


def test_the_provider_imports_no_django() -> None:
    code = "import sys, marketdata.providers.synthetic; assert 'django' not in sys.modules"
    root = Path(__file__).resolve().parents[3]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)
