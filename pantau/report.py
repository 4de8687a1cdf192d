"""`pantau report`: the clipping report (*kliping berita*) of a period, as XLSX, DOCX or PDF.

One row per article — no, tanggal (local time with its zone), media, judul, tautan, tokoh yang
dikutip, angka yang dimuat, ringkasan/lead — after a cover page, the summary figures and three
charts: volume per day, share per outlet, most-quoted officials. Indonesian by default
(``--lang en`` for English: its words, and its forms of times and counts — "3 Oct 2025 11:40
WITA" and "1,234" where Indonesian prints "3 Okt 2025 11.40 WITA" and "1.234"; times are made by
:func:`kb.coverage.local_time`). Rows come from :func:`kb.coverage.iter_clippings` in batches:

- XLSX (openpyxl, write-only mode): rows are streamed to the file as they come, memory stays
  flat whatever the period's size (links are clickable in the first :data:`MAX_LINKED_ROWS`
  rows, text after); the summary sheet and its charts are written after the rows (it is
  created first, so it is the first tab);
- DOCX (python-docx) and PDF (reportlab) read the rows twice (summary first, then the table);
  python-docx keeps the document in memory until it is saved; the PDF's table is laid out in
  chunks of :data:`PDF_ROWS_PER_TABLE` fed lazily to reportlab, so its memory stays bounded.

PDF: reportlab, pure Python (no Cairo/Pango/GDK system libraries as WeasyPrint needs), with
vector charts from ``reportlab.graphics``. The DOCX charts are PNGs drawn with Pillow (a
dependency of reportlab): reportlab 5's bitmap renderer needs pycairo, a system library.

The file is written to a temporary name beside ``--output`` and renamed at the end: a failed
report leaves no partial file.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import itertools
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from extract.numbers import format_number
from pantau.config import Paths
from pantau.options import home_options

if TYPE_CHECKING:  # the KB stack is imported by the command: `pantau extract` loads none of it
    from kb.coverage import ClipFilter, Clipping

FORMATS = ("xlsx", "docx", "pdf")
TOP_N = 10  # outlets and officials shown in the charts and summary
PDF_ROWS_PER_TABLE = 100  # rows per reportlab Table: small tables lay out fast and split well
DOCX_CHART_SIZE = (1200, 520)  # pixels of a DOCX chart (printed 16 cm wide)
# openpyxl keeps every hyperlink in memory until the sheet is closed (~2.4 KB each), reportlab
# every link annotation until the PDF is saved: the first 10,000 rows get clickable links, later
# rows the URL as text, so memory stays bounded
MAX_LINKED_ROWS = 10_000
MIN_LABELLED_BAND = 24  # pixels: a narrower bar gets no value label (the digits would overlap)

LABELS: dict[str, dict[str, str]] = {
    "id": {
        "title": "Laporan Monitoring Media", "clipping": "Kliping Berita",
        "period": "Periode", "filter": "Filter", "made": "Dibuat",
        "summary": "Ringkasan", "articles": "Jumlah artikel", "outlets": "Jumlah media",
        "days": "Hari dengan pemberitaan", "busiest": "Hari tersibuk",
        "top_outlet": "Media terbanyak", "top_quoted": "Tokoh paling banyak dikutip",
        "per_day": "Volume pemberitaan per hari", "per_outlet": "Pangsa pemberitaan per media",
        "top_officials": "Tokoh yang paling banyak dikutip", "day": "Tanggal",
        "count": "Jumlah", "outlet": "Media", "official": "Tokoh", "quotes": "Kutipan",
        "no": "No", "date": "Tanggal", "media": "Media", "headline": "Judul", "link": "Tautan",
        "quoted": "Tokoh yang dikutip", "figures": "Angka yang dimuat", "lead": "Ringkasan/lead",
        "keyword": "kata kunci", "story": "cerita", "region": "wilayah",
        "none": "—", "generated_by": "Dibuat dengan Pantau",
    },
    "en": {
        "title": "Media Monitoring Report", "clipping": "Press Clippings",
        "period": "Period", "filter": "Filter", "made": "Generated",
        "summary": "Summary", "articles": "Articles", "outlets": "Outlets",
        "days": "Days with coverage", "busiest": "Busiest day",
        "top_outlet": "Top outlet", "top_quoted": "Most-quoted official",
        "per_day": "Coverage volume per day", "per_outlet": "Share of coverage per outlet",
        "top_officials": "Most-quoted officials", "day": "Date",
        "count": "Count", "outlet": "Outlet", "official": "Official", "quotes": "Quotes",
        "no": "No", "date": "Date", "media": "Outlet", "headline": "Headline", "link": "Link",
        "quoted": "Officials quoted", "figures": "Figures printed", "lead": "Summary/lead",
        "keyword": "keyword", "story": "story", "region": "region",
        "none": "—", "generated_by": "Made with Pantau",
    },
}  # fmt: skip
COLUMNS = ("no", "date", "media", "headline", "link", "quoted", "figures", "lead")
BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
         "September", "Oktober", "November", "Desember"]  # fmt: skip


def count_text(n: int, lang: str) -> str:
    """A count as ``lang`` groups thousands: "1.234" (:func:`extract.numbers.format_number`,
    Pantau's Indonesian form), English "1,234"."""
    return f"{n:,}" if lang == "en" else format_number(n)


def long_date(day: dt.date, lang: str) -> str:
    if lang == "en":
        return f"{day.day} {day:%B} {day.year}"
    return f"{day.day} {BULAN[day.month - 1]} {day.year}"


CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # XML (xlsx, docx) refuses them


def cells(c: Clipping) -> list[Any]:
    """The row of one article, in :data:`COLUMNS` order (control characters a page may carry
    removed: XLSX and DOCX are XML, which cannot hold them)."""
    row: list[Any] = [c.no, c.published_local, c.outlet_title, c.title, c.url,
                      "; ".join(c.quoted), "; ".join(c.figures), c.lead]  # fmt: skip
    return [CONTROL_CHARS.sub("", v) if isinstance(v, str) else v for v in row]


@dataclass
class Summary:
    """The figures of a period, gathered in one pass over the rows (bounded by the number of
    days, outlets and officials, not of articles)."""

    articles: int = 0
    per_day: Counter[dt.date] = field(default_factory=Counter)
    per_outlet: Counter[str] = field(default_factory=Counter)
    quoted: Counter[str] = field(default_factory=Counter)

    def add(self, c: Clipping) -> None:
        self.articles += 1
        self.per_day[c.day] += 1
        self.per_outlet[c.outlet_title] += 1
        for name in c.quoted:
            self.quoted[name] += 1

    def days(self, start: dt.date, end: dt.date) -> list[tuple[dt.date, int]]:
        """Every day of the period with its count (zero days included)."""
        n = (end - start).days + 1
        return [(d, self.per_day.get(d, 0)) for d in (start + dt.timedelta(i) for i in range(n))]

    def lines(self, lang: str) -> list[tuple[str, str]]:
        t = LABELS[lang]
        busiest = max(self.per_day.items(), key=lambda kv: (kv[1], kv[0]), default=None)

        def top(counter: Counter[str]) -> str:
            best = counter.most_common(1)
            return f"{best[0][0]} ({best[0][1]})" if best else t["none"]

        return [
            (t["articles"], count_text(self.articles, lang)),
            (t["outlets"], str(len(self.per_outlet))),
            (t["days"], str(len(self.per_day))),
            (t["busiest"], f"{long_date(busiest[0], lang)} ({busiest[1]})" if busiest else "—"),
            (t["top_outlet"], top(self.per_outlet)),
            (t["top_quoted"], top(self.quoted)),
        ]


@dataclass
class Report:
    """What a writer needs: the filter, the language, and a way to read the rows (again)."""

    flt: ClipFilter
    lang: str
    rows: Callable[[], Iterable[Clipping]]
    made: dt.datetime
    summary: Summary | None = None

    @property
    def t(self) -> dict[str, str]:
        return LABELS[self.lang]

    def made_text(self) -> str:
        """When the report was made: "2025-11-03 11.40 WITA", English "2025-11-03 11:40 WITA"."""
        clock = "%H:%M" if self.lang == "en" else "%H.%M"
        return self.made.strftime(f"%Y-%m-%d {clock} %Z")

    def period(self) -> str:
        return f"{long_date(self.flt.start, self.lang)} – {long_date(self.flt.end, self.lang)}"

    def filters(self) -> str:
        words = {"keyword": self.t["keyword"], "story": self.t["story"],
                 "official": self.t["official"].lower(), "region": self.t["region"],
                 "outlet": self.t["outlet"].lower()}  # fmt: skip
        return "; ".join(f"{words[k]}: {v}" for k, v in self.flt.describe()) or self.t["none"]

    def summarise(self) -> Summary:
        if self.summary is None:
            s = Summary()
            for c in self.rows():
                s.add(c)
            self.summary = s
        return self.summary


class EmptyPeriod(click.ClickException):
    """Nothing to report: exit 1 with one line, no file written."""


# -- XLSX ----------------------------------------------------------------------------------------
def write_xlsx(report: Report, out: Path) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.chart import BarChart, PieChart, Reference
    from openpyxl.styles import Alignment, Font

    t = report.t
    rows = iter(report.rows())
    first = next(rows, None)
    if first is None:  # before the workbook exists: nothing half-written to clean up
        raise EmptyPeriod(_empty(report))
    wb = Workbook(write_only=True)
    summary_ws = wb.create_sheet(t["summary"])
    clip_ws = wb.create_sheet(t["clipping"])
    for col, width in zip("ABCDEFGH", (6, 22, 18, 50, 40, 28, 36, 80), strict=True):
        clip_ws.column_dimensions[col].width = width
    clip_ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for key in COLUMNS:
        cell = WriteOnlyCell(clip_ws, value=t[key])
        cell.font = bold
        header.append(cell)
    clip_ws.append(header)
    wrap = Alignment(wrap_text=True, vertical="top")
    s = Summary()
    for c in itertools.chain([first], rows):
        s.add(c)
        row = []
        for i, value in enumerate(cells(c)):
            cell = WriteOnlyCell(clip_ws, value=value)
            if i == 4 and c.no <= MAX_LINKED_ROWS:
                cell.hyperlink = c.url
            if i in (3, 7):
                cell.alignment = wrap
            row.append(cell)
        clip_ws.append(row)
    report.summary = s
    # the summary sheet: figures, then the three tables the charts draw
    summary_ws.column_dimensions["A"].width = 34
    summary_ws.column_dimensions["B"].width = 40
    written = 0

    def put(*values: Any) -> int:
        """Append a row to the summary sheet; its 1-based row number."""
        nonlocal written
        summary_ws.append(list(values))
        written += 1
        return written

    title = WriteOnlyCell(summary_ws, value=f"{t['title']} — {t['clipping']}")
    title.font = Font(bold=True, size=14)
    put(title)
    put(t["period"], report.period())
    put(t["filter"], report.filters())
    put(t["made"], report.made_text())
    put()
    for label, value in s.lines(report.lang):
        put(label, value)

    def block(head: tuple[str, str], items: list[tuple[Any, int]]) -> tuple[int, int]:
        """A header and its rows; (header row, last row)."""
        put()
        first = put(*head)
        for label, n in items:
            put(label, n)
        return first, first + len(items)

    days = [(d.isoformat(), n) for d, n in s.days(report.flt.start, report.flt.end)]
    day_rows = block((t["day"], t["count"]), days)
    outlets = s.per_outlet.most_common(TOP_N)
    outlet_rows = block((t["outlet"], t["count"]), outlets)
    quoted = s.quoted.most_common(TOP_N)
    quoted_rows = block((t["official"], t["quotes"]), quoted)

    def ref(rows: tuple[int, int], col: int) -> Reference:
        return Reference(summary_ws, min_col=col, min_row=rows[0], max_row=rows[1])

    per_day = BarChart()
    per_day.title, per_day.legend = t["per_day"], None
    per_day.add_data(ref(day_rows, 2), titles_from_data=True)
    per_day.set_categories(ref((day_rows[0] + 1, day_rows[1]), 1))
    per_day.width, per_day.height = 24, 8
    summary_ws.add_chart(per_day, "D2")
    if outlets:
        pie = PieChart()
        pie.title = t["per_outlet"]
        pie.add_data(ref(outlet_rows, 2), titles_from_data=True)
        pie.set_categories(ref((outlet_rows[0] + 1, outlet_rows[1]), 1))
        summary_ws.add_chart(pie, "D19")
    if quoted:
        top = BarChart()
        top.type, top.title, top.legend = "bar", t["top_officials"], None
        top.add_data(ref(quoted_rows, 2), titles_from_data=True)
        top.set_categories(ref((quoted_rows[0] + 1, quoted_rows[1]), 1))
        top.width = 18
        summary_ws.add_chart(top, "D36")
    wb.save(out)
    return s.articles


def _empty(report: Report) -> str:
    what = "" if not report.flt.describe() else f" ({report.filters()})"
    if report.lang == "en":
        return f"no articles between {report.flt.start} and {report.flt.end}{what}"
    return f"tidak ada artikel antara {report.flt.start} dan {report.flt.end}{what}"


# -- charts as PNG (DOCX) ------------------------------------------------------------------------
def png_bar_chart(title: str, items: list[tuple[str, int]], *, horizontal: bool = False) -> bytes:
    """A plain bar chart as PNG bytes (Pillow)."""
    from PIL import Image, ImageDraw, ImageFont

    w, h = DOCX_CHART_SIZE
    img = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=22)
    small = ImageFont.load_default(size=16)
    draw.text((20, 12), title, fill="black", font=font)
    top, bottom, left, right = 60, h - 60, 60, w - 30
    peak = max((n for _, n in items), default=0) or 1
    color = (38, 110, 160)
    if horizontal:
        left = 330
        band = (bottom - top) / max(len(items), 1)
        for i, (label, n) in enumerate(items):
            y = top + i * band
            x1 = left + (right - left - 60) * n / peak
            draw.rectangle([left, y + band * 0.15, x1, y + band * 0.85], fill=color)
            draw.text((20, y + band * 0.3), label[:32], fill="black", font=small)
            draw.text((x1 + 8, y + band * 0.3), str(n), fill="black", font=small)
    else:
        band = (right - left) / max(len(items), 1)
        step = max(1, len(items) // 12)  # at most ~12 date labels under the axis
        for i, (label, n) in enumerate(items):
            x = left + i * band
            y0 = bottom - (bottom - top - 20) * n / peak
            draw.rectangle([x + band * 0.15, y0, x + band * 0.85, bottom], fill=color)
            if n and band >= MIN_LABELLED_BAND:
                draw.text((x + band * 0.2, y0 - 20), str(n), fill="black", font=small)
            if i % step == 0:
                draw.text((x, bottom + 8), label, fill="black", font=small)
        draw.line([left, bottom, right, bottom], fill="black", width=2)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


# -- DOCX ----------------------------------------------------------------------------------------
def write_docx(report: Report, out: Path) -> int:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_BREAK
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    s = report.summarise()
    if not s.articles:
        raise EmptyPeriod(_empty(report))
    t = report.t
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    doc.styles["Normal"].font.size = Pt(9)
    # cover
    doc.add_heading(t["title"], level=0)
    doc.add_paragraph(t["clipping"]).runs[0].font.size = Pt(16)
    doc.add_paragraph(f"{t['period']}: {report.period()}")
    doc.add_paragraph(f"{t['filter']}: {report.filters()}")
    doc.add_paragraph(f"{t['made']}: {report.made_text()}")
    doc.add_paragraph(t["generated_by"])
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    # summary and charts
    doc.add_heading(t["summary"], level=1)
    table = doc.add_table(rows=0, cols=2)
    table.style = "Light List Accent 1"
    for label, value in s.lines(report.lang):
        row = table.add_row().cells
        row[0].text, row[1].text = label, value
    days = [(f"{d.day}/{d.month}", n) for d, n in s.days(report.flt.start, report.flt.end)]
    charts = [
        (t["per_day"], days, False),
        (t["per_outlet"], s.per_outlet.most_common(TOP_N), True),
        (t["top_officials"], s.quoted.most_common(TOP_N), True),
    ]
    for title, items, horizontal in charts:
        if items:
            doc.add_paragraph()
            doc.add_picture(io.BytesIO(png_bar_chart(title, items, horizontal=horizontal)),
                            width=Cm(16))  # fmt: skip
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    # the clipping table
    doc.add_heading(t["clipping"], level=1)
    grid = doc.add_table(rows=1, cols=len(COLUMNS))
    grid.style = "Table Grid"
    for cell, key in zip(grid.rows[0].cells, COLUMNS, strict=True):
        cell.text = t[key]
        cell.paragraphs[0].runs[0].font.bold = True
    # one row made by python-docx, then copied per article: python-docx's add_row() walks the
    # whole table each time (10,500 rows: 252 s), a copy of the row element does not
    template = grid.add_row()
    for cell in template.cells:
        cell.text = "-"
    row_xml = template._tr
    grid._tbl.remove(row_xml)
    for c in report.rows():
        tr = copy.deepcopy(row_xml)
        for t, value in zip(tr.iter(qn("w:t")), cells(c), strict=True):
            t.text = str(value)
            t.set(qn("xml:space"), "preserve")
        grid._tbl.append(tr)
    doc.save(str(out))
    return s.articles


# -- PDF -----------------------------------------------------------------------------------------
class LazyFlowables(list[Any]):
    """A list reportlab consumes from the front, filled from an iterator as it goes: the
    clipping table's flowables are made while the PDF is laid out, not all up front."""

    def __init__(self, head: list[Any], tail: Iterator[Any]) -> None:
        super().__init__(head)
        self.tail = tail

    def _fill(self) -> None:
        if not super().__len__():
            nxt = next(self.tail, None)
            if nxt is not None:
                super().append(nxt)

    def __len__(self) -> int:
        self._fill()
        return super().__len__()

    def __getitem__(self, index: Any) -> Any:
        self._fill()
        return super().__getitem__(index)


def write_pdf(report: Report, out: Path) -> int:
    from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
    from reportlab.graphics.charts.piecharts import Pie
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    s = report.summarise()
    if not s.articles:
        raise EmptyPeriod(_empty(report))
    t = report.t
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7, leading=8.5)
    bold = small.clone("bold", fontName="Helvetica-Bold")

    def esc(text: Any) -> str:
        return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    head: list[Any] = [
        Spacer(1, 5 * cm),
        Paragraph(esc(t["title"]), styles["Title"]),
        Paragraph(esc(t["clipping"]), styles["Heading2"]),
        Spacer(1, 1 * cm),
        Paragraph(f"{esc(t['period'])}: {esc(report.period())}", styles["BodyText"]),
        Paragraph(f"{esc(t['filter'])}: {esc(report.filters())}", styles["BodyText"]),
        Paragraph(f"{esc(t['made'])}: {esc(report.made_text())}", styles["BodyText"]),
        Paragraph(esc(t["generated_by"]), styles["BodyText"]),
        PageBreak(),
        Paragraph(esc(t["summary"]), styles["Heading1"]),
    ]
    facts = Table([[label, value] for label, value in s.lines(report.lang)],
                  colWidths=[7 * cm, 10 * cm])  # fmt: skip
    facts.setStyle(TableStyle([("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold"),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey)]))  # fmt: skip
    head += [facts, Spacer(1, 0.5 * cm)]
    # charts: vector drawings
    days = s.days(report.flt.start, report.flt.end)
    d1 = Drawing(25 * cm, 6 * cm)
    d1.add(String(0, 6 * cm - 12, t["per_day"], fontName="Helvetica-Bold", fontSize=10))
    bars = VerticalBarChart()
    bars.x, bars.y, bars.width, bars.height = 30, 30, 25 * cm - 40, 6 * cm - 60
    bars.data = [[n for _, n in days]]
    step = max(1, len(days) // 15)
    bars.categoryAxis.categoryNames = [
        f"{d.day}/{d.month}" if i % step == 0 else "" for i, (d, _) in enumerate(days)
    ]
    bars.categoryAxis.labels.fontSize = 6
    bars.valueAxis.valueMin = 0
    bars.bars[0].fillColor = colors.HexColor("#266ea0")
    d1.add(bars)
    outlets = s.per_outlet.most_common(TOP_N)
    d2 = Drawing(12 * cm, 6 * cm)
    d2.add(String(0, 6 * cm - 12, t["per_outlet"], fontName="Helvetica-Bold", fontSize=10))
    pie = Pie()
    # centred, with room on both sides for the side labels ("Kabar Sasando (10)")
    pie.x, pie.y, pie.width, pie.height = 3.8 * cm, 10, 4.4 * cm, 4.4 * cm
    pie.data = [n for _, n in outlets]
    pie.labels = [f"{name} ({n})" for name, n in outlets]
    pie.simpleLabels = 0
    pie.sideLabels = 1
    d2.add(pie)
    quoted = s.quoted.most_common(TOP_N)
    d3 = Drawing(12 * cm, 6 * cm)
    d3.add(String(0, 6 * cm - 12, t["top_officials"], fontName="Helvetica-Bold", fontSize=10))
    if quoted:
        hb = HorizontalBarChart()
        hb.x, hb.y, hb.width, hb.height = 4.5 * cm, 10, 7 * cm, 6 * cm - 40
        hb.data = [[n for _, n in reversed(quoted)]]
        hb.categoryAxis.categoryNames = [name[:28] for name, _ in reversed(quoted)]
        hb.categoryAxis.labels.fontSize = 6
        hb.valueAxis.valueMin = 0
        hb.bars[0].fillColor = colors.HexColor("#266ea0")
        d3.add(hb)
    head += [d1, Spacer(1, 0.5 * cm), Table([[d2, d3]]), PageBreak(),
             Paragraph(esc(t["clipping"]), styles["Heading1"])]  # fmt: skip
    widths = [1 * cm, 2.6 * cm, 2.4 * cm, 5 * cm, 4.2 * cm, 3 * cm, 3.4 * cm, 6.2 * cm]
    header = [Paragraph(esc(t[k]), bold) for k in COLUMNS]
    style = TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde8f0")),
    ])  # fmt: skip

    def tables() -> Iterator[Any]:
        chunk: list[list[Any]] = []
        for c in report.rows():
            row = cells(c)
            link = c.no <= MAX_LINKED_ROWS  # each link annotation stays in memory until saved
            row[4] = f'<link href="{esc(c.url)}">{esc(c.url)}</link>' if link else esc(c.url)
            chunk.append([Paragraph(v if i == 4 else esc(v), small) for i, v in enumerate(row)])
            if len(chunk) == PDF_ROWS_PER_TABLE:
                yield _table(header, chunk, widths, style)
                chunk = []
        if chunk:
            yield _table(header, chunk, widths, style)

    doc = SimpleDocTemplate(
        str(out), pagesize=landscape(A4), leftMargin=1.2 * cm, rightMargin=1.2 * cm,
        topMargin=1.2 * cm, bottomMargin=1.2 * cm, title=f"{t['title']} — {report.period()}",
        author="Pantau", pageCompression=1,  # page streams kept compressed until saved
    )  # fmt: skip
    doc.build(LazyFlowables(head, tables()))
    return s.articles


