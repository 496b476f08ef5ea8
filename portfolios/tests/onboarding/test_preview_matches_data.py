"""The onboarding preview and GET /data/portfolio/{id}/complete show the same market value, to the
cent, for the same position at the same price: both round with sigmasight.api.numbers.money
(half-up on the decimal form). Before, /data used round() on the float, so 1 x 1.005 showed 1.0
there and 1.01 in the preview."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings

from analytics.tests.valuation_book import AS_OF, PREVIOUS, bar, run_valuation_and_aggregation
from marketdata.models import MacroSeries, PriceBar
from marketdata.providers.base import ProviderError
from portfolios.csv_import.rows import parse_csv
from portfolios.onboarding import prices
from portfolios.onboarding.preview import upload_preview
from portfolios.tests.factories import PortfolioFactory, PositionFactory
from portfolios.tests.onboarding_factories import OnboardingUploadFactory

pytestmark = pytest.mark.django_db

CALL = "AAA   241220C00100000"
#: Closes whose market values sit on a decimal cent tie (the float product is just below it).
CLOSES = {"KO": 1.005, CALL: 2.67505, "AAA": 102.0}
BOOK = f"""ticker,quantity,entry_price,entry_date
KO,1,10,2024-01-02
{CALL},1,2,2024-01-02
""".encode()
EXPECTED = {"KO": 1.01, CALL: 267.51}  # 1 x 1.005; 1 contract x 100 x 2.67505


class NoQuotes:
    def quotes(self, symbols):  # type: ignore[no-untyped-def]
        raise ProviderError("no quotes in this test")


@pytest.fixture
def market() -> None:
    PriceBar.objects.bulk_create([bar(s, d, c) for s, c in CLOSES.items() for d in (PREVIOUS, AS_OF)])
    MacroSeries.objects.bulk_create(
        [MacroSeries(series_id="DGS3MO", date=d, value=0.05, source="synthetic") for d in (PREVIOUS, AS_OF)]
    )


def preview_values(user, monkeypatch) -> dict[str, float | None]:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(prices, "get_provider", NoQuotes)
    rows = parse_csv(BOOK, today=dt.date(2024, 7, 8)).rows
    upload = OnboardingUploadFactory(
        owner=user, rows=[r.to_json() for r in rows], rows_total=2, rows_valid=2, cash_balance=Decimal("0")
    )
    with override_settings(MARKET_DATA_PROVIDER="synthetic", SYNTHETIC_AS_OF=AS_OF.isoformat()):
        preview = upload_preview(upload=upload)
    return {p["symbol"]: p["market_value"] for p in preview["positions"]}


def data_values(user, auth_client) -> dict[str, float | None]:  # type: ignore[no-untyped-def]
    portfolio = PortfolioFactory(owner=user, cash_balance=Decimal("0"))
    common = {"portfolio": portfolio, "entry_date": dt.date(2024, 1, 2)}
    PositionFactory(**common, symbol="KO", quantity=Decimal("1"), entry_price=Decimal("10"))
    PositionFactory(
        **common,
        long_call=True,
        symbol=CALL,
        quantity=Decimal("1"),
        multiplier=100,
        entry_price=Decimal("2"),
        underlying_symbol="AAA",
        strike_price=Decimal("100"),
        expiration_date=dt.date(2024, 12, 20),
        implied_volatility=0.30,
    )
    run_valuation_and_aggregation(portfolio)
    response = auth_client.get(f"/api/v1/data/portfolio/{portfolio.id}/complete")
    assert response.status_code == 200, response.content
    return {p["symbol"]: p["market_value"] for p in response.json()["positions"]}


def test_preview_and_data_agree_to_the_cent(market, user, auth_client, monkeypatch) -> None:
    # given: the same two positions at the same closes, once as an upload and once as a portfolio
    # when: the preview and /data value them
    preview = preview_values(user, monkeypatch)
    data = data_values(user, auth_client)

    # then: both show the half-up cent of the same engine value (round() on the float would not)
    assert preview == data == EXPECTED
    assert round(1 * 1.005, 2) == 1.0 and round(1 * 2.67505 * 100, 2) == 267.5
