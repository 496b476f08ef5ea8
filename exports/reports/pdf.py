"""The PDF report (reportlab platypus): US Letter, the layout's blocks as flowables, charts as
PNG images, and on every page a footer with the portfolio, the as-of date, the data source and
``Page n of N``.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from exports.reports import charts, layout
from exports.reports.content import ReportContent
from exports.reports.templates import SECTION_TITLES

PAGE_WIDTH, PAGE_HEIGHT = letter
PNG_DPI = 140  # charts print sharp at this resolution; higher costs render time
MARGIN = 0.55 * inch
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
NAVY = colors.HexColor(charts.NAVY)
RED = colors.HexColor(charts.RED)
GREY = colors.HexColor(charts.GREY)
LIGHT = colors.HexColor(charts.LIGHT)
INK = colors.HexColor(charts.INK)
ZEBRA = colors.HexColor("#F5F7FA")

BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=8, leading=10.5, textColor=INK)
NOTE = ParagraphStyle("note", parent=BODY, fontSize=7, leading=9, textColor=colors.HexColor("#4A5568"))
H2 = ParagraphStyle(
    "h2",
    parent=BODY,
    fontName="Helvetica-Bold",
    fontSize=11.5,
    leading=14,
    textColor=NAVY,
    spaceBefore=8,
    spaceAfter=4,
)
TITLE = ParagraphStyle(
    "title", parent=BODY, fontName="Helvetica-Bold", fontSize=24, leading=29, textColor=NAVY
)
SUBTITLE = ParagraphStyle("subtitle", parent=BODY, fontSize=13, leading=17, textColor=INK)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=7, leading=8.6)
CELL_R = ParagraphStyle("cell_r", parent=CELL, alignment=TA_RIGHT)
CARD_LABEL = ParagraphStyle("card_label", parent=BODY, fontSize=6.8, leading=8, textColor=GREY)
CARD_VALUE = ParagraphStyle(
    "card_value", parent=BODY, fontName="Helvetica-Bold", fontSize=13, leading=15.5, textColor=NAVY
)
CARD_SUB = ParagraphStyle("card_sub", parent=BODY, fontSize=6.8, leading=8, textColor=INK)
MAST = ParagraphStyle(
    "mast", parent=BODY, fontName="Helvetica-Bold", fontSize=15, leading=18, textColor=colors.white
)
TABLE_TITLE = ParagraphStyle("table_title", parent=BODY, keepWithNext=1, spaceAfter=2)
TITLE_WHITE = ParagraphStyle("title_white", parent=TITLE, textColor=colors.white)
SUBTITLE_WHITE = ParagraphStyle("subtitle_white", parent=SUBTITLE, textColor=colors.white)
MAST_SUB = ParagraphStyle("mast_sub", parent=BODY, fontSize=8, leading=10, textColor=colors.white)


def _footer_text(content: ReportContent) -> str:
    return (
        f"SigmaSight {content.title}  |  {content.portfolio['name']}  |  as of "
        f"{content.as_of_date.isoformat()}  |  data source: {content.data_source}"
    )


def _numbered_canvas(footer: str) -> type[Canvas]:
    """A canvas that defers each page so the footer can say ``Page n of N``."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            self.saveState()
            self.setStrokeColor(NAVY)
            self.setLineWidth(1.2)
            self.line(MARGIN, PAGE_HEIGHT - MARGIN + 10, PAGE_WIDTH - MARGIN, PAGE_HEIGHT - MARGIN + 10)
            self.setStrokeColor(LIGHT)
            self.setLineWidth(0.6)
            self.line(MARGIN, MARGIN - 8, PAGE_WIDTH - MARGIN, MARGIN - 8)
            self.setFont("Helvetica", 6.8)
            self.setFillColor(GREY)
            self.drawString(MARGIN, MARGIN - 18, footer)
            self.drawRightString(PAGE_WIDTH - MARGIN, MARGIN - 18, f"Page {self._pageNumber} of {total}")
            self.restoreState()

    return NumberedCanvas


