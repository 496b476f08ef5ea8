"""What a batch engine step returns (imported by every step service; imports nothing of the batch,
so the registry can import the steps without a cycle)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class EngineResult:
    """What an engine did: counts, per-portfolio failures (id -> message), and data-quality notes."""

    counts: dict[str, int] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)