def _table(header: list[Any], rows: list[list[Any]], widths: list[float], style: Any) -> Any:
    from reportlab.platypus import Table

    table = Table([header, *rows], colWidths=widths, repeatRows=1)
    table.setStyle(style)
    return table


WRITERS: dict[str, Callable[[Report, Path], int]] = {
    "xlsx": write_xlsx, "docx": write_docx, "pdf": write_pdf,
}  # fmt: skip


def make_report(engine: Any, flt: ClipFilter, fmt: str, out: Path, lang: str = "id") -> Report:
    """Write the report to ``out`` (through a temporary file, renamed at the end)."""
    import wilayah
    from kb.coverage import iter_clippings

    report = Report(flt, lang, lambda: iter_clippings(engine, flt, lang),
                    dt.datetime.now(wilayah.DEFAULT_ZONE))  # fmt: skip
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        WRITERS[fmt](report, tmp)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return report


# -- the command ---------------------------------------------------------------------------------
@click.command()
@home_options
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="First day (local date), YYYY-MM-DD")  # fmt: skip
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="Last day (local date), YYYY-MM-DD")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="File format [default: from "
              "the --output suffix]")  # fmt: skip
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write")  # fmt: skip
@click.option("--keyword", multiple=True, help="Only articles with this word (repeatable: any)")
@click.option("--story", type=int, multiple=True, help="Only this story id (repeatable)")
@click.option("--official", multiple=True, help="Only articles naming this official")
@click.option("--region", multiple=True, help="Only articles about this region (name or code)")
@click.option("--outlet", multiple=True, help="Only this outlet (slug or name)")
@click.option("--lang", type=click.Choice(["id", "en"]), default="id", show_default=True,
              help="Language of the report")  # fmt: skip
