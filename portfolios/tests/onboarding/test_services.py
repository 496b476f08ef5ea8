"""The onboarding workflow (portfolios.onboarding: services, processing, imports, reads): processing, completion, re-import, atomicity,
the batch hand-off, and query counts. Market data comes from the synthetic provider."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketdata.models import PriceBar
from portfolios.csv_import.results import ParsedRow
from portfolios.csv_import.rows import parse_csv
from portfolios.models import OnboardingStatus, OnboardingUpload, Portfolio, Position, Tag, TagType
from portfolios.onboarding import batch, prices, processing, selectors, services
from portfolios.onboarding.imports import portfolio_import
from portfolios.onboarding.preview import upload_preview
from portfolios.onboarding.readiness import upload_readiness
from portfolios.tests.factories import PortfolioFactory, PositionFactory
from portfolios.tests.onboarding_factories import OnboardingUploadFactory
from sigmasight.api.exceptions import ApplicationError, Conflict, NotFound
from sigmasight.system.models import Job, JobStatus

CORPUS = Path(__file__).parent.parent / "csv_corpus"
README = (CORPUS / "readme_example.csv").read_bytes()
HEADER = b"ticker,quantity,entry_price,entry_date,tags,strategy\n"
UNIVERSE = [
    "AAPL", "MSFT", "NVDA", "AMD", "AVGO", "INTC", "QCOM", "TXN", "MU", "AMAT", "ORCL", "CRM", "ADBE", "NOW",
    "INTU", "ZM", "SHOP", "IBM", "ACN", "CSCO", "GOOGL", "META", "NFLX", "ROKU", "DIS", "CMCSA", "T", "VZ",
    "TMUS", "AMZN", "TSLA", "HD", "LOW", "MCD", "SBUX", "CMG", "NKE", "BKNG", "MAR", "ABNB", "TJX", "F", "GM",
    "PTON", "PG", "KO", "PEP", "WMT", "COST", "TGT", "MDLZ", "KHC", "GIS", "CL", "KMB", "PM", "MO", "JNJ",
    "LLY", "PFE",
]  # fmt: skip


@pytest.fixture
def process(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """``process(owner, data, **target)``: an upload created and processed (the eager task run)."""

    def run(owner, data: bytes = README, **target) -> OnboardingUpload:  # type: ignore[no-untyped-def]
        target = target or {"portfolio_name": "My Book"}
        with django_capture_on_commit_callbacks(execute=True):
            upload = services.upload_create(owner=owner, data=data, filename="book.csv", **target)
        upload.refresh_from_db()
        return upload

    return run


@pytest.fixture
def no_batch(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(batch, "batch_task_installed", lambda: False)


def rows_csv(symbols: list[str], quantity: int = 10) -> bytes:
    return HEADER + b"".join(f"{s},{quantity},100,2025-03-03,,\n".encode() for s in symbols)


@pytest.mark.django_db
class TestProcessing:
    def test_a_valid_file_is_validated_enriched_and_ready(self, user, process):
        upload = process(user)

        assert upload.status == OnboardingStatus.READY and upload.progress_percent == 100
        assert (upload.rows_total, upload.rows_valid, upload.rows_invalid) == (7, 7, 0)
        assert upload.cash_balance == Decimal("25000.00")
        assert upload.errors == [] and len(upload.rows) == 6
        assert upload.enrichment["status"] == "succeeded", upload.enrichment
        # the file's symbols and the option underlying have bars now
        stored = set(PriceBar.objects.values_list("symbol", flat=True).distinct())
        assert {"AAPL", "MSFT", "JNJ", "TSLA", "AAPL  270115C00230000"} <= stored
        job = Job.objects.get(pk=upload.job_id)
        assert (job.status, job.owner_id, job.job_type) == (JobStatus.SUCCEEDED, user.pk, "portfolio_upload")
        assert job.result["rows_valid"] == 7
        # nothing is written to portfolios before complete
        assert not Portfolio.objects.filter(owner=user).exists()

    def test_invalid_rows_fail_with_the_report_and_write_nothing(self, user, process):
        upload = process(user, (CORPUS / "unknown_ticker.csv").read_bytes())

        assert upload.status == OnboardingStatus.FAILED
        assert [(e["row"], e["field"]) for e in upload.errors] == [(3, "ticker")]
        assert "ZZZZQ" in upload.errors[0]["message"]
        assert Job.objects.get(pk=upload.job_id).status == JobStatus.FAILED
        assert not PriceBar.objects.exists()  # no enrichment for a failed file

    @pytest.mark.parametrize(
        ("name", "status", "code"),
        [
            ("empty.csv", 400, "VALIDATION_ERROR"),
            ("header_only.csv", 400, "VALIDATION_ERROR"),
            ("missing_column.csv", 400, "VALIDATION_ERROR"),
            ("binary_garbage.bin", 400, "VALIDATION_ERROR"),
        ],
    )
    def test_unreadable_files_are_refused_at_once_and_nothing_is_stored(self, user, name, status, code):
        with pytest.raises(ApplicationError) as info:
            services.upload_create(owner=user, data=(CORPUS / name).read_bytes(), portfolio_name="x")

        assert (info.value.status_code, info.value.code) == (status, code)
        assert info.value.details["file"]
        assert not OnboardingUpload.objects.exists() and not Job.objects.exists()

    def test_a_crash_is_recorded_and_retry_processes_again(
        self, user, process, monkeypatch, django_capture_on_commit_callbacks
    ):
        real = processing.csv_validate

        def boom(**kwargs):  # type: ignore[no-untyped-def]
            raise RuntimeError("provider exploded")

        monkeypatch.setattr(processing, "csv_validate", boom)
        upload = process(user)
        assert upload.status == OnboardingStatus.FAILED
        assert "RuntimeError" in upload.failure_message and "retry" in upload.failure_message
        assert Job.objects.get(pk=upload.job_id).status == JobStatus.FAILED

        monkeypatch.setattr(processing, "csv_validate", real)
        with django_capture_on_commit_callbacks(execute=True):
            services.upload_retry(user=user, upload_id=upload.pk)
        upload.refresh_from_db()

        assert upload.status == OnboardingStatus.READY and upload.failure_message == ""

    def test_a_cancelled_job_is_not_processed(self, user, django_capture_on_commit_callbacks):
        from sigmasight.system.services import job_cancel

        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            upload = services.upload_create(owner=user, data=README, portfolio_name="x")
        job_cancel(job=upload.job)
        for callback in callbacks:
            callback()
        upload.refresh_from_db()

        assert upload.status == OnboardingStatus.FAILED and "cancelled" in upload.failure_message
        assert upload.rows == [] and Job.objects.get(pk=upload.job_id).status == JobStatus.CANCELLED

    def test_retry_of_a_ready_upload_reruns_the_sync(self, user, process, django_capture_on_commit_callbacks):
        upload = process(user)
        first_job = upload.job_id
        PriceBar.objects.filter(symbol="MSFT").delete()

        with django_capture_on_commit_callbacks(execute=True):
            services.upload_retry(user=user, upload_id=upload.pk)
        upload.refresh_from_db()

        assert upload.status == OnboardingStatus.READY and upload.job_id != first_job
        assert PriceBar.objects.filter(symbol="MSFT").count() > 60

    def test_retry_of_invalid_rows_is_a_400_with_the_rows(self, user, process):
        upload = process(user, (CORPUS / "zero_quantity.csv").read_bytes())

        with pytest.raises(ApplicationError) as info:
            services.upload_retry(user=user, upload_id=upload.pk)

        assert info.value.details["rows"][0]["field"] == "quantity"

    def test_another_users_upload_is_not_found(self, user, other_user):
        upload = OnboardingUploadFactory(owner=other_user)

        for call in (selectors.upload_get, services.upload_complete, services.upload_retry):
            with pytest.raises(NotFound):
                call(user=user, upload_id=upload.pk)

    def test_reimport_target_must_be_yours(self, user, other_user):
        theirs = PortfolioFactory(owner=other_user)

        with pytest.raises(NotFound):
            services.upload_create(owner=user, data=README, portfolio_id=theirs.pk)


@pytest.mark.django_db
class TestComplete:
    def test_creates_portfolio_tags_positions_and_cash_and_queues_the_batch(
        self, user, process, django_capture_on_commit_callbacks
    ):
        from analytics.models import BatchRun

        upload = process(user)

        with django_capture_on_commit_callbacks() as callbacks:
            upload = services.upload_complete(user=user, upload_id=upload.pk)
        for callback in callbacks:  # the commit: the batch task records the run (and queues it)
            callback()

        portfolio = Portfolio.objects.get(owner=user)
        assert (portfolio.name, portfolio.cash_balance) == ("My Book", Decimal("25000.00"))
        assert (upload.status, upload.portfolio_id) == (OnboardingStatus.COMPLETED, portfolio.pk)
        assert (upload.positions_created, upload.positions_updated) == (6, 0)
        positions = {
            p.symbol: p for p in Position.objects.filter(portfolio=portfolio).prefetch_related("tags")
        }
        assert {s: p.position_type for s, p in positions.items()} == {
            "AAPL": "LONG",
            "MSFT": "LONG",
            "JNJ": "LONG",
            "TSLA": "SHORT",
            "AAPL  270115C00230000": "LC",
            "AAPL  270115C00250000": "SC",
        }
        assert positions["TSLA"].quantity == Decimal("-30")
        assert sorted(t.name for t in positions["AAPL"].tags.all()) == ["Core Holdings", "Tech Growth"]
        types = dict(Tag.objects.filter(owner=user).values_list("name", "tag_type"))
        assert types == {
            "Core Holdings": TagType.REGULAR,
            "Tech Growth": TagType.REGULAR,
            "Defensive": TagType.REGULAR,
            "Hedges": TagType.REGULAR,
            "AAPL bull call spread": TagType.STRATEGY,
        }
        # the first batch run: queued for this portfolio, its Job visible to the user
        run = BatchRun.objects.get(job_id=upload.batch_job_id)
        assert run.portfolio_ids == [str(portfolio.pk)] and run.trigger == "onboarding"
        job = Job.objects.get(pk=upload.batch_job_id)
        assert (job.status, job.owner_id) == (JobStatus.QUEUED, user.pk)
        assert upload.batch_note == "queued"

    def test_without_the_batch_task_the_import_stands(self, user, process, no_batch):
        upload = process(user)

        upload = services.upload_complete(user=user, upload_id=upload.pk)

        assert upload.status == OnboardingStatus.COMPLETED and upload.batch_job_id is None
        assert upload.batch_note.startswith("batch not queued")
        assert Position.objects.filter(portfolio__owner=user).count() == 6

    def test_a_failing_batch_task_does_not_undo_the_import(
        self, user, process, monkeypatch, django_capture_on_commit_callbacks
    ):
        class Failing:
            def apply_async(self):  # type: ignore[no-untyped-def]
                from celery.result import EagerResult

                return EagerResult("x", RuntimeError("no broker"), "FAILURE")

        monkeypatch.setattr(batch, "batch_signature", lambda kwargs: Failing())
        upload = process(user)

        with django_capture_on_commit_callbacks(execute=True):
            upload = services.upload_complete(user=user, upload_id=upload.pk)
        batch_job_id = upload.batch_job_id
        upload.refresh_from_db()

        assert upload.batch_job_id is None and "RuntimeError" in upload.batch_note
        assert Position.objects.filter(portfolio__owner=user).count() == 6
        job = Job.objects.get(pk=batch_job_id)
        assert job.status == JobStatus.FAILED and "RuntimeError" in job.error

    def test_a_failed_complete_leaves_no_partial_portfolio(self, user, process, monkeypatch, no_batch):
        upload = process(user)

        def broken_bulk_update(*args, **kwargs):  # type: ignore[no-untyped-def]
            raise RuntimeError("disk full")

        # the failure comes after the portfolio, the tags and the positions were inserted
        monkeypatch.setattr(Position.tags.through.objects, "bulk_create", broken_bulk_update)
        with pytest.raises(RuntimeError):
            services.upload_complete(user=user, upload_id=upload.pk)

        assert not Portfolio.objects.filter(owner=user).exists()
        assert not Position.objects.exists() and not Tag.objects.exists()
        upload.refresh_from_db()
        assert upload.status == OnboardingStatus.READY  # it can be completed once the problem is fixed

    def test_completing_twice_is_a_conflict(self, user, process, no_batch):
        upload = process(user)
        services.upload_complete(user=user, upload_id=upload.pk)

        with pytest.raises(Conflict):
            services.upload_complete(user=user, upload_id=upload.pk)
        assert Portfolio.objects.filter(owner=user).count() == 1

    def test_an_upload_not_yet_processed_cannot_be_completed(self, user):
        upload = OnboardingUploadFactory(owner=user, status=OnboardingStatus.QUEUED)

        with pytest.raises(Conflict, match="not ready"):
            services.upload_complete(user=user, upload_id=upload.pk)

    def test_a_failed_upload_is_a_400_with_the_rows(self, user, process):
        upload = process(user, (CORPUS / "negative_price.csv").read_bytes())

        with pytest.raises(ApplicationError) as info:
            services.upload_complete(user=user, upload_id=upload.pk)

        assert info.value.code == "VALIDATION_ERROR" and info.value.details["rows"][0]["row"] == 2
        assert not Portfolio.objects.filter(owner=user).exists()

    def test_rows_are_checked_again_when_written(self, user, no_batch):
        future = dt.date.today() + dt.timedelta(days=30)
        row = ParsedRow.from_json(OnboardingUploadFactory.build().rows[0])
        row.fields["entry_date"] = future
        upload = OnboardingUploadFactory(owner=user, rows=[row.to_json()])

        with pytest.raises(ApplicationError) as info:
            services.upload_complete(user=user, upload_id=upload.pk)

        assert info.value.details["rows"] == [
            {"row": 2, "field": "entry_date", "message": info.value.details["rows"][0]["message"]}
        ]
        assert not Portfolio.objects.filter(owner=user).exists()


@pytest.mark.django_db
class TestReimport:
    def test_rows_keyed_on_symbol_and_entry_date_update_never_duplicate(self, user, process, no_batch):
        portfolio = PortfolioFactory(owner=user, name="Existing", cash_balance=Decimal("5"))
        kept = PositionFactory(portfolio=portfolio, symbol="XOM", entry_date=dt.date(2024, 1, 8))
        old = PositionFactory(
            portfolio=portfolio, symbol="AAPL", quantity=Decimal("1"), entry_date=dt.date(2025, 3, 3)
        )
        data = README.replace(b"AAPL,100,253.40", b"AAPL,150,250.00")

        upload = process(user, data, portfolio_id=portfolio.pk)
        upload = services.upload_complete(user=user, upload_id=upload.pk)

        assert (upload.positions_created, upload.positions_updated) == (5, 1)
        old.refresh_from_db()
        assert (old.quantity, old.entry_price) == (Decimal("150"), Decimal("250.00"))
        assert sorted(t.name for t in old.tags.all()) == ["Core Holdings", "Tech Growth"]
        assert Position.objects.filter(portfolio=portfolio, symbol="AAPL").count() == 1
        assert Position.objects.filter(pk=kept.pk).exists()  # lots not in the file are left alone
        portfolio.refresh_from_db()
        assert (portfolio.name, portfolio.cash_balance) == ("Existing", Decimal("25000.00"))

        # the same file again: everything updated, nothing created
        again = process(user, data, portfolio_id=portfolio.pk)
        again = services.upload_complete(user=user, upload_id=again.pk)

        assert (again.positions_created, again.positions_updated) == (0, 6)
        assert Position.objects.filter(portfolio=portfolio).count() == 7
        assert Portfolio.objects.filter(owner=user).count() == 1

    def test_a_row_without_tags_keeps_the_lots_tags(self, user, no_batch):
        portfolio = PortfolioFactory(owner=user)
        data = b"ticker,quantity,entry_price,entry_date,tags\nAAPL,1,150,2025-03-03,Core\n"
        outcome = portfolio_import(owner=user, data=data, portfolio_id=portfolio.pk)
        assert outcome.created == 1

        portfolio_import(owner=user, data=data.replace(b",Core", b","), portfolio_id=portfolio.pk)

        position = Position.objects.get(portfolio=portfolio)
        assert [t.name for t in position.tags.all()] == ["Core"]


@pytest.mark.django_db
class TestReadsAndQueryCounts:
    def test_preview_groups_the_spread_and_prices_from_stored_closes(self, user, process):
        upload = process(user)

        preview = upload_preview(upload=upload)

        assert [p["price_source"] for p in preview["positions"]] == ["close"] * 6
        spread = preview["option_legs"]
        assert len(spread) == 1 and spread[0]["underlying_symbol"] == "AAPL"
        assert [leg["position_type"] for leg in spread[0]["legs"]] == ["LC", "SC"]
        assert spread[0]["strategies"] == ["AAPL bull call spread"]
        tsla = next(p for p in preview["positions"] if p["symbol"] == "TSLA")
        assert tsla["market_value"] == pytest.approx(-30 * tsla["price"], abs=0.01)
        summary = preview["summary"]
        assert summary["short_value"] < 0 < summary["long_value"]
        assert summary["total_value"] == pytest.approx(summary["net_exposure"] + 25000, abs=0.01)

    def test_readiness_reports_each_missing_thing(self, user, process):
        upload = process(user)
        assert upload_readiness(upload=upload)["ready"] is True

        PriceBar.objects.filter(symbol="JNJ").delete()
        PriceBar.objects.filter(symbol="MSFT", date__lt=dt.date(2026, 10, 1)).delete()
        report = upload_readiness(upload=upload)

        assert report["ready"] is False
        failed = {c["name"] for c in report["checks"] if not c["passed"]}
        assert failed == {"prices", "history"}
        assert report["missing"]["prices"] == ["JNJ"]
        assert {h["symbol"] for h in report["missing"]["history"]} == {"JNJ", "MSFT"}

    def test_an_option_is_priced_through_its_underlying(self, user, process):
        upload = process(user)
        PriceBar.objects.filter(symbol__startswith="AAPL ").delete()

        assert upload_readiness(upload=upload)["ready"] is True

        PriceBar.objects.filter(symbol="AAPL").delete()
        report = upload_readiness(upload=upload)
        assert report["missing"]["option_underlyings"] == ["AAPL"]
        assert "AAPL  270115C00230000" in report["missing"]["prices"]

    def _upload(self, user, n: int) -> OnboardingUpload:  # type: ignore[no-untyped-def]
        result = parse_csv(rows_csv(UNIVERSE[:n]), today=dt.date(2026, 11, 24))
        return OnboardingUploadFactory(
            owner=user, rows=[r.to_json() for r in result.rows], rows_total=n, rows_valid=n
        )

    def test_complete_queries_do_not_grow_with_the_positions(self, user, other_user, no_batch):
        counts = []
        for owner, n in ((user, 10), (other_user, 60)):
            upload = self._upload(owner, n)
            with CaptureQueriesContext(connection) as ctx:
                services.upload_complete(user=owner, upload_id=upload.pk)
            counts.append(len(ctx.captured_queries))
            assert Position.objects.filter(portfolio__owner=owner).count() == n

        assert counts[0] == counts[1]

    def test_preview_and_readiness_queries_do_not_grow(self, user, other_user, monkeypatch):
        monkeypatch.setattr(prices, "symbol_prices", _no_quotes(prices.symbol_prices))
        counts = []
        for owner, n in ((user, 10), (other_user, 60)):
            upload = self._upload(owner, n)
            with CaptureQueriesContext(connection) as ctx:
                upload_preview(upload=upload)
                upload_readiness(upload=upload)
            counts.append(len(ctx.captured_queries))

        assert counts[0] == counts[1]


def _no_quotes(real):  # type: ignore[no-untyped-def]
    def wrapped(**kwargs):  # type: ignore[no-untyped-def]
        return real(**{**kwargs, "quote_missing": False})

    return wrapped