def _cell(text: str, right: bool, *, header: bool = False) -> Paragraph:
    style = CELL_R if right else CELL
    body = escape(text)
    if header:
        body = f'<font color="white"><b>{body}</b></font>'
    elif right and text.startswith("-"):
        body = f'<font color="{charts.RED}">{body}</font>'
    return Paragraph(body, style)


def _table(block: layout.Table, width: float, *, keep: bool = True) -> Any:
    """The table (with its title above it: kept together, or as a list for a table cell)."""
    rights = [a == "r" for a in block.align]
    data = [[_cell(h, r, header=True) for h, r in zip(block.headers, rights, strict=True)]]
    data += [[_cell(c, r) for c, r in zip(row, rights, strict=True)] for row in block.rows]
    weights = block.widths or [1.0] * len(block.headers)
    widths = [width * w / sum(weights) for w in weights]
    table = Table(data, colWidths=widths, repeatRows=1)
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), NAVY),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.6),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("LINEBELOW", (0, -1), (-1, -1), 0.6, GREY),
    ]
    style += [("BACKGROUND", (0, i), (-1, i), ZEBRA) for i in range(2, len(data), 2)]
    table.setStyle(TableStyle(style))
    if not block.title:
        return table
    title = Paragraph(f"<b>{escape(block.title)}</b>", TABLE_TITLE)
    return [title, table] if keep else [title, Spacer(1, 2), table]


def _chart(block: layout.Chart, width: float) -> Image:
    w_in, h_in = block.figure.get_size_inches()
    draw_width = width * block.width if block.width < 1 else width
    image = Image(
        io.BytesIO(charts.png(block.figure, dpi=PNG_DPI)), width=draw_width, height=draw_width * h_in / w_in
    )
    return image


def _cards(block: layout.Cards) -> Table:
    cells = [
        [
            Paragraph(escape(label), CARD_LABEL),
            Paragraph(escape(value), CARD_VALUE),
            Paragraph(escape(sub), CARD_SUB),
        ]
        for label, value, sub in block.items
    ]
    per_row = 3 if len(cells) <= 9 else 4
    rows = [cells[i : i + per_row] for i in range(0, len(cells), per_row)]
    rows[-1] += [""] * (per_row - len(rows[-1]))
    gap = 6
    table = Table(rows, colWidths=[FRAME_WIDTH / per_row] * per_row)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), ZEBRA),
                ("LINEBEFORE", (0, 0), (-1, -1), 2.5, NAVY),
                ("INNERGRID", (0, 0), (-1, -1), gap / 2, colors.white),
                ("BOX", (0, 0), (-1, -1), gap / 2, colors.white),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ("LEFTPADDING", (0, 0), (-1, -1), 7),
            ]
        )
    )
    return table