def report(
    home: Path,
    db: str | None,
    start: dt.datetime,
    end: dt.datetime,
    fmt: str | None,
    output: Path,
    keyword: tuple[str, ...],
    story: tuple[int, ...],
    official: tuple[str, ...],
    region: tuple[str, ...],
    outlet: tuple[str, ...],
    lang: str,
) -> None:
    """Clipping report of a period (XLSX, DOCX or PDF): cover, summary, charts, one row per
    article. Prints a JSON summary on stdout."""
    import json

    from pantau.coverage_cli import open_existing_kb

    fmt = fmt or output.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise click.ClickException(
            f"--output {output}: give --format {'|'.join(FORMATS)} (or a .xlsx/.docx/.pdf name)"
        )
    if start > end:
        raise click.ClickException(f"--from {start:%Y-%m-%d} is after --to {end:%Y-%m-%d}")
    if not output.parent.resolve().is_dir():
        raise click.ClickException(f"--output {output}: folder {output.parent} does not exist")
    from kb.coverage import ClipFilter

    flt = ClipFilter(start.date(), end.date(), keyword, story, official, region, outlet)
    kb = open_existing_kb(Paths.from_options(home, db))
    try:
        try:
            made = make_report(kb.engine, flt, fmt, output, lang)
        except OSError as exc:
            raise click.ClickException(f"--output {output}: {exc.strerror or exc}") from exc
    finally:
        kb.close()
    s = made.summarise()
    click.echo(json.dumps({
        "output": str(output), "format": fmt, "period": [str(flt.start), str(flt.end)],
        "filter": dict(flt.describe()), "articles": s.articles, "outlets": dict(s.per_outlet),
        "per_day": {str(d): n for d, n in sorted(s.per_day.items())},
        "top_quoted": s.quoted.most_common(TOP_N),
        "summary": dict(s.lines(lang)),
    }, indent=2, ensure_ascii=False))  # fmt: skip
    click.echo(f"{output}: {s.articles} artikel", err=True)
