"""A factory for onboarding uploads (a processed, ``ready`` one by default)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from accounts.tests.factories import UserFactory
from portfolios.csv_import.results import ParsedRow
from portfolios.models import OnboardingStatus, OnboardingUpload, PositionType

_CSV = b"ticker,quantity,entry_price,entry_date\nAAPL,100,150,2024-01-08\n"


def _row() -> dict:
    fields = {
        "symbol": "AAPL",
        "position_type": PositionType.LONG,
        "multiplier": 1,
        "quantity": Decimal("100"),
        "entry_price": Decimal("150"),
        "entry_date": dt.date(2024, 1, 8),
        "exit_price": None,
        "exit_date": None,
        "underlying_symbol": "",
        "option_type": "",
        "strike_price": None,
        "expiration_date": None,
        "implied_volatility": None,
    }
    return ParsedRow(row=2, fields=fields).to_json()


class OnboardingUploadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OnboardingUpload

    owner = factory.SubFactory(UserFactory)
    portfolio_name = factory.Sequence(lambda n: f"Uploaded {n}")
    filename = "positions.csv"
    content = _CSV
    size_bytes = len(_CSV)
    encoding = "utf-8"
    status = OnboardingStatus.READY
    progress_percent = 100.0
    rows_total = 1
    rows_valid = 1
    rows_invalid = 0
    rows = factory.LazyFunction(lambda: [_row()])
    enrichment = factory.LazyFunction(lambda: {"status": "succeeded", "symbols": 1, "failures": {}})
