"""The page layout of a report as a list of blocks (headings, cards, tables, charts), shared by
the PDF and HTML renderers so both show the same figures in the same order.

``full`` opens with a cover (portfolio, as-of date, data source, conventions) and gives each
section its own heading; ``risk_summary`` is two pages (masthead and the key figures, then factors
and stress); ``performance`` is the overview and the performance section.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from matplotlib.figure import Figure

from exports.reports import charts
from exports.reports import formatting as fmt
from exports.reports.content import ReportContent
from exports.reports.templates import SECTION_TITLES


@dataclass
class Cover:
    compact: bool = False


@dataclass
class Heading:
    text: str


@dataclass
class Note:
    text: str


@dataclass
class Cards:
    items: list[tuple[str, str, str]]  # label, value, sub-line


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    align: str  # one letter per column: l(eft) or r(ight); right-aligned cells are numbers
    title: str = ""
    widths: list[float] | None = None  # relative column widths


@dataclass
class Chart:
    figure: Figure
    width: float = 1.0  # fraction of the text width


@dataclass
class Row:
    items: list[Chart | Table] = field(default_factory=list)


@dataclass
class PageBreak:
    pass


Block = Cover | Heading | Note | Cards | Table | Chart | Row | PageBreak


# --- sections ------------------------------------------------------------------------------------


def overview_cards(o: dict[str, Any]) -> Cards:
    ex, da = o["exposures"], o.get("delta_adjusted") or {}
    risk = o.get("risk_metrics") or {}
    var = (risk.get("var_1d_95") or {}).get("value")
    return Cards(
        [
            ("NAV", fmt.money_short(o["total_value"]), f"cash {fmt.money_short(o['cash_balance'])}"),
            (
                "Unrealized P&L",
                fmt.money_short(o["total_pnl"]),
                f"{fmt.percent(o['total_pnl_percent'], decimals=2)} of cost",
            ),
            ("Daily P&L", fmt.money_short(o.get("daily_pnl")), f"{o['position_count']} positions"),
            ("Long", fmt.money_short(ex["long"]["value"]), fmt.percent(ex["long"]["percentage"])),
            ("Short", fmt.money_short(ex["short"]["value"]), fmt.percent(ex["short"]["percentage"])),
            ("Gross", fmt.money_short(ex["gross"]["value"]), fmt.percent(ex["gross"]["percentage"])),
            ("Net", fmt.money_short(ex["net"]["value"]), fmt.percent(ex["net"]["percentage"])),
            (
                "Delta-adj. net",
                fmt.money_short((da.get("net") or {}).get("value")),
                f"gross {fmt.money_short((da.get('gross') or {}).get('value'))}",
            ),
            ("VaR 95% 1d", fmt.money_short(var), (risk.get("var_1d_95") or {}).get("method") or ""),
        ]
    )


def risk_metrics_table(o: dict[str, Any]) -> Table | None:
    m = o.get("risk_metrics")
    if not m:
        return None
    dd = m.get("max_drawdown") or {}
    rows = [
        ["Beta vs SPY", fmt.number((m.get("beta") or {}).get("value"))],
        ["Annualized volatility", fmt.fraction((m.get("annualized_volatility") or {}).get("value"))],
        ["VaR 95% 1-day", fmt.money((m.get("var_1d_95") or {}).get("value"))],
        ["ES 97.5% 1-day", fmt.money((m.get("expected_shortfall_1d_975") or {}).get("value"))],
        ["Average correlation", fmt.number((m.get("average_correlation") or {}).get("value"))],
        [
            "Max drawdown",
            f"{fmt.fraction(dd.get('value'))} ({dd.get('peak_date') or fmt.DASH} to {dd.get('trough_date') or fmt.DASH})",
        ],
    ]
    return Table(["Risk metric", "Value"], rows, "lr", title="Risk overview", widths=[1.2, 1.6])


def positions_table(data: dict[str, Any]) -> Table:
    rows = []
    for p in sorted(data["positions"], key=lambda p: -abs(p.get("market_value") or 0.0)):
        rows.append(
            [
                p["symbol"],
                p["position_type"],
                fmt.number(p["quantity"], decimals=0),
                fmt.number(p.get("last_price")),
                fmt.money(p.get("market_value")),
                fmt.fraction(p.get("weight")),
                fmt.money(p.get("delta_adjusted_exposure")),
                fmt.money(p.get("unrealized_pnl")),
                fmt.percent(p.get("unrealized_pnl_percent")),
                ", ".join(p.get("tags") or [])[:28],
            ]
        )
    headers = [
        "Symbol",
        "Type",
        "Qty",
        "Price",
        "Market value",
        "Weight",
        "Delta-adj.",
        "Unreal. P&L",
        "P&L %",
        "Tags",
    ]
    return Table(headers, rows, "llrrrrrrrl", widths=[2.1, 0.7, 0.8, 0.9, 1.2, 0.8, 1.2, 1.1, 0.8, 1.6])


def group_table(rows: list[dict[str, Any]], title: str) -> Table:
    body = [
        [
            str(r["key"]),
            str(r["positions"]),
            fmt.money(r["long"]),
            fmt.money(r["short"]),
            fmt.money(r["gross"]),
            fmt.money(r["net"]),
            fmt.percent(r["net_percent"]),
            fmt.money(r["delta_adjusted"]),
        ]
        for r in rows
    ]
    headers = [title, "#", "Long", "Short", "Gross", "Net", "Net % NAV", "Delta-adj."]
    return Table(headers, body, "lrrrrrrr", widths=[2.0, 0.4, 1.1, 1.1, 1.1, 1.1, 0.9, 1.2])


def greeks_table(data: dict[str, Any]) -> Table:
    keys = ("delta", "delta_dollars", "gamma_dollars", "theta", "vega", "rho")

    def cells(r: dict[str, Any]) -> list[str]:
        return [fmt.number(r["delta"], decimals=0)] + [fmt.money(r[k]) for k in keys[1:]]

    rows = [[r["underlying"], str(r["positions"]), *cells(r)] for r in data["by_underlying"]]
    rows.append(["Total", str(data["current"].get("positions", "")), *cells(data["current"])])
    headers = [
        "Underlying",
        "#",
        "Delta (sh)",
        "Delta $",
        "Gamma $ (1%)",
        "Theta/day",
        "Vega/vol pt",
        "Rho/rate pt",
    ]
    return Table(headers, rows, "lrrrrrrr", widths=[1.2, 0.4, 1.0, 1.2, 1.1, 1.0, 1.0, 1.0])


def factor_table(data: dict[str, Any]) -> Table:
    rows = [
        [
            f["name"],
            f["etf_symbol"],
            fmt.number(f["beta"]),
            fmt.money(f["exposure_dollar"]),
            fmt.number(f["t_stat"]),
        ]
        for f in [*data["factors"], *data.get("macro_sensitivities", [])]
    ]
    return Table(
        ["Factor", "Proxy", "Beta", "Exposure $", "t-stat"], rows, "llrrr", widths=[1.5, 0.8, 0.8, 1.3, 0.8]
    )


def stress_table(data: dict[str, Any], *, limit: int | None = None) -> Table:
    scenarios = sorted(data["scenarios"], key=lambda s: s["impact"]["percentage_impact"] or 0.0)[:limit]
    rows = [
        [
            s["name"],
            s["category"],
            fmt.money(s["impact"]["dollar_impact"]),
            fmt.percent(s["impact"]["percentage_impact"]),
            fmt.money(s["impact"]["new_portfolio_value"]),
            s["severity"],
        ]
        for s in scenarios
    ]
    headers = ["Scenario", "Category", "P&L", "% NAV", "New NAV", "Severity"]
    return Table(headers, rows, "llrrrl", widths=[2.4, 1.0, 1.2, 0.8, 1.3, 0.9])


def var_table(data: dict[str, Any]) -> Table:
    rows = [
        [
            e["method"].replace("_", " "),
            fmt.confidence(e["confidence"]),
            f"{e['horizon_days']}d",
            fmt.money(e["var"]),
            fmt.percent(e["var_percent"], decimals=2),
            fmt.money(e["expected_shortfall"]),
            fmt.percent(e["expected_shortfall_percent"], decimals=2),
            str(e.get("observations") or fmt.DASH),
        ]
        for e in sorted(data["entries"], key=lambda e: (e["horizon_days"], e["method"], e["confidence"]))
    ]
    headers = ["Method", "Conf.", "Horizon", "VaR", "VaR % NAV", "ES", "ES % NAV", "Obs."]
    return Table(headers, rows, "lllrrrrr", widths=[1.3, 0.7, 0.7, 1.2, 0.9, 1.2, 0.9, 0.6])


def contributions_table(data: dict[str, Any]) -> Table:
    rows = [
        [
            f["factor"],
            fmt.number(f["exposure"]),
            fmt.fraction(f["ctr"], decimals=2),
            fmt.percent(f["ctr_percent"]),
        ]
        for f in data["by_factor"]
    ]
    specific = data.get("specific") or {}
    rows.append(
        [
            "Specific",
            fmt.DASH,
            fmt.fraction(specific.get("ctr"), decimals=2),
            fmt.percent(specific.get("ctr_percent")),
        ]
    )
    title = (
        f"Annualized volatility {fmt.fraction(data['total_risk'])} of NAV: factor {fmt.fraction(data['factor_risk'])}, "
        f"specific {fmt.fraction(data['specific_risk'])}"
    )
    return Table(
        ["Factor", "Exposure", "CTR", "CTR %"], rows, "lrrr", title=title, widths=[1.5, 1.0, 1.0, 1.0]
    )


def performance_table(data: dict[str, Any]) -> Table:
    stats = [
        ("Annualized return", fmt.fraction(data.get("annualized_return"), decimals=2)),
        ("Annualized volatility", fmt.fraction(data.get("annualized_volatility"), decimals=2)),
        ("Sharpe ratio", fmt.number(data.get("sharpe_ratio"))),
        ("Sortino ratio", fmt.number(data.get("sortino_ratio"))),
        ("Calmar ratio", fmt.number(data.get("calmar_ratio"))),
        ("Max drawdown", fmt.fraction(data.get("max_drawdown"), decimals=2)),
        (
            "Drawdown peak / trough",
            f"{data.get('max_drawdown_start') or fmt.DASH} / {data.get('max_drawdown_end') or fmt.DASH}",
        ),
        (f"Beta vs {data.get('benchmark', 'SPY')}", fmt.number(data.get("beta"))),
        ("Alpha (annualized)", fmt.fraction(data.get("alpha"), decimals=2)),
        ("Observations", str(data.get("observations") or fmt.DASH)),
    ]
    return Table(
        ["Statistic", "Value"], [list(s) for s in stats], "lr", title="Statistics", widths=[1.5, 1.3]
    )


def returns_table(data: dict[str, Any]) -> Table:
    bench = data.get("benchmark_returns") or {}
    rows = [
        [
            period,
            fmt.fraction(value, decimals=2, signed=True),
            fmt.fraction(bench.get(period), decimals=2, signed=True),
        ]
        for period, value in (data.get("returns") or {}).items()
    ]
    return Table(
        ["Period", "Portfolio", data.get("benchmark", "Benchmark")],
        rows,
        "lrr",
        title="Returns",
        widths=[1, 1, 1],
    )


# --- templates -----------------------------------------------------------------------------------


def _section(content: ReportContent, name: str) -> list[Block]:
    data = content.sections.get(name)
    if data is None:
        reason = content.unavailable.get(name, "not produced by the batch")
        return [Heading(SECTION_TITLES[name]), Note(f"Not available: {reason}")]
    blocks: list[Block] = [Heading(SECTION_TITLES[name])]
    if name == "overview":
        blocks += [overview_cards(data), Chart(charts.exposures_chart(data))]
        table = risk_metrics_table(data)
        blocks += [table] if table else []
    elif name == "positions":
        summary = data["summary"]
        blocks += [
            Note(
                f"{summary['long_count']} long, {summary['short_count']} short, {summary['option_count']} options; sorted by |market value|."
            ),
            positions_table(data),
        ]
    elif name == "exposures":
        blocks += [
            Row(
                [
                    Chart(charts.group_chart(data["by_sector"], title="By sector"), 0.5),
                    Chart(charts.group_chart(data["by_tag"], title="By tag"), 0.5),
                ]
            ),
            group_table(data["by_type"], "Type"),
            group_table(data["by_sector"], "Sector"),
            group_table(data["by_tag"], "Tag"),
            Note("Tags may overlap (a position with two tags counts in both)."),
        ]
    elif name == "greeks":
        book = data["option_book"]
        blocks += [
            Note(
                f"{book['options']} options; exercise {_counts(book['exercise'])}; volatility source "
                f"{_counts(book['volatility_source'])}. Theta per calendar day, vega per 1 vol point, rho per 1 rate point (USD)."
            ),
            greeks_table(data),
        ]
    elif name == "factors":
        blocks += [
            Chart(charts.factor_chart(data["factors"], data.get("macro_sensitivities", []))),
            factor_table(data),
            Note(
                f"R-squared {fmt.number(data.get('r_squared'), decimals=3)} over {data.get('observations')} daily returns."
            ),
        ]
    elif name == "correlations":
        blocks += [
            Chart(charts.heatmap_chart(data["symbols"], data["matrix"]), 0.8),
            Note(
                f"Average correlation {fmt.number(data.get('average_correlation'))}; effective number of bets "
                f"{fmt.number(data.get('effective_number_of_bets'))}; excluded: "
                + (", ".join(f"{e['symbol']} ({e['reason']})" for e in data.get("excluded", [])) or "none")
                + "."
            ),
        ]
    elif name == "stress_tests":
        blocks += [Chart(charts.stress_chart(data["scenarios"])), stress_table(data)]
    elif name == "var":
        blocks += [
            Row(
                [
                    Chart(charts.var_chart(data["entries"], horizon_days=1), 0.5),
                    Chart(charts.var_chart(data["entries"], horizon_days=10), 0.5),
                ]
            ),
            var_table(data),
        ]
    elif name == "risk_contributions":
        blocks += [contributions_table(data)]
    elif name == "performance":
        blocks += [
            Chart(charts.nav_chart(data["series"])),
            Chart(charts.drawdown_chart(data["series"])),
            Row([performance_table(data), returns_table(data)]),
        ]
    return blocks


def _counts(counter: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counter.items())) or "none"


def _risk_summary(content: ReportContent) -> list[Block]:
    s = content.sections
    blocks: list[Block] = [
        Cover(compact=True),
        overview_cards(s["overview"]),
        Chart(charts.exposures_chart(s["overview"])),
    ]
    if "var" in s:
        blocks += [
            Heading("VaR and expected shortfall"),
            Row([Chart(charts.var_chart(s["var"]["entries"]), 0.5), _var_summary(s["var"])]),
        ]
    if "greeks" in s:
        blocks += [
            Heading("Greeks"),
            Row(
                [
                    Chart(charts.greeks_chart(s["greeks"]["by_underlying"], limit=8), 0.5),
                    _greeks_summary(s["greeks"]),
                ]
            ),
        ]
    blocks.append(PageBreak())
    if "factors" in s:
        blocks += [Heading("Factor exposures"), Chart(charts.factor_chart(s["factors"]["factors"]))]
    if "stress_tests" in s:
        blocks += [
            Heading("Worst stress scenarios"),
            Chart(charts.stress_chart(s["stress_tests"]["scenarios"], limit=8)),
            stress_table(s["stress_tests"], limit=8),
        ]
    if "exposures" in s:
        blocks += [Heading("Exposures by sector"), group_table(s["exposures"]["by_sector"][:8], "Sector")]
    missing = [SECTION_TITLES[k] + f" ({v})" for k, v in content.unavailable.items()]
    if missing:
        blocks.append(Note("Not available: " + "; ".join(missing)))
    return blocks


def _var_summary(data: dict[str, Any]) -> Table:
    rows = [
        [
            e["method"].replace("_", " "),
            fmt.confidence(e["confidence"]),
            fmt.money(e["var"]),
            fmt.money(e["expected_shortfall"]),
        ]
        for e in data["entries"]
        if e["horizon_days"] == 1
    ]
    return Table(["1-day", "Conf.", "VaR", "ES"], rows, "llrr", widths=[1.2, 0.7, 1.1, 1.1])


def _greeks_summary(data: dict[str, Any]) -> Table:
    c = data["current"]
    rows = [
        ["Delta dollars", fmt.money(c["delta_dollars"])],
        ["Gamma dollars (1%)", fmt.money(c["gamma_dollars"])],
        ["Theta (per day)", fmt.money(c["theta"])],
        ["Vega (per vol point)", fmt.money(c["vega"])],
        ["Rho (per rate point)", fmt.money(c["rho"])],
    ]
    return Table(["Book Greeks", "USD"], rows, "lr", widths=[1.4, 1.1])


def report_blocks(content: ReportContent) -> list[Block]:
    """The blocks of ``content``'s template, in page order."""
    if content.template == "risk_summary":
        return _risk_summary(content)
    blocks: list[Block] = [Cover(compact=content.template != "full")]
    if content.template == "full":
        blocks.append(PageBreak())
    for name in ("overview", *[s for s in SECTION_TITLES if s != "overview"]):
        if name in content.sections or name in content.unavailable:
            blocks += _section(content, name)
    return blocks
