"""The market-data sync engine (marketdata.services.market_data_sync) against the synthetic market
and small fault-injecting providers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest
from django.db import connection

from marketdata.models import MacroSeries, PriceBar, Security
from marketdata.providers.base import (
    HistoryResult,
    MarketDataProvider,
    ProfilesResult,
    ProviderError,
    QuotesResult,
)
from marketdata.providers.calendar import next_session_after, session_on_or_before, trading_days
from marketdata.providers.synthetic import SyntheticProvider
from marketdata.services import BACKFILL_DAYS, CHUNK_SIZE, bars_upsert, market_data_sync

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 20)  # a Friday session
SYMBOLS = ["AAPL", "MSFT", "SPY", "BND"]
BAR_FIELDS = ("symbol", "date", "open", "high", "low", "close", "adjusted_close", "volume", "source")


class RecordingProvider(MarketDataProvider):
    """Wraps a provider; records every ``history`` request and injects failures.

    ``raise_for``: symbols whose presence in a request makes the whole request raise ``error``
    (as a vendor failing on one ticker of a batch does). ``drop``: symbols answered as missing.
    """

    def __init__(
        self,
        inner: MarketDataProvider,
        *,
        raise_for: Sequence[str] = (),
        drop: Sequence[str] = (),
        error: Exception | None = None,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.raise_for = set(raise_for)
        self.drop = set(drop)
        self.error = error or ProviderError("HTTP 500 from vendor")
        self.calls: list[tuple[tuple[str, ...], dt.date, dt.date]] = []

    def history(self, symbols: Sequence[str], start: dt.date, end: dt.date) -> HistoryResult:
        self.calls.append((tuple(symbols), start, end))
        if self.raise_for & set(symbols):
            raise self.error
        result = self.inner.history([s for s in symbols if s not in self.drop], start, end)
        missing = {**result.missing, **{s: "dropped by the vendor" for s in symbols if s in self.drop}}
        return HistoryResult(bars=result.bars, missing=missing)

    def quotes(self, symbols: Sequence[str]) -> QuotesResult:
        return self.inner.quotes(symbols)

    def profile(self, symbols: Sequence[str]) -> ProfilesResult:
        return self.inner.profile(symbols)

    def series(self, series_id: str, start: dt.date, end: dt.date) -> pd.Series:
        return self.inner.series(series_id, start, end)

    @property
    def requested(self) -> list[str]:
        """Every symbol requested, in call order (with repeats)."""
        return [s for symbols, _, _ in self.calls for s in symbols]


def synthetic(as_of: dt.date = AS_OF) -> SyntheticProvider:
    return SyntheticProvider(as_of=as_of, seed=42)


def stored_bars() -> list[tuple]:
    return list(PriceBar.objects.order_by("symbol", "date").values_list(*BAR_FIELDS))


def bar_range(symbol: str) -> tuple[dt.date, dt.date, int]:
    dates = list(PriceBar.objects.filter(symbol=symbol).order_by("date").values_list("date", flat=True))
    return dates[0], dates[-1], len(dates)


class TestIdempotence:
    def test_second_run_for_the_same_date_changes_nothing(self) -> None:
        # given a first sync of stocks, an ETF, a bond fund and the macro series
        first = market_data_sync(
            symbols=SYMBOLS, as_of=AS_OF, provider=synthetic(), macro_provider=synthetic()
        )
        assert first.failures == {}
        assert first.symbols_synced == len(SYMBOLS)
        bars_before, macro_before = stored_bars(), list(MacroSeries.objects.values_list())
        assert first.bars_written == len(bars_before) > 0

        # when the same date is synced again
        provider = RecordingProvider(synthetic())
        second = market_data_sync(symbols=SYMBOLS, as_of=AS_OF, provider=provider, macro_provider=provider)

        # then nothing is fetched or written, and every row is as it was
        assert provider.calls == []
        assert (second.bars_written, second.macro_points_written, second.symbols_synced) == (0, 0, 0)
        assert second.symbols_up_to_date == len(SYMBOLS)
        assert second.failures == {}
        assert stored_bars() == bars_before
        assert list(MacroSeries.objects.values_list()) == macro_before

    def test_no_duplicates_when_a_window_is_written_twice(self) -> None:
        provider = synthetic()
        market_data_sync(symbols=["AAPL"], as_of=AS_OF, provider=provider, enrich=False)
        before = stored_bars()
        # a short stored history forces a refetch of the whole window: upserted, never duplicated
        PriceBar.objects.filter(symbol="AAPL", date__lt=dt.date(2025, 6, 1)).delete()
        market_data_sync(symbols=["AAPL"], as_of=AS_OF, provider=provider, enrich=False)
        assert stored_bars() == before

    def test_a_weekend_as_of_is_up_to_date_after_the_friday_sync(self) -> None:
        market_data_sync(symbols=SYMBOLS, as_of=AS_OF, provider=synthetic(), enrich=False)
        saturday = AS_OF + dt.timedelta(days=1)
        provider = RecordingProvider(synthetic(saturday))
        report = market_data_sync(symbols=SYMBOLS, as_of=saturday, provider=provider, enrich=False)
        assert provider.calls == []
        assert report.failures == {}
        assert report.symbols_up_to_date == len(SYMBOLS)

    def test_a_later_as_of_fetches_only_the_new_days(self) -> None:
        # given a synced history up to AS_OF
        market_data_sync(symbols=SYMBOLS, as_of=AS_OF, provider=synthetic(), macro_provider=synthetic())
        before = stored_bars()
        later = dt.date(2026, 12, 4)
        new_days = trading_days(next_session_after(AS_OF), later)
        assert len(new_days) == 9  # Thanksgiving (Nov 26) is a holiday

        # when the market moves on two weeks
        provider = RecordingProvider(synthetic(later))
        report = market_data_sync(symbols=SYMBOLS, as_of=later, provider=provider, macro_provider=provider)

        # then one request asks for the days after the last stored bar only
        assert provider.calls == [(tuple(sorted(SYMBOLS)), AS_OF + dt.timedelta(days=1), later)]
        assert report.bars_written == len(SYMBOLS) * len(new_days)
        assert report.macro_points_written == 2 * len(new_days)
        after = stored_bars()
        assert len(after) == len(before) + len(SYMBOLS) * len(new_days)
        # past bars are untouched (the synthetic market never rewrites the past)
        assert [b for b in after if b[1] <= AS_OF] == before
        assert {b[1] for b in after if b[1] > AS_OF} == set(new_days)


class TestBackfill:
    def test_new_symbol_gets_two_years(self) -> None:
        provider = RecordingProvider(synthetic())
        market_data_sync(symbols=["AAPL"], as_of=AS_OF, provider=provider, enrich=False)
        want_start = AS_OF - dt.timedelta(days=BACKFILL_DAYS)
        assert provider.calls == [(("AAPL",), want_start, AS_OF)]
        first, last, count = bar_range("AAPL")
        assert first == next_session_after(want_start - dt.timedelta(days=1))
        assert last == AS_OF
        assert count == len(trading_days(want_start, AS_OF)) >= 500

    def test_short_history_is_backfilled_to_two_years(self) -> None:
        # given AAPL with only its last month stored (an earlier CSV import, say)
        one_month = AS_OF - dt.timedelta(days=30)
        market_data_sync(
            symbols=["AAPL"], as_of=AS_OF, provider=synthetic(), history_start=None, enrich=False
        )
        PriceBar.objects.filter(symbol="AAPL", date__lt=one_month).delete()
        assert bar_range("AAPL")[2] < 25

        # when the sync runs
        provider = RecordingProvider(synthetic())
        report = market_data_sync(symbols=["AAPL", "MSFT"], as_of=AS_OF, provider=provider, enrich=False)

        # then AAPL is refilled to 2 years like a new symbol
        want_start = AS_OF - dt.timedelta(days=BACKFILL_DAYS)
        assert provider.calls == [(("AAPL", "MSFT"), want_start, AS_OF)]
        assert report.symbols_synced == 2
        assert bar_range("AAPL") == bar_range("MSFT")
        assert bar_range("AAPL")[2] >= 500

    def test_history_start_earlier_than_two_years_wins(self) -> None:
        history_start = dt.date(2023, 11, 20)  # the earliest demo entry date
        market_data_sync(
            symbols=["VTI"], as_of=AS_OF, provider=synthetic(), history_start=history_start, enrich=False
        )
        first, last, count = bar_range("VTI")
        assert (first, last) == (history_start, AS_OF)
        assert count == len(trading_days(history_start, AS_OF))

        # a stored 2-year history is "short" for a caller that needs an earlier start
        provider = RecordingProvider(synthetic())
        market_data_sync(symbols=["SPY"], as_of=AS_OF, provider=synthetic(), enrich=False)
        market_data_sync(
            symbols=["SPY"], as_of=AS_OF, provider=provider, history_start=history_start, enrich=False
        )
        assert provider.calls == [(("SPY",), history_start, AS_OF)]
        assert bar_range("SPY")[0] == history_start


class TestFailures:
    def test_a_request_failing_for_one_symbol_leaves_the_others_synced(self) -> None:
        symbols = ["AAPL", "AMZN", "BND", "GOOGL", "JPM", "MSFT", "NVDA", "SPY", "TSLA"]
        provider = RecordingProvider(synthetic(), raise_for=["JPM"], error=ProviderError("HTTP 503 for JPM"))
        report = market_data_sync(symbols=symbols, as_of=AS_OF, provider=provider)

        assert report.failures == {"JPM": "HTTP 503 for JPM"}
        assert report.symbols_synced == len(symbols) - 1
        synced = set(PriceBar.objects.values_list("symbol", flat=True).distinct())
        assert synced == set(symbols) - {"JPM"}
        assert not Security.objects.filter(symbol="JPM").exists()  # a failed symbol is not enriched
        # the bad symbol was isolated by halving the request, not by asking for each symbol alone
        assert len(provider.calls) <= 2 * 4 + 1
        assert report.as_dict()["failures"] == [{"symbol": "JPM", "reason": "HTTP 503 for JPM"}]

        # a rerun retries the failed symbol only (the others are up to date)
        retry = RecordingProvider(synthetic())
        again = market_data_sync(symbols=symbols, as_of=AS_OF, provider=retry)
        assert retry.calls[0][0] == ("JPM",)
        assert again.failures == {} and again.symbols_synced == 1
        assert again.symbols_up_to_date == len(symbols) - 1

    def test_a_crashing_provider_is_recorded_not_raised(self) -> None:
        provider = RecordingProvider(synthetic(), raise_for=["MSFT"], error=RuntimeError("boom"))
        report = market_data_sync(symbols=["AAPL", "MSFT"], as_of=AS_OF, provider=provider, enrich=False)
        assert report.failures == {"MSFT": "provider error: RuntimeError: boom"}
        assert set(PriceBar.objects.values_list("symbol", flat=True).distinct()) == {"AAPL"}

    def test_symbols_the_provider_lists_as_missing_are_recorded(self) -> None:
        provider = RecordingProvider(synthetic(), drop=["MSFT"])
        report = market_data_sync(symbols=["AAPL", "MSFT", "NOTATICKER"], as_of=AS_OF, provider=provider)
        assert report.failures == {"MSFT": "dropped by the vendor", "NOTATICKER": "unknown symbol"}
        assert report.symbols_synced == 1
        assert set(PriceBar.objects.values_list("symbol", flat=True).distinct()) == {"AAPL"}

    def test_a_provider_wide_outage_fails_every_symbol_without_hammering(self) -> None:
        symbols = [f"S{i:03d}" for i in range(CHUNK_SIZE + 10)]  # two chunks
        provider = RecordingProvider(
            synthetic(), raise_for=symbols, error=ProviderError("connection refused")
        )
        report = market_data_sync(symbols=symbols, as_of=AS_OF, provider=provider, enrich=False)
        assert report.failures == {s: "connection refused" for s in symbols}
        assert report.symbols_synced == 0
        assert PriceBar.objects.count() == 0
        assert len(provider.calls) == 2 * 3  # per chunk: the request and its two halves

    def test_a_failing_macro_series_is_recorded(self) -> None:
        class NoTenYear(RecordingProvider):
            def series(self, series_id: str, start: dt.date, end: dt.date) -> pd.Series:
                if series_id == "DGS10":
                    raise ProviderError("FRED: series does not exist")
                return super().series(series_id, start, end)

        provider = NoTenYear(synthetic())
        report = market_data_sync(symbols=["SPY"], as_of=AS_OF, provider=provider, macro_provider=provider)
        assert report.failures == {"DGS10": "FRED: series does not exist"}
        assert set(MacroSeries.objects.values_list("series_id", flat=True).distinct()) == {"DGS3MO"}
        assert report.symbols_synced == 1

    def test_failures_reach_the_batch_step_notes(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from analytics.services import market_data

        provider = RecordingProvider(synthetic(), raise_for=["MTUM"], error=ProviderError("HTTP 500"))
        monkeypatch.setattr(market_data, "get_provider", lambda: provider)
        monkeypatch.setattr(market_data, "get_macro_provider", lambda: provider)
        result = market_data.market_data_step(as_of=AS_OF, portfolio_ids=[])
        assert {"symbol": "MTUM", "reason": "HTTP 500"} in result.notes["missing_symbols"]
        assert result.notes["provider"] == "synthetic"
        assert result.counts["synced"] == result.counts["symbols"] - 1
        assert PriceBar.objects.filter(symbol="SPY").exists()


class TestMacroAndSecurities:
    def test_macro_series_are_stored_in_decimal(self) -> None:
        provider = synthetic()
        report = market_data_sync(symbols=["SPY"], as_of=AS_OF, provider=provider, macro_provider=provider)
        want_start = AS_OF - dt.timedelta(days=BACKFILL_DAYS)
        for series_id in ("DGS3MO", "DGS10"):
            rows = dict(MacroSeries.objects.filter(series_id=series_id).values_list("date", "value"))
            expected = provider.series(series_id, want_start, AS_OF)
            assert rows == pytest.approx(expected.to_dict())
            # decimal yields (0.045 = 4.5%), never FRED's percent
            assert all(0.0 <= v < 0.20 for v in rows.values())
            assert max(rows) == AS_OF
        assert report.macro_points_written == MacroSeries.objects.count()
        assert set(MacroSeries.objects.values_list("source", flat=True)) == {"synthetic"}

    def test_securities_are_enriched_from_profiles(self) -> None:
        provider = synthetic()
        option = "SPY   270917C00675000"
        report = market_data_sync(symbols=["AAPL", "SPY", "FXNAX", option], as_of=AS_OF, provider=provider)
        assert report.failures == {}
        assert report.securities_enriched == 4
        profiles = provider.profile(["AAPL", "SPY", "FXNAX"]).profiles
        for symbol, profile in profiles.items():
            sec = Security.objects.get(symbol=symbol)
            assert (sec.name, sec.asset_type, sec.sector, sec.industry, sec.exchange) == (
                profile.name,
                profile.asset_type,
                profile.sector,
                profile.industry,
                profile.exchange,
            )
            assert sec.market_cap == profile.market_cap
            assert sec.source == "synthetic"
        assert Security.objects.get(symbol="AAPL").asset_type == "stock"
        assert Security.objects.get(symbol="SPY").asset_type == "etf"
        assert Security.objects.get(symbol="FXNAX").asset_type == "mutual_fund"
        opt = Security.objects.get(symbol=option)
        assert (opt.asset_type, opt.exchange) == ("option", "OPRA")
        # option bars come from the provider's model, stored under the OCC symbol
        assert bar_range(option)[1] == session_on_or_before(AS_OF)

        # enrichment is not repeated for known securities
        again = market_data_sync(symbols=["AAPL", "SPY"], as_of=AS_OF, provider=provider)
        assert again.securities_enriched == 0


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the COPY upsert path is PostgreSQL only"
)


def awkward_bars() -> pd.DataFrame:
    """Synthetic bars plus the cases a vendor frame can hold: an unknown volume, a Timestamp date,
    and a (symbol, date) given twice (the last one wins)."""
    bars = synthetic().history(["AAPL", "SPY", "SPY   270917C00675000"], dt.date(2026, 10, 1), AS_OF).bars
    bars = bars.astype({"volume": "Int64"}).reset_index(drop=True)
    bars.loc[0, "volume"] = pd.NA
    bars["date"] = bars["date"].astype(object)
    bars.loc[1, "date"] = pd.Timestamp(bars.loc[1, "date"])
    repeat = bars.iloc[[2]].assign(close=bars.loc[2, "close"] * 1.01, source="csv")
    return pd.concat([bars, repeat], ignore_index=True)


class TestBarsUpsert:
    def test_bulk_create_path(self) -> None:
        bars = awkward_bars()
        assert bars_upsert(bars=bars, copy=False) == len(bars) - 1
        assert PriceBar.objects.count() == len(bars) - 1
        first = PriceBar.objects.order_by("symbol", "date").first()
        assert first is not None and first.volume == 0
        third = PriceBar.objects.get(symbol=bars.loc[2, "symbol"], date=bars.loc[2, "date"])
        assert (third.close, third.source) == (pytest.approx(bars.loc[2, "close"] * 1.01), "csv")

    @needs_postgresql
    def test_copy_and_bulk_create_paths_store_identical_rows(self) -> None:
        bars = awkward_bars()
        # new rows
        assert bars_upsert(bars=bars, copy=False) == len(bars) - 1
        by_bulk = stored_bars()
        PriceBar.objects.all().delete()
        assert bars_upsert(bars=bars, copy=True) == len(bars) - 1
        assert stored_bars() == by_bulk
        # updates of existing rows (a vendor correction), mixed with new rows
        changed = bars.assign(close=bars["close"] * 1.02, volume=bars["volume"].fillna(7) + 1)
        more = synthetic().history(["MSFT"], dt.date(2026, 11, 1), AS_OF).bars
        update = pd.concat([changed, more], ignore_index=True)
        bars_upsert(bars=update, copy=True)
        by_copy = stored_bars()
        PriceBar.objects.all().delete()
        bars_upsert(bars=bars, copy=False)
        bars_upsert(bars=update, copy=False)
        assert stored_bars() == by_copy
        assert len(by_copy) == len(bars) - 1 + len(more)

    @needs_postgresql
    def test_copy_path_leaves_unchanged_rows_alone(self) -> None:
        bars = awkward_bars()
        bars_upsert(bars=bars)

        def row_versions() -> list[tuple]:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT id, ctid::text FROM {PriceBar._meta.db_table} ORDER BY id")
                return cursor.fetchall()

        before = row_versions()
        bars_upsert(bars=bars)  # same values: no tuple is rewritten
        assert row_versions() == before
        bars_upsert(bars=bars.assign(close=np.where(bars.index == 5, bars["close"] + 1, bars["close"])))
        after = row_versions()
        assert sum(a != b for a, b in zip(before, after, strict=True)) == 1

    @needs_postgresql
    def test_copy_twice_in_one_transaction(self) -> None:
        from django.db import transaction

        with transaction.atomic():
            bars_upsert(bars=synthetic().history(["AAPL"], dt.date(2026, 11, 1), AS_OF).bars)
            bars_upsert(bars=synthetic().history(["MSFT"], dt.date(2026, 11, 1), AS_OF).bars)
        assert set(PriceBar.objects.values_list("symbol", flat=True).distinct()) == {"AAPL", "MSFT"}
