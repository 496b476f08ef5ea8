"""Report charts, drawn server-side with matplotlib's object API (Agg for PNG, the SVG backend for
inline SVG; no pyplot state, no external font: matplotlib's bundled DejaVu Sans, and SVG text as
paths so the file needs nothing else).

Each ``*_chart`` function takes plain section data (the API shapes) and returns a Figure;
:func:`png` and :func:`svg` turn it into PNG bytes (PDF) or an ``<svg>`` element (HTML).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

# The report palette (also used by the PDF and HTML styles).
NAVY = "#1F3A5F"
BLUE = "#3D7EAA"
TEAL = "#2A9D8F"
RED = "#C8553D"
GOLD = "#E9A23B"
GREY = "#8D99AE"
LIGHT = "#E8EDF3"
INK = "#1B1F24"

_STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 7.5,
    "axes.titlesize": 8.5,
    "axes.titleweight": "bold",
    "axes.titlecolor": NAVY,
    "axes.titlelocation": "left",
    "axes.edgecolor": GREY,
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": LIGHT,
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "xtick.color": INK,
    "ytick.color": INK,
    "legend.frameon": False,
    "legend.fontsize": 7,
    "svg.fonttype": "path",
    "svg.hashsalt": "sigmasight-report",
}


@contextmanager
def _style() -> Iterator[None]:
    with matplotlib.rc_context(_STYLE):
        yield


def _money(value: float, _pos: Any = None) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 1e9:
        return f"{sign}${value / 1e9:.1f}B"
    if value >= 1e6:
        return f"{sign}${value / 1e6:.1f}M"
    if value >= 1e3:
        return f"{sign}${value / 1e3:.0f}K"
    return f"{sign}${value:.0f}"


MONEY = FuncFormatter(_money)


def _figure(width: float, height: float, *, constrained: bool = True) -> Figure:
    with _style():
        return Figure(figsize=(width, height), layout="constrained" if constrained else None)


def png(fig: Figure, *, dpi: int = 150) -> bytes:
    """PNG bytes of ``fig`` (white background)."""
    buffer = io.BytesIO()
    with _style():
        fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


_SVG_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)
_SVG_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_SVG_NAMESPACES = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')


def svg(fig: Figure) -> str:
    """``fig`` as an ``<svg>`` element for inline use in HTML: no XML prologue, no DOCTYPE, no
    metadata and no namespace URLs (an HTML parser puts inline SVG in the SVG namespace itself),
    scaled to its container's width."""
    buffer = io.StringIO()
    with _style():
        fig.savefig(buffer, format="svg", facecolor="white")
    text = _SVG_PROLOGUE.sub("", buffer.getvalue(), count=1)
    text = _SVG_METADATA.sub("", text)
    text = _SVG_NAMESPACES.sub("", text)
    text = re.sub(r'<svg width="[^"]*" height="[^"]*"', '<svg class="chart"', text, count=1)
    return text.strip()


def _signed_colors(values: Sequence[float]) -> list[str]:
    return [TEAL if v >= 0 else RED for v in values]


def _barh_labels(ax: Any, bars: Any, values: Sequence[float], fmt: Any) -> None:
    for bar, value in zip(bars, values, strict=True):
        ax.annotate(
            fmt(value),
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            xytext=(3 if value >= 0 else -3, 0),
            textcoords="offset points",
            ha="left" if value >= 0 else "right",
            va="center",
            fontsize=6.5,
            color=INK,
        )


def exposures_chart(overview: Mapping[str, Any]) -> Figure:
    """Long / short / gross / net: market value vs delta-adjusted exposure (USD)."""
    fig = _figure(6.8, 1.9)
    with _style():
        ax = fig.add_subplot()
        names = ["long", "short", "gross", "net"]
        mv = [overview["exposures"][n]["value"] or 0.0 for n in names]
        da = [(overview.get("delta_adjusted") or {}).get(n, {}).get("value") or 0.0 for n in names]
        x = np.arange(len(names))
        ax.bar(x - 0.2, mv, 0.38, color=NAVY, label="Market value")
        ax.bar(x + 0.2, da, 0.38, color=GOLD, label="Delta-adjusted")
        ax.axhline(0, color=GREY, linewidth=0.8)
        ax.set_xticks(x, [n.capitalize() for n in names])
        ax.yaxis.set_major_formatter(MONEY)
        ax.set_title("Exposures (USD)")
        ax.legend(loc="upper right", ncols=2)
    return fig


