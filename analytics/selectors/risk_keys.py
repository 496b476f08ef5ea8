"""How engine 7 keys the VaR entries of ``RiskMetrics.metrics`` (written by
``analytics.services.var``, read by ``analytics.selectors.risk`` and validated by the /var query).

``metrics["var"][method][horizon_key(h)][confidence_key(c)]``: methods :data:`VAR_METHODS`,
horizons :data:`HORIZONS` (trading days: ``h1``, ``h10``), confidences the keys of
:data:`CONFIDENCE_KEYS` (``c95``, ``c975``, ``c99``).
"""

from __future__ import annotations

from analytics.engines.conventions import VAR_HORIZONS

__all__ = [
    "CONFIDENCE_KEYS",
    "HORIZONS",
    "VAR_METHODS",
    "confidence_key",
    "horizon_key",
]

VAR_METHODS: tuple[str, ...] = ("historical", "parametric", "monte_carlo")
HORIZONS: tuple[int, ...] = VAR_HORIZONS
#: JSON keys of the confidences (never digit-only: JSON key lookups treat those as array indexes).
CONFIDENCE_KEYS: dict[float, str] = {0.95: "c95", 0.975: "c975", 0.99: "c99"}


def confidence_key(confidence: float) -> str:
    """The key of the nearest stored confidence (0.95 -> ``c95``)."""
    return CONFIDENCE_KEYS[min(CONFIDENCE_KEYS, key=lambda c: abs(c - confidence))]


def horizon_key(horizon_days: int) -> str:
    """The key of a horizon in trading days (10 -> ``h10``)."""
    return f"h{int(horizon_days)}"
