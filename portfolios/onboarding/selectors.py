"""Reads of an upload, always the requester's own: the upload, its status, its validation report."""

from __future__ import annotations

import uuid
from typing import Any

from portfolios.csv_import.results import ParsedRow
from portfolios.onboarding.models import OnboardingStatus, OnboardingUpload
from sigmasight.api.exceptions import Conflict, NotFound

_PROCESSED = frozenset(
    {OnboardingStatus.ENRICHING, OnboardingStatus.READY, OnboardingStatus.FAILED, OnboardingStatus.COMPLETED}
)


def upload_get(*, user: Any, upload_id: uuid.UUID | str) -> OnboardingUpload:
    """One of the user's uploads, else 404 (another user's upload is indistinguishable from none)."""
    upload = OnboardingUpload.objects.filter(owner=user, pk=upload_id).select_related("job").first()
    if upload is None:
        raise NotFound("Upload not found.")
    return upload


def upload_rows(upload: OnboardingUpload) -> list[ParsedRow]:
    """The stored valid rows."""
    return [ParsedRow.from_json(row) for row in upload.rows]


def upload_require_processed(upload: OnboardingUpload) -> None:
    """409 while the rows have not been validated yet (queued or validating)."""
    if upload.status not in _PROCESSED:
        raise Conflict(
            f"The upload is still being validated ({upload.status}); poll its status and ask again.",
            details={"status": [str(upload.status)]},
        )


def upload_status(*, user: Any, upload_id: uuid.UUID | str) -> dict[str, Any]:
    """The upload's status, progress, counts, enrichment summary and import outcome."""
    upload = upload_get(user=user, upload_id=upload_id)
    enrichment = upload.enrichment or {}
    return {
        "upload_id": upload.pk,
        "status": upload.status,
        "progress_percent": upload.progress_percent,
        "job_id": upload.job_id,
        "filename": upload.filename,
        "portfolio_id": upload.portfolio_id,
        "portfolio_name": upload.portfolio_name,
        "is_reimport": upload.is_reimport,
        "rows_total": upload.rows_total,
        "rows_valid": upload.rows_valid,
        "rows_invalid": upload.rows_invalid,
        "enrichment": {
            "status": enrichment.get("status", "pending"),
            "as_of_date": enrichment.get("as_of_date"),
            "provider": enrichment.get("provider"),
            "symbols": enrichment.get("symbols", 0),
            "failures": [
                {"symbol": s, "reason": r} for s, r in sorted((enrichment.get("failures") or {}).items())
            ],
        },
        "failure_message": upload.failure_message or None,
        "positions_created": upload.positions_created,
        "positions_updated": upload.positions_updated,
        "batch_job_id": upload.batch_job_id,
        "batch_note": upload.batch_note or None,
        "created_at": upload.created_at,
        "updated_at": upload.updated_at,
        "completed_at": upload.completed_at,
    }


def upload_results(*, user: Any, upload_id: uuid.UUID | str) -> dict[str, Any]:
    """The validation report: counts, errors, warnings and the valid rows as parsed (409 before)."""
    upload = upload_get(user=user, upload_id=upload_id)
    upload_require_processed(upload)
    return {
        "upload_id": upload.pk,
        "status": upload.status,
        "rows_total": upload.rows_total,
        "rows_valid": upload.rows_valid,
        "rows_invalid": upload.rows_invalid,
        "cash_balance": upload.cash_balance,
        "errors": upload.errors,
        "warnings": upload.warnings,
        "positions": [parsed_position(row) for row in upload_rows(upload)],
    }


def parsed_position(row: ParsedRow) -> dict[str, Any]:
    """A parsed row as the API shows it (model values; blank option fields as None)."""
    f = row.fields
    return {
        "row": row.row,
        "symbol": row.symbol,
        "position_type": f["position_type"],
        "quantity": f["quantity"],
        "multiplier": f["multiplier"],
        "entry_price": f["entry_price"],
        "entry_date": f["entry_date"],
        "exit_price": f.get("exit_price"),
        "exit_date": f.get("exit_date"),
        "underlying_symbol": f.get("underlying_symbol") or None,
        "option_type": f.get("option_type") or None,
        "strike_price": f.get("strike_price"),
        "expiration_date": f.get("expiration_date"),
        "tags": row.tags,
        "strategy": row.strategies,
    }
