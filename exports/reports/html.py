"""The HTML report: one self-contained page (inline CSS, charts as inline SVG, no script, no
external URL of any kind), printable (page breaks where the PDF has them).
"""

from __future__ import annotations

from html import escape

from exports.reports import charts, layout
from exports.reports.content import ReportContent

CSS = f"""
*{{box-sizing:border-box}}
body{{margin:0;background:#EEF1F5;color:{charts.INK};font:13px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif}}
main{{max-width:960px;margin:24px auto;background:#fff;padding:32px 40px;box-shadow:0 1px 4px rgba(0,0,0,.08)}}
header.cover{{border-bottom:3px solid {charts.NAVY};padding-bottom:16px;margin-bottom:8px}}
header .brand{{color:{charts.GREY};font-size:12px;letter-spacing:.08em;text-transform:uppercase}}
h1{{color:{charts.NAVY};font-size:28px;margin:4px 0}}
h1 small{{display:block;color:{charts.INK};font-size:17px;font-weight:400;margin-top:4px}}
h2{{color:{charts.NAVY};font-size:18px;border-bottom:1px solid {charts.LIGHT};padding-bottom:4px;margin:28px 0 10px}}
dl.facts{{display:grid;grid-template-columns:140px 1fr;gap:4px 12px;margin:12px 0}}
dl.facts dt{{font-weight:600}} dl.facts dd{{margin:0}}
table{{border-collapse:collapse;width:100%;margin:6px 0 14px;font-size:12px}}
caption{{text-align:left;font-weight:600;padding:2px 0 4px}}
th{{background:{charts.NAVY};color:#fff;font-weight:600;padding:4px 6px;text-align:left}}
td{{padding:3px 6px;border-bottom:1px solid {charts.LIGHT}}}
tbody tr:nth-child(even){{background:#F5F7FA}}
.r{{text-align:right;font-variant-numeric:tabular-nums}} th.r{{text-align:right}}
.neg{{color:{charts.RED}}}
.cards{{display:grid;grid-template-columns:repeat(3,1fr);gap:8px;margin:8px 0 14px}}
.card{{background:#F5F7FA;border-left:3px solid {charts.NAVY};padding:8px 12px}}
.card .label{{color:{charts.GREY};font-size:11px}} .card .value{{color:{charts.NAVY};font-size:22px;font-weight:700}}
.card .sub{{font-size:11px}}
.row{{display:flex;gap:16px;align-items:flex-start}} .row>*{{flex:1;min-width:0}}
figure{{margin:6px 0 12px}} svg.chart{{width:100%;height:auto;display:block}}
p.note{{color:#4A5568;font-size:12px;margin:4px 0 10px}}
table.conventions td:first-child{{font-weight:600;white-space:nowrap;vertical-align:top}}
footer{{border-top:1px solid {charts.LIGHT};margin-top:28px;padding-top:8px;color:{charts.GREY};font-size:11px}}
.page-break{{break-after:page}}
@media print{{body{{background:#fff}} main{{box-shadow:none;margin:0;max-width:none}}}}
"""


def _cell(text: str, right: bool, tag: str = "td") -> str:
    classes = ("r " if right else "") + ("neg" if right and tag == "td" and text.startswith("-") else "")
    attr = f' class="{classes.strip()}"' if classes.strip() else ""
    return f"<{tag}{attr}>{escape(text)}</{tag}>"


def _table(block: layout.Table) -> str:
    rights = [a == "r" for a in block.align]
    caption = f"<caption>{escape(block.title)}</caption>" if block.title else ""
    head = "".join(_cell(h, r, "th") for h, r in zip(block.headers, rights, strict=True))
    body = "".join(
        "<tr>" + "".join(_cell(c, r) for c, r in zip(row, rights, strict=True)) + "</tr>"
        for row in block.rows
    )
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cover(content: ReportContent, compact: bool) -> str:
    facts = [
        ("Portfolio", content.portfolio["name"]),
        ("As-of date", content.as_of_date.isoformat()),
        ("Data source", f"{content.data_source} (price provider of the batch)"),
        ("Currency", content.portfolio["currency"]),
        ("Generated", content.generated_at.strftime("%Y-%m-%d %H:%M UTC")),
    ]
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    html = (
        f'<header class="cover"><div class="brand">SigmaSight</div><h1>{escape(content.title)}'
        f'<small>{escape(content.portfolio["name"])}</small></h1><dl class="facts">{dl}</dl></header>'
    )
    if not compact:
        rows = "".join(
            f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in content.conventions.items()
        )
        html += f'<h2>Conventions</h2><table class="conventions"><tbody>{rows}</tbody></table>'
    return html


def _block(block: layout.Block, content: ReportContent) -> str:
    if isinstance(block, layout.Cover):
        return _cover(content, block.compact)
    if isinstance(block, layout.Heading):
        return f"<h2>{escape(block.text)}</h2>"
    if isinstance(block, layout.Note):
        return f'<p class="note">{escape(block.text)}</p>'
    if isinstance(block, layout.Cards):
        cards = "".join(
            f'<div class="card"><div class="label">{escape(label)}</div><div class="value">{escape(value)}</div>'
            f'<div class="sub">{escape(sub)}</div></div>'
            for label, value, sub in block.items
        )
        return f'<div class="cards">{cards}</div>'
    if isinstance(block, layout.Table):
        return _table(block)
    if isinstance(block, layout.Chart):
        style = f' style="max-width:{block.width * 100:.0f}%"' if block.width < 1 else ""
        return f"<figure{style}>{charts.svg(block.figure)}</figure>"
    if isinstance(block, layout.Row):
        return (
            '<div class="row">'
            + "".join(f"<div>{_block(item, content)}</div>" for item in block.items)
            + "</div>"
        )
    if isinstance(block, layout.PageBreak):
        return '<div class="page-break"></div>'
    raise TypeError(f"Unknown block {block!r}")


def render_html(content: ReportContent) -> bytes:
    """The report as one UTF-8 HTML document."""
    title = f"{content.title}: {content.portfolio['name']} ({content.as_of_date.isoformat()})"
    body = "".join(_block(block, content) for block in layout.report_blocks(content))
    footer = (
        f"SigmaSight {escape(content.title)} | {escape(content.portfolio['name'])} | as of "
        f"{content.as_of_date.isoformat()} | data source: {escape(content.data_source)}"
    )
    document = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body><main>{body}<footer>{footer}</footer></main></body></html>"
    )
    return document.encode("utf-8")
