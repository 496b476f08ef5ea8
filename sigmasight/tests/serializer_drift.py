"""A test helper that catches output serializers changing what a view hands them.

The API views pass the selectors' dicts through their declared output serializers
(``Response(XSerializer(data).data)``), so a response always has the documented shape. A serializer
that lags behind its selector would silently *drop* a key (a field not declared), *add* one (a
declared field with a default) or *change* a value (``FloatField`` turning ``5`` into ``5.0``,
``IntegerField`` truncating ``2.5``, a date format). :func:`serializers_keep_output` records every
(non-model) serializer run while it is active and lists those differences, comparing the JSON the
renderer would write for the input and for the output, key order aside.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from rest_framework import serializers

from sigmasight.api.renderers import APIJSONEncoder


def rendered(value: Any) -> str | None:
    """The JSON the API renderer writes for ``value``, keys sorted (order is not part of the contract);
    None for a value the renderer cannot write (a model instance, which a nested serializer turns
    into JSON: it is not compared)."""
    try:
        return json.dumps(value, cls=APIJSONEncoder, sort_keys=True, ensure_ascii=False)
    except TypeError:
        return None


@dataclass
class Drift:
    """Differences found while :func:`serializers_keep_output` was active."""

    problems: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def report(self) -> str:
        unique = list(dict.fromkeys(self.problems))
        return "\n".join(unique[:40]) + (f"\n... and {len(unique) - 40} more" if len(unique) > 40 else "")


def compare(name: str, given: Mapping[str, Any], output: Mapping[str, Any]) -> list[str]:
    """What ``name`` dropped, added or changed when serializing ``given`` to ``output``."""
    problems = []
    for key in given:
        if key not in output:
            problems.append(f"{name} drops {key!r} (declare it: a field is never removed from a response)")
    for key in output:
        if key not in given:
            problems.append(f"{name} adds {key!r} (not in the data it was given)")
        else:
            before, after = rendered(given[key]), rendered(output[key])
            if before is not None and before != after:
                problems.append(f"{name}.{key} changes {before[:120]} -> {str(after)[:120]}")
    return problems


@contextmanager
def serializers_keep_output() -> Iterator[Drift]:
    """Within the block, every serializer given a mapping must output the same JSON (see module)."""
    drift = Drift()
    original = serializers.Serializer.to_representation

    def checked(self: serializers.Serializer, instance: Any) -> Any:
        output = original(self, instance)
        if isinstance(instance, Mapping):
            drift.problems.extend(compare(type(self).__name__, instance, output))
        return output

    with mock.patch.object(serializers.Serializer, "to_representation", checked):
        yield drift
