"""The one date policy of request parameters (docs/api-conventions.md "Dates").

A date a client asks about (``as_of_date``, ``start_date``, ``end_date``, ``since``, in a query string
or a request body) lies in :data:`EARLIEST_QUERY_DATE` .. one year after today (UTC). Outside that
range the serializer answers 400 ``VALIDATION_ERROR`` naming the field, before any calendar or
date arithmetic sees the value (year 1 overflowed the attribution window; dates outside the trading
calendar raised in the data-quality count). Inside the range, a date before the stored history
(the provider's first bar) is answered by the endpoint itself: 422 ``INSUFFICIENT_DATA`` or empty
series, never a 500.

Entry and exit dates of positions follow their own rule (``portfolios.validation``: from
1970-01-01, not in the future); option expirations are contract terms, not query dates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from rest_framework import serializers

#: The earliest date a request may ask about. The trading calendar (marketdata.providers.calendar)
#: starts in 1990, which leaves ten years of sessions for the lookbacks (at most 1,260 sessions)
#: before this date.
EARLIEST_QUERY_DATE = dt.date(2000, 1, 1)


def latest_query_date(today: dt.date | None = None) -> dt.date:
    """One year after ``today`` (default: today in UTC); 29 February maps to 28 February."""
    day = today or timezone.localdate()
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def _range_message() -> str:
    return f"Must be between {EARLIEST_QUERY_DATE} and {latest_query_date()} (one year after today)."


def check_policy_date(value: dt.date) -> dt.date:
    """``value`` when inside the policy range; else a field ``ValidationError``."""
    if not EARLIEST_QUERY_DATE <= value <= latest_query_date():
        raise serializers.ValidationError(_range_message(), code="date_out_of_range")
    return value


class PolicyDateField(serializers.DateField):
    """A ``YYYY-MM-DD`` date inside the request date policy (out of range: 400 naming the field)."""

    def to_internal_value(self, value: Any) -> dt.date:
        return check_policy_date(super().to_internal_value(value))


class PolicyDateTimeField(serializers.DateTimeField):
    """An ISO 8601 timestamp whose (UTC) date is inside the request date policy."""

    def to_internal_value(self, value: Any) -> dt.datetime:
        try:
            parsed = super().to_internal_value(value)
        except serializers.ValidationError as exc:
            if "overflow" in str(getattr(exc, "get_codes", lambda: "")()):  # year 1 in a far zone
                raise serializers.ValidationError(_range_message(), code="date_out_of_range") from exc
            raise
        day = parsed.astimezone(dt.UTC).date() if timezone.is_aware(parsed) else parsed.date()
        check_policy_date(day)
        return parsed
