"""A report output sheet with everything the flows need, shared by the output-sheet tests: two
blocks (an Excel Table with a totals row, a plain range with formulas and a totals row), money in
BRL, a percent, a date, links, and one chart of each kind."""

from __future__ import annotations

import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
from lxml import etree

from workbooks.model import Block, CellKind, Chart, ChartKind, Formula, OutputColumn, OutputSheet

SHEET = "Close Report"
SALES = [["North", Decimal("1200.50"), Decimal("0.10"), date(2026, 10, 31)],
         ["South", Decimal("799.25"), Decimal("0.05"), date(2026, 10, 30)],
         ["East", Decimal("0.25"), Decimal("0.125"), date(2026, 10, 1)]]
TOTAL = Decimal("2000.00")
CHARTS = {ChartKind.BAR: "H1", ChartKind.COLUMN: "H17", ChartKind.LINE: "P1", ChartKind.PIE: "P17"}


def report_sheet() -> OutputSheet:
    """The Close Report-like sheet: figures (a table with totals), checks (plain, formulas)."""
    sheet = OutputSheet(SHEET, currency="BRL", printable=True)
    sales = sheet.add(Block(
        [OutputColumn("Region"), OutputColumn("Net", CellKind.MONEY),
         OutputColumn("Rate", CellKind.PERCENT), OutputColumn("Closed", CellKind.DATE)],
        [list(row) for row in SALES], heading="Key figures", totals=("Net",),
        links={(0, 0): "'Orders'!A2"}))
    share = f"ROUND({sales.cell(1, 'Net')}/{sales.total('Net')},4)"
    sheet.add(Block(
        [OutputColumn("Check"), OutputColumn("Amount", CellKind.MONEY),
         OutputColumn("Status")],
        [["Net of North and South", Formula(f"=SUM({sales.cell(0, 'Net')}:{sales.cell(1, 'Net')})",
                                            Decimal("1999.75")), "ok"],
         ["South share", Formula(f"={share}", Decimal("0.3996")), "ok"],
         ["Rows counted", Formula(f"=COUNTIFS({sales.column('Region')},\"<>\")", 3), "ok"],
         ["Big regions", Formula(f"=SUMIFS({sales.column('Net')},{sales.column('Net')},\">500\")",
                                 Decimal("1999.75")),
          Formula(f"=IF({sales.total('Net')}>1000,\"big\",\"small\")", "big")]],
        heading="Checks", table=False, totals=("Amount",), bold_rows=frozenset({0}),
        page_break_before=True))
    for kind, anchor in CHARTS.items():
        sheet.charts.append(Chart(kind, 0, "Region", ("Net",), title=f"Net by region ({kind})",
                                  anchor=anchor))
    return sheet


def formula_cells(path: Path, sheet: str = SHEET) -> dict[str, tuple[str, object]]:
    """Every formula cell of a sheet: {ref: (formula, cached value)} as openpyxl reads them."""
    formulas = openpyxl.load_workbook(path)[sheet]
    cached = openpyxl.load_workbook(path, data_only=True)[sheet]
    return {c.coordinate: (c.value, cached[c.coordinate].value)
            for row in formulas.iter_rows() for c in row if c.data_type == "f"}


def chart_kinds(path: Path) -> list[str]:
    """The plot type of each chart part, e.g. "barChart/bar", "barChart/col", "pieChart"."""
    found = []
    c = "http://schemas.openxmlformats.org/drawingml/2006/chart"
    with zipfile.ZipFile(path) as zf:
        for name in sorted(n for n in zf.namelist() if n.startswith("xl/charts/chart")):
            plot = etree.fromstring(zf.read(name)).find(f".//{{{c}}}plotArea")
            for el in plot if plot is not None else []:
                kind = etree.QName(el).localname
                if kind.endswith("Chart"):
                    bar_dir = el.find(f"{{{c}}}barDir")
                    found.append(kind + (f"/{bar_dir.get('val')}" if bar_dir is not None else ""))
    return found
