"""The one pagination class: ``?limit=`` (default 50, max 500) and ``?offset=``, validated (400)."""

from __future__ import annotations

from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    default_limit = 50
    max_limit = 500

    def get_limit(self, request):  # type: ignore[no-untyped-def]
        raw = request.query_params.get(self.limit_query_param)
        if raw is None:
            return self.default_limit
        try:
            value = int(raw)
        except ValueError:
            raise ValidationError({"limit": ["Must be an integer."]}) from None
        if not 1 <= value <= self.max_limit:
            raise ValidationError({"limit": [f"Must be between 1 and {self.max_limit}."]})
        return value

    def get_offset(self, request):  # type: ignore[no-untyped-def]
        raw = request.query_params.get(self.offset_query_param)
        if raw is None:
            return 0
        try:
            value = int(raw)
        except ValueError:
            raise ValidationError({"offset": ["Must be an integer."]}) from None
        if value < 0:
            raise ValidationError({"offset": ["Must be 0 or more."]})
        return value
