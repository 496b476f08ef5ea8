"""Writing parsed rows into a portfolio (``complete`` and the one-shot import): lots keyed on
(symbol, entry_date) are created or updated, never duplicated; tags and cash; all in bulk."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from portfolios import selectors, services
from portfolios.csv_import.results import ParsedRow, RowIssue, issues_as_dicts
from portfolios.models import Portfolio, Position
from portfolios.onboarding.batch import batch_queue
from portfolios.onboarding.validation import csv_table_read, csv_validate, rows_invalid_error, target_check
from portfolios.validation import PositionInvalid, position_clean
from sigmasight.api.exceptions import ApplicationError
from sigmasight.api.response_cache import responses_invalidate

#: What a CSV row writes on a lot: the position fields but the implied volatility (not in the
#: file: a re-import keeps a lot's), and the derived ones.
_POSITION_WRITE_FIELDS = (
    *(f for f in services.POSITION_FIELDS if f != "implied_volatility"),
    *services.DERIVED_FIELDS,
)


@dataclass
class ImportOutcome:
    """What an import wrote, and the first batch run queued for the portfolio."""

    portfolio: Portfolio
    created: int
    updated: int
    warnings: list[RowIssue] = field(default_factory=list)
    batch_job_id: uuid.UUID | None = None
    batch_note: str = ""


def portfolio_import(
    *, owner: Any, data: bytes, portfolio_id: uuid.UUID | None = None, name: str | None = None
) -> ImportOutcome:
    """The one-shot CSV import: the same parser and rules as onboarding, in one request. Any
    invalid row -> 400 with ``details.rows`` and nothing written. The first batch run's Job is
    created in the same transaction, its task sent after commit (:func:`.batch.batch_queue`)."""
    target_check(portfolio_name=name, portfolio_id=portfolio_id)
    if portfolio_id is not None:
        selectors.portfolio_get(user=owner, portfolio_id=portfolio_id)  # 404 before reading the file
    result = csv_validate(table=csv_table_read(data=data))
    if not result.ok:
        raise rows_invalid_error(issues_as_dicts(result.errors), result.rows_total)
    with transaction.atomic():
        outcome = rows_import(
            owner=owner,
            portfolio_id=portfolio_id,
            name=name or "",
            rows=result.rows,
            cash_balance=result.cash_balance,
        )
        outcome.warnings = result.warnings
        outcome.batch_job_id, outcome.batch_note = batch_queue(owner=owner, portfolio_id=outcome.portfolio.pk)
    return outcome


@transaction.atomic
def rows_import(
    *,
    owner: Any,
    portfolio_id: uuid.UUID | None,
    name: str,
    rows: list[ParsedRow],
    cash_balance: Decimal | None,
) -> ImportOutcome:
    """Creates or updates the lots keyed (symbol, entry_date), their tags and the cash, atomically.

    A constant number of queries whatever the number of rows (bulk writes)."""
    today = timezone.localdate()
    if portfolio_id is not None:
        owned = selectors.portfolio_get(user=owner, portfolio_id=portfolio_id)  # 404 if not the owner's
        portfolio = Portfolio.objects.select_for_update().get(pk=owned.pk)
    else:
        portfolio = services.portfolio_create(owner=owner, name=name)
    values = {row.row: _clean(row, today) for row in rows}
    existing: dict[tuple[str, dt.date], Position] = {}
    for position in Position.objects.filter(
        portfolio=portfolio, symbol__in={row.symbol for row in rows}
    ).order_by("created_at", "id"):
        existing.setdefault((position.symbol, position.entry_date), position)

    tags = {
        tag.name: tag
        for tag in services.tags_get_or_create(
            owner=owner,
            names=[t for row in rows for t in row.tags],
            strategy=[s for row in rows for s in row.strategies],
        )
    }
    now = timezone.now()
    created: list[Position] = []
    updated: list[Position] = []
    for row in rows:
        fields = values[row.row]
        position = existing.get((fields["symbol"], fields["entry_date"]))
        if position is None:
            position = Position(portfolio=portfolio, **{f: fields[f] for f in _POSITION_WRITE_FIELDS})
            created.append(position)
        else:
            for name_ in _POSITION_WRITE_FIELDS:
                setattr(position, name_, fields[name_])
            position.updated_at = now
            updated.append(position)
    Position.objects.bulk_create(created)
    if updated:
        Position.objects.bulk_update(updated, [*_POSITION_WRITE_FIELDS, "updated_at"])

    links = []
    retagged = []
    for row, position in zip(rows, _in_row_order(rows, created, updated, values), strict=True):
        names = [*row.tags, *row.strategies]
        if not names:
            continue
        retagged.append(position.pk)
        links.extend(
            Position.tags.through(position_id=position.pk, tag_id=tags[n].pk) for n in dict.fromkeys(names)
        )
    if retagged:
        Position.tags.through.objects.filter(position_id__in=retagged).delete()
        Position.tags.through.objects.bulk_create(links, ignore_conflicts=True)
    if cash_balance is not None:
        portfolio.cash_balance = cash_balance
        portfolio.save(update_fields=["cash_balance", "updated_at"])
    # the bulk writes above send no signals
    responses_invalidate(portfolio_ids=[portfolio.pk], user_ids=[portfolio.owner_id])
    return ImportOutcome(portfolio=portfolio, created=len(created), updated=len(updated))


def _in_row_order(
    rows: list[ParsedRow], created: list[Position], updated: list[Position], values: dict[int, dict[str, Any]]
) -> list[Position]:
    """The written position of each row (rows have unique keys: the parser rejects duplicates)."""
    by_key = {(p.symbol, p.entry_date): p for p in [*created, *updated]}
    return [by_key[(values[r.row]["symbol"], values[r.row]["entry_date"])] for r in rows]


def _clean(row: ParsedRow, today: dt.date) -> dict[str, Any]:
    """The row re-checked by the position rules at write time (a stored upload may be older than
    the rules or the date); a 400 with the row report otherwise, and the transaction rolls back."""
    data = {name: row.fields.get(name) for name in services.POSITION_FIELDS}
    try:
        return position_clean(data, today=today)
    except PositionInvalid as exc:
        issues = [
            {
                "row": row.row,
                "field": "ticker" if name in ("symbol", *_OCC_FIELDS) else name,
                "message": message,
            }
            for name, messages in exc.errors.items()
            for message in messages
        ]
        raise ApplicationError(
            f"Row {row.row} is no longer valid; nothing was imported.", details={"rows": issues}
        ) from None


_OCC_FIELDS = ("underlying_symbol", "option_type", "strike_price", "expiration_date")
