"""Query-parameter pieces shared by the portfolio-scoped /data and /analytics views."""

from __future__ import annotations

from rest_framework import serializers

from sigmasight.api.params import StrictQuerySerializer


class AsOfQuery(StrictQuerySerializer):
    """An optional as_of_date (YYYY-MM-DD); default = the latest stored result. Subclass it to add
    parameters; unknown parameters are rejected."""

    as_of_date = serializers.DateField(required=False)
