"""Chart.js payloads for the console's canvases (drawn by unfold's bundled Chart.js, no CDN).

Interface code: it lays out values the selectors computed (labels and one or two series); no
arithmetic. Colours are unfold's CSS variables, resolved in the browser.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

PRIMARY = "var(--color-primary-600)"
DANGER = "#dc2626"
MUTED = "var(--color-base-400)"


def chart_json(
    labels: Sequence[Any],
    series: Sequence[tuple[str, Sequence[float | None], str | Sequence[str]]],
    *,
    suffix: str | None = None,
) -> str:
    """``{"labels": [...], "datasets": [{"label", "data", "backgroundColor", "borderColor"}]}`` as
    JSON for ``data-value``; the first series carries the y-axis display (and its ``suffix``)."""
    datasets: list[dict[str, Any]] = []
    for index, (label, data, color) in enumerate(series):
        item: dict[str, Any] = {
            "label": label,
            "data": list(data),
            "backgroundColor": color,
            "borderColor": color,
            # unfold's defaults draw 4 px bars overlaid; the console's are grouped and wider.
            "maxBarThickness": 40,
            "grouped": True,
            "barPercentage": 0.8,
            "categoryPercentage": 0.8,
        }
        if index == 0:
            item["displayYAxis"] = True
            if suffix:
                item["suffixYAxis"] = suffix
        datasets.append(item)
    return json.dumps({"labels": [str(x) for x in labels], "datasets": datasets})


def status_colors(statuses: Sequence[str]) -> list[str]:
    """One bar colour per engine: red when its steps failed, amber when partial, else primary."""
    palette = {"failed": DANGER, "partial": "#d97706", "queued": MUTED}
    return [palette.get(status, PRIMARY) for status in statuses]


def engine_timing_chart(engines: Sequence[dict[str, Any]]) -> str:
    """The per-engine duration bars of a run (``batch_run_console``'s ``engines``), in ms."""
    return chart_json(
        [e["label"] for e in engines],
        [
            (
                "duration (ms)",
                [e["duration_ms"] for e in engines],
                status_colors([e["status"] for e in engines]),
            )
        ],
        suffix="ms",
    )
