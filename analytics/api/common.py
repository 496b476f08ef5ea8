"""Pieces shared by the portfolio-scoped /data, /analytics and /management views: query
parameters and the documented error responses."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from sigmasight.api.dates import PolicyDateField
from sigmasight.api.params import StrictQuerySerializer
from sigmasight.api.schema import ErrorEnvelopeSerializer

_ERRORS = {
    400: "VALIDATION_ERROR: `details` maps each invalid or unknown query parameter to its messages.",
    401: "NOT_AUTHENTICATED or AUTHENTICATION_FAILED: no valid Bearer access token.",
    404: "NOT_FOUND: no such portfolio (or position) among yours (another user's answers the same).",
    422: "INSUFFICIENT_DATA: the batch has not valued this portfolio yet; `details` says what is missing "
    "and how to produce it.",
}


def errors_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The error responses (401 and ``codes``) of a portfolio-scoped endpoint, for the schema."""
    return {
        code: OpenApiResponse(ErrorEnvelopeSerializer, description=_ERRORS[code]) for code in (401, *codes)
    }


class AsOfQuery(StrictQuerySerializer):
    """An optional as_of_date (YYYY-MM-DD); default = the latest stored result. Subclass it to add
    parameters; unknown parameters are rejected."""

    as_of_date = PolicyDateField(required=False)


#: Query parameters of the paginated /management lists (``limit``/``offset``).
PAGINATION_PARAMS = frozenset({"limit", "offset"})


class PortfolioScopedQuery(StrictQuerySerializer):
    """An optional portfolio_id of the user's (another user's answers 404) and the pagination
    parameters; subclass it to add filters."""

    allowed_extra = PAGINATION_PARAMS

    portfolio_id = serializers.UUIDField(
        required=False, help_text="Only this portfolio of yours (another user's id answers 404)."
    )
