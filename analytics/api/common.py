"""Query-parameter pieces shared by the portfolio-scoped /data and /analytics views."""

from __future__ import annotations

from rest_framework import serializers


class AsOfQuery(serializers.Serializer):
    """Mixin field: an optional as_of_date (YYYY-MM-DD); default = the latest stored result."""

    as_of_date = serializers.DateField(required=False)
