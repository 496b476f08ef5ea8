"""Query-parameter validation shared by every endpoint (API.md: unknown or bad values -> 400)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.request import Request

#: Parameters every endpoint accepts without declaring them.
GLOBAL_PARAMS: frozenset[str] = frozenset()


class StrictQuerySerializer(serializers.Serializer):
    """An input serializer for query params that rejects unknown parameters by name."""

    allowed_extra: frozenset[str] = frozenset()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(self.initial_data) - set(self.fields) - GLOBAL_PARAMS - self.allowed_extra)
        if unknown:
            raise serializers.ValidationError({name: ["Unknown query parameter."] for name in unknown})
        return attrs


def parse_query(
    serializer_class: type[serializers.Serializer], request: Request, **context: Any
) -> dict[str, Any]:
    """Validates ``request.query_params`` with ``serializer_class``; raises the 400 envelope on errors."""
    serializer = serializer_class(data=request.query_params.dict(), context={"request": request, **context})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
