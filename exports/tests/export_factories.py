"""factory_boy factory of the export history (helper "exportfiles"; the reports and schedules
have theirs with the report code)."""

from __future__ import annotations

import factory

from accounts.tests.factories import UserFactory
from exports.models import ExportKind, ExportRecord


class ExportRecordFactory(factory.django.DjangoModelFactory):
    """A CSV portfolio export of 1 KiB (no portfolio: it may have been deleted); trait ``trades``."""

    class Meta:
        model = ExportRecord

    owner = factory.SubFactory(UserFactory)
    kind = ExportKind.PORTFOLIO
    format = "csv"
    filename = factory.Sequence(lambda n: f"portfolio-book-{n}-2026-11-20.csv")
    size_bytes = 1024

    class Params:
        trades = factory.Trait(kind=ExportKind.TRADES, format="fix", filename="trades-20261120T160500Z.fix")