def group_chart(rows: Sequence[Mapping[str, Any]], *, title: str, limit: int = 12) -> Figure:
    """Long (positive) and short (negative) market value per group, largest gross first."""
    rows = list(rows)[:limit][::-1]
    fig = _figure(3.35, 0.35 + 0.2 * max(len(rows), 3))
    with _style():
        ax = fig.add_subplot()
        y = np.arange(len(rows))
        ax.barh(y, [r["long"] for r in rows], color=TEAL, label="Long")
        ax.barh(y, [r["short"] for r in rows], color=RED, label="Short")
        ax.axvline(0, color=GREY, linewidth=0.8)
        ax.set_yticks(y, [str(r["key"])[:24] for r in rows])
        ax.xaxis.set_major_formatter(MONEY)
        ax.tick_params(axis="x", labelsize=6.5)
        ax.set_title(title)
        ax.legend(loc="lower right", fontsize=6)
    return fig


def factor_chart(factors: Sequence[Mapping[str, Any]], macro: Sequence[Mapping[str, Any]] = ()) -> Figure:
    """Factor betas (dollar exposure / NAV) of the style model, then the macro sensitivities."""
    items = [f for f in factors if f.get("beta") is not None]
    items += [{**m, "name": f"{m['name']} (macro)"} for m in macro if m.get("beta") is not None]
    items = items[::-1]
    fig = _figure(6.8, 0.5 + 0.22 * max(len(items), 3))
    with _style():
        ax = fig.add_subplot()
        values = [float(f["beta"]) for f in items]
        y = np.arange(len(items))
        bars = ax.barh(y, values, color=_signed_colors(values), height=0.65)
        ax.axvline(0, color=GREY, linewidth=0.8)
        ax.set_yticks(y, [f["name"] for f in items])
        _barh_labels(ax, bars, values, lambda v: f"{v:+.2f}")
        ax.margins(x=0.15)
        ax.set_title("Factor exposures (beta = dollar exposure / NAV)")
    return fig


def heatmap_chart(symbols: Sequence[str], matrix: Mapping[str, Mapping[str, float | None]]) -> Figure:
    """The correlation matrix, red = +1, blue = -1, values printed for up to 20 names."""
    n = len(symbols)
    size = min(6.8, 1.6 + 0.32 * n)
    fig = _figure(size, size * 0.86, constrained=False)  # fixed margins: one draw of the many labels
    with _style():
        fig.subplots_adjust(left=0.13, right=0.97, bottom=0.13, top=0.94)
        ax = fig.add_subplot()
        values = np.array(
            [[np.nan if matrix[a].get(b) is None else matrix[a][b] for b in symbols] for a in symbols],
            dtype=float,
        )
        image = ax.imshow(values, cmap="RdBu_r", vmin=-1, vmax=1)
        ax.grid(False)
        ax.set_xticks(range(n), symbols, rotation=90, fontsize=6.5)
        ax.set_yticks(range(n), symbols, fontsize=6.5)
        if n <= 20:
            for i in range(n):
                for j in range(n):
                    if not np.isnan(values[i, j]):
                        ax.text(
                            j,
                            i,
                            f"{values[i, j]:.2f}",
                            ha="center",
                            va="center",
                            fontsize=4.6 if n > 12 else 6,
                            color="white" if abs(values[i, j]) > 0.6 else INK,
                        )
        fig.colorbar(image, ax=ax, shrink=0.8)
        ax.set_title("Correlation of daily log returns")
    return fig


def stress_chart(scenarios: Sequence[Mapping[str, Any]], *, limit: int | None = None) -> Figure:
    """Impact of each scenario in percent of NAV, worst at the top."""
    rows = sorted(scenarios, key=lambda s: s["impact"]["percentage_impact"] or 0.0)
    if limit is not None:
        rows = rows[:limit]
    rows = rows[::-1]
    fig = _figure(6.8, 0.5 + 0.17 * max(len(rows), 3))
    with _style():
        ax = fig.add_subplot()
        values = [s["impact"]["percentage_impact"] or 0.0 for s in rows]
        y = np.arange(len(rows))
        bars = ax.barh(y, values, color=_signed_colors(values), height=0.7)
        ax.axvline(0, color=GREY, linewidth=0.8)
        ax.set_yticks(y, [s["name"] for s in rows], fontsize=6.5)
        ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
        _barh_labels(ax, bars, values, lambda v: f"{v:+.1f}%")
        ax.margins(x=0.12)
        ax.set_title("Stress scenarios: P&L in % of NAV")
    return fig


