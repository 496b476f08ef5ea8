"""The preview's figures (portfolios.onboarding.preview) on a small hand-worked book: market values
and totals are the valuation engine's, rounded half-up to the cent; prices are the last stored
close on or before the market date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.test import override_settings

from analytics.engines.valuation import exposure_summary, value_positions
from marketdata.models import PriceBar
from marketdata.providers.base import ProviderError
from portfolios.csv_import.rows import parse_csv
from portfolios.onboarding import prices
from portfolios.onboarding.preview import upload_preview
from portfolios.tests.onboarding_factories import OnboardingUploadFactory
from sigmasight.api.numbers import money

AS_OF = dt.date(2026, 11, 20)
OPTION = "AAPL  270115C00230000"
BOOK = f"""ticker,quantity,entry_price,entry_date
AAPL,10,150,2025-03-03
TSLA,-3,200,2025-03-03
KO,1,10,2025-03-03
{OPTION},2,12.5,2025-09-02
NVDA,5,100,2025-03-03
""".encode()
#: The last close on or before AS_OF of each symbol (NVDA has none: unpriced).
CLOSES = {"AAPL": 150.25, "TSLA": 200.10, "KO": 10.005, OPTION: 5.55}


class NoQuotes:
    def quotes(self, symbols):  # type: ignore[no-untyped-def]
        raise ProviderError("no quotes in this test")


@pytest.fixture
def preview(user, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(prices, "get_provider", NoQuotes)
    bar = {"open": 1, "high": 1, "low": 1, "adjusted_close": 1, "source": "synthetic"}
    for symbol, close in CLOSES.items():
        PriceBar.objects.create(symbol=symbol, date=AS_OF - dt.timedelta(days=3), close=close / 2, **bar)
        PriceBar.objects.create(symbol=symbol, date=AS_OF - dt.timedelta(days=1), close=close, **bar)
        PriceBar.objects.create(symbol=symbol, date=AS_OF + dt.timedelta(days=1), close=close * 3, **bar)
    rows = parse_csv(BOOK, today=dt.date(2026, 11, 24)).rows
    upload = OnboardingUploadFactory(
        owner=user,
        rows=[r.to_json() for r in rows],
        rows_total=5,
        rows_valid=5,
        cash_balance=Decimal("1000.00"),
    )
    with override_settings(MARKET_DATA_PROVIDER="synthetic", SYNTHETIC_AS_OF=AS_OF.isoformat()):
        return upload_preview(upload=upload)


@pytest.mark.django_db
class TestPreviewFigures:
    def test_rows_by_hand(self, preview):
        by_symbol = {p["symbol"]: p for p in preview["positions"]}

        assert {s: p["price"] for s, p in by_symbol.items()} == {**CLOSES, "NVDA": None}
        assert {s: p["market_value"] for s, p in by_symbol.items()} == {
            "AAPL": 1502.50,  # 10 x 150.25
            "TSLA": -600.30,  # -3 x 200.10
            "KO": 10.01,  # 1 x 10.005, half-up (the float 10.005 is just below: str() decides)
            OPTION: 1110.00,  # 2 contracts x 100 x 5.55
            "NVDA": None,
        }
        assert {s: p["cost_basis"] for s, p in by_symbol.items()} == {
            "AAPL": 1500.0,
            "TSLA": -600.0,
            "KO": 10.0,
            OPTION: 2500.0,
            "NVDA": 500.0,
        }
        assert by_symbol[OPTION]["underlying_price"] == 150.25
        assert by_symbol["AAPL"]["price_date"] == AS_OF - dt.timedelta(days=1)

    def test_summary_by_hand(self, preview):
        summary = preview["summary"]

        assert summary == {
            "position_count": 5,
            "stock_count": 4,
            "option_count": 1,
            "priced_count": 4,
            "unpriced_count": 1,
            "long_value": 2622.51,  # 1502.50 + 10.01 + 1110.00
            "short_value": -600.30,
            "gross_exposure": 3222.81,
            "net_exposure": 2022.21,
            "total_value": 3022.21,  # net + 1000 cash
            "rows_invalid": 0,
        }

    def test_summary_equals_the_valuation_engine(self, preview):
        engine = exposure_summary(
            value_positions(
                quantity=[10, -3, 1, 2, 5],
                price=[150.25, 200.10, 10.005, 5.55, np.nan],
                entry_price=[150, 200, 10, 12.5, 100],
                multiplier=[1, 1, 1, 100, 1],
            ),
            cash=1000.0,
        )
        summary = preview["summary"]

        assert (
            summary["long_value"],
            summary["short_value"],
            summary["gross_exposure"],
            summary["net_exposure"],
            summary["total_value"],
        ) == tuple(money(v) for v in (engine.long, engine.short, engine.gross, engine.net, engine.nav))
        assert summary["unpriced_count"] == engine.mv_missing


@pytest.mark.django_db
def test_a_file_with_only_cash_has_zero_exposures(user):
    upload = OnboardingUploadFactory(
        owner=user, rows=[], rows_total=1, rows_valid=1, cash_balance=Decimal("5.5")
    )

    summary = upload_preview(upload=upload)["summary"]

    assert (summary["long_value"], summary["gross_exposure"], summary["total_value"]) == (0.0, 0.0, 5.5)
