"""Serializer fields shared by the /management serializers."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from portfolios.validation import TAG_NAME_MAX_LENGTH, tag_color_clean, tag_name_clean


class BlankAsNullMixin:
    """Renders a stored empty string as ``null`` (e.g. a stock's ``option_type``)."""

    def to_representation(self, value: Any) -> Any:
        return None if value == "" else super().to_representation(value)  # type: ignore[misc]


class NullableCharField(BlankAsNullMixin, serializers.CharField):
    pass


class NullableChoiceField(BlankAsNullMixin, serializers.ChoiceField):
    pass


class TagNameField(serializers.CharField):
    """A tag name: trimmed, 1-100 characters, no comma."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", TAG_NAME_MAX_LENGTH)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        try:
            return tag_name_clean(super().to_internal_value(data))
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None


class ColorField(serializers.CharField):
    """``#RRGGBB`` (stored upper-case) or "" for none."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 7)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        try:
            return tag_color_clean(super().to_internal_value(data))
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None