def _cover(content: ReportContent, compact: bool) -> list[Flowable]:
    as_of = content.as_of_date.isoformat()
    generated = content.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    if compact:
        band = Table(
            [
                [Paragraph(escape(f"{content.title}: {content.portfolio['name']}"), MAST)],
                [
                    Paragraph(
                        escape(
                            f"As of {as_of}  |  data source: {content.data_source}  |  generated {generated}  |  {content.portfolio['currency']}"
                        ),
                        MAST_SUB,
                    )
                ],
            ],
            colWidths=[FRAME_WIDTH],
        )
        band.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), NAVY),
                    ("LEFTPADDING", (0, 0), (-1, -1), 10),
                    ("TOPPADDING", (0, 0), (-1, 0), 8),
                    ("BOTTOMPADDING", (0, -1), (-1, -1), 8),
                ]
            )
        )
        return [band, Spacer(1, 6)]
    band = Table(
        [
            [Paragraph("SIGMASIGHT", MAST_SUB)],
            [Paragraph(escape(content.title), TITLE_WHITE)],
            [Paragraph(escape(content.portfolio["name"]), SUBTITLE_WHITE)],
        ],
        colWidths=[FRAME_WIDTH],
    )
    band.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), NAVY),
                ("LEFTPADDING", (0, 0), (-1, -1), 16),
                ("TOPPADDING", (0, 0), (-1, 0), 16),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 16),
            ]
        )
    )
    facts = [
        ("As-of date", as_of),
        ("Data source", f"{content.data_source} (price provider of the batch)"),
        ("Currency", content.portfolio["currency"]),
        ("Generated", generated),
        ("Sections", ", ".join(SECTION_TITLES[s] for s in content.sections)),
    ]
    label_width = 1.3 * inch
    fact_table = Table(
        [[Paragraph(f"<b>{escape(k)}</b>", BODY), Paragraph(escape(v), BODY)] for k, v in facts],
        colWidths=[label_width, FRAME_WIDTH - label_width],
    )
    fact_table.setStyle(
        TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.4, LIGHT), ("TOPPADDING", (0, 0), (-1, -1), 3)])
    )
    conventions = Table(
        [
            [Paragraph(f"<b>{escape(k)}</b>", NOTE), Paragraph(escape(v), NOTE)]
            for k, v in content.conventions.items()
        ],
        colWidths=[label_width, FRAME_WIDTH - label_width],
    )
    conventions.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, LIGHT),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return [
        band,
        Spacer(1, 10),
        fact_table,
        Paragraph("At a glance", H2),
        _cards(layout.overview_cards(content.sections["overview"])),
        Paragraph("Conventions", H2),
        conventions,
    ]


def _flowables(block: layout.Block, content: ReportContent, width: float = FRAME_WIDTH) -> list[Flowable]:
    if isinstance(block, layout.Cover):
        return _cover(content, block.compact)
    if isinstance(block, layout.Heading):
        return [Paragraph(escape(block.text), H2)]
    if isinstance(block, layout.Note):
        return [Paragraph(escape(block.text), NOTE), Spacer(1, 3)]
    if isinstance(block, layout.Cards):
        return [_cards(block), Spacer(1, 4)]
    if isinstance(block, layout.Table):
        table = _table(block, width)
        return [*(table if isinstance(table, list) else [table]), Spacer(1, 5)]
    if isinstance(block, layout.Chart):
        return [_chart(block, width), Spacer(1, 3)]
    if isinstance(block, layout.Row):
        gap = 10
        inner = (width - gap * (len(block.items) - 1)) / len(block.items)
        cells = [
            _chart(layout.Chart(item.figure, 1.0), inner)
            if isinstance(item, layout.Chart)
            else _table(item, inner, keep=False)
            for item in block.items
        ]
        row = Table(
            [cells], colWidths=[inner + (gap if i < len(cells) - 1 else 0) for i in range(len(cells))]
        )
        row.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        return [row, Spacer(1, 5)]
    if isinstance(block, layout.PageBreak):
        return [PageBreak()]
    raise TypeError(f"Unknown block {block!r}")


def render_pdf(content: ReportContent) -> bytes:
    """The report as PDF bytes."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=letter,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{content.title}: {content.portfolio['name']} ({content.as_of_date.isoformat()})",
        author="SigmaSight",
        subject=f"Portfolio {content.portfolio['id']}",
    )
    story: list[Flowable] = []
    pending: list[Flowable] = []  # a heading, kept on the page of the block that follows it
    for block in layout.report_blocks(content):
        flowables = _flowables(block, content)
        if isinstance(block, layout.Heading):
            pending += flowables
            continue
        story += [KeepTogether([*pending, *flowables[:1]]), *flowables[1:]] if pending else flowables
        pending = []
    story += pending
    doc.build(story, canvasmaker=_numbered_canvas(_footer_text(content)))
    return buffer.getvalue()
