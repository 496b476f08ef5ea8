"""Helpers of the output serializers, through which every JSON response passes.

* :func:`optional`: a field the data has only sometimes. DRF writes ``null`` for a nullable field
  whose key is absent; this one is left out, as the selector left it out.
* :func:`reordered`: the fields in the order of the selector's payload when a subclass adds fields
  that do not go last (DRF puts a base class's fields first).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, TypeVar

from rest_framework import fields as drf_fields

F = TypeVar("F", bound=drf_fields.Field)


class OmittedWhenAbsent:
    """Mixin of a field: no key in the output when the mapping being serialized has none."""

    source_attrs: list[str]

    def get_attribute(self, instance: Any) -> Any:
        if isinstance(instance, Mapping) and self.source_attrs and self.source_attrs[0] not in instance:
            raise drf_fields.SkipField()
        return super().get_attribute(instance)  # type: ignore[misc]


@functools.cache
def _optional_class(field_class: type[F]) -> type[F]:
    return type(f"Optional{field_class.__name__}", (OmittedWhenAbsent, field_class), {})


def optional(field_class: type[F], **kwargs: Any) -> F:
    """A ``field_class(required=False, **kwargs)`` left out of the output when its key is absent
    (not required in the schema); ``allow_null=True`` still writes a present ``None`` as null."""
    return _optional_class(field_class)(required=False, **kwargs)


def reordered(fields: dict[str, drf_fields.Field], *first: str) -> dict[str, drf_fields.Field]:
    """``fields`` with ``first`` (each a field name) leading in that order, then the others as declared."""
    missing = [name for name in first if name not in fields]
    if missing:
        raise KeyError(f"reordered: no field(s) {missing}")
    return {**{name: fields[name] for name in first}, **fields}