def var_chart(entries: Sequence[Mapping[str, Any]], *, horizon_days: int = 1) -> Figure:
    """VaR (solid) and ES (light) by method, grouped by confidence, for one horizon (USD)."""
    rows = [e for e in entries if e["horizon_days"] == horizon_days]
    confidences = sorted({e["confidence"] for e in rows})
    methods = [m for m in ("historical", "parametric", "monte_carlo") if any(e["method"] == m for e in rows)]
    colors = {"historical": NAVY, "parametric": BLUE, "monte_carlo": GOLD}
    fig = _figure(3.35, 2.0)
    with _style():
        ax = fig.add_subplot()
        width = 0.8 / max(len(methods), 1)
        x = np.arange(len(confidences))
        for k, method in enumerate(methods):
            by_conf = {e["confidence"]: e for e in rows if e["method"] == method}
            var = [by_conf.get(c, {}).get("var") or 0.0 for c in confidences]
            es = [by_conf.get(c, {}).get("expected_shortfall") or 0.0 for c in confidences]
            offset = x - 0.4 + width * (k + 0.5)
            ax.bar(offset, es, width * 0.9, color=colors[method], alpha=0.3)
            ax.bar(offset, var, width * 0.9, color=colors[method], label=method.replace("_", " "))
        ax.set_xticks(x, [f"{c:.1%}" for c in confidences])
        ax.yaxis.set_major_formatter(MONEY)
        ax.set_title(f"{horizon_days}-day VaR (solid) and ES (light)")
        ax.legend(loc="upper left", fontsize=6)
    return fig


def _dates(series: Sequence[Mapping[str, Any]]) -> np.ndarray:
    return np.array([np.datetime64(str(p["date"])) for p in series])


def nav_chart(series: Sequence[Mapping[str, Any]]) -> Figure:
    """Daily NAV (USD)."""
    fig = _figure(6.8, 2.0)
    with _style():
        ax = fig.add_subplot()
        dates = _dates(series)
        nav = np.array([p["nav"] if p["nav"] is not None else np.nan for p in series], dtype=float)
        ax.plot(dates, nav, color=NAVY, linewidth=1.1)
        ax.fill_between(dates, nav, np.nanmin(nav) if len(nav) else 0, color=NAVY, alpha=0.08)
        ax.yaxis.set_major_formatter(MONEY)
        ax.set_title("Net asset value")
    return fig


def drawdown_chart(series: Sequence[Mapping[str, Any]]) -> Figure:
    """Drawdown from the running peak of the cumulative return (negative fraction, shown in %)."""
    fig = _figure(6.8, 1.6)
    with _style():
        ax = fig.add_subplot()
        dates = _dates(series)
        dd = np.array([p["drawdown"] if p["drawdown"] is not None else np.nan for p in series], dtype=float)
        ax.fill_between(dates, dd * 100, 0, color=RED, alpha=0.35, linewidth=0)
        ax.plot(dates, dd * 100, color=RED, linewidth=0.8)
        ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        ax.set_title("Drawdown")
    return fig


def greeks_chart(by_underlying: Sequence[Mapping[str, Any]], *, limit: int = 16) -> Figure:
    """Delta dollars per underlying (USD), largest |delta dollars| first."""
    rows = sorted(by_underlying, key=lambda r: -abs(r.get("delta_dollars") or 0.0))[:limit][::-1]
    fig = _figure(3.35, 0.4 + 0.17 * max(len(rows), 3))
    with _style():
        ax = fig.add_subplot()
        values = [r.get("delta_dollars") or 0.0 for r in rows]
        y = np.arange(len(rows))
        ax.barh(y, values, color=_signed_colors(values), height=0.7)
        ax.axvline(0, color=GREY, linewidth=0.8)
        ax.set_yticks(y, [r["underlying"] for r in rows], fontsize=6.5)
        ax.xaxis.set_major_formatter(MONEY)
        ax.tick_params(axis="x", labelsize=6.5)
        ax.set_title("Delta dollars by underlying")
    return fig
