"""Report output sheets (blocks, totals, formulas with cached values, money in the functional
currency, charts, print layout) in the file, memory and live-Excel adapters and the sidecar."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import fastexcel
import openpyxl
import pandas as pd
import pytest
from fake_excel import Book
from lxml import etree
from reports import CHARTS, SHEET, TOTAL, chart_kinds, formula_cells, report_sheet

from workbooks.layout import money_format
from workbooks.live_excel import LiveWorkbook
from workbooks.memory import MemoryWorkbook
from workbooks.model import Block, CellKind, Formula, OutputColumn, OutputSheet
from workbooks.xlsx.ooxml import read_rels
from workbooks.xlsx.sidecar import write_sidecar
from workbooks.xlsx_file import FileWorkbook

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path("/work/shared/corpus/excel-made")
BRL = '"R$" #,##0.00'
EXPECTED_FORMULAS = {  # as written: ref -> (formula, cached value)
    "B6": ("=SUBTOTAL(109,BO_CloseReport[Net])", 2000),
    "B10": ("=SUM(B3:B4)", 1999.75),
    "B11": ("=ROUND(B4/B6,4)", 0.3996),
    "B12": ('=COUNTIFS(A3:A5,"<>")', 3),
    "B13": ('=SUMIFS(B3:B5,B3:B5,">500")', 1999.75),
    "C13": ('=IF(B6>1000,"big","small")', "big"),
    "B14": ("=SUM(B10:B13)", 4002.8996),
}


def fresh_book(folder: Path, name: str = "book.xlsx") -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = "Orders"
    wb.active.append(["Order ID"])
    wb.active.append(["A-1"])
    folder.mkdir(parents=True, exist_ok=True)
    wb.save(folder / name)
    return folder / name


def write(path: Path, *sheets: OutputSheet) -> None:
    book = FileWorkbook.open(path)
    for sheet in sheets:
        book.write_sheet(sheet)
    book.save()


def test_places_give_the_cells_a_builder_refers_to():
    sheet = report_sheet()
    figures, checks = sheet.place(0), sheet.place(1)
    assert (figures.heading_row, figures.header_row, figures.first_row, figures.last_row,
            figures.totals_row) == (1, 2, 3, 5, 6)
    assert (checks.heading_row, checks.header_row, checks.totals_row) == (8, 9, 14)
    assert figures.column("Net", absolute=True, sheet=True) == "'Close Report'!$B$3:$B$5"
    assert figures.total("Net") == "B6" and checks.cell(3, "Status") == "C13"
    with pytest.raises(KeyError, match="no column 'Gross'"):
        figures.column("Gross")


def test_file_keeps_formulas_with_the_engines_values_cached(tmp_path):
    path = fresh_book(tmp_path)
    write(path, report_sheet())
    found = formula_cells(path)
    assert found == EXPECTED_FORMULAS
    rows = fastexcel.read_excel(str(path)).load_sheet_by_name(SHEET, header_row=None,
                                                              dtypes="string").to_pandas()
    cached = {(r + 1, c): v for r, row in enumerate(rows.itertuples(index=False)) for c, v in
              enumerate(row, start=1) if not pd.isna(v)}
    assert [cached[(r, 2)] for r in (6, 10, 11, 12, 13, 14)] == [
        "2000", "1999.75", "0.3996", "3", "1999.75", "4002.8996"]
    assert cached[(13, 3)] == "big"
    assert cached[(1, 1)] == "Key figures" and cached[(6, 1)] == "Total"


def test_money_bold_headings_percent_dates_and_print_layout(tmp_path):
    path = fresh_book(tmp_path)
    write(path, report_sheet())
    ws = openpyxl.load_workbook(path)[SHEET]
    assert ws["B3"].number_format == BRL and ws["B6"].number_format == BRL
    assert ws["C3"].number_format == "0.00%" and ws["D3"].number_format == "yyyy-mm-dd"
    assert ws["D3"].value == datetime(2026, 10, 31)
    assert ws["A1"].font.b and ws["A1"].font.sz == 14 and not ws["A3"].font.b
    assert ws["A6"].font.b and ws["B6"].font.b  # the totals row
    assert ws["A10"].font.b and ws["B10"].font.b and not ws["A11"].font.b  # bold_rows
    assert ws["A9"].font.b  # a plain block's header
    assert ws["A3"].hyperlink.location == "'Orders'!A2"
    assert ws.print_area == "'Close Report'!$A$1:$D$14"
    assert [b.id for b in ws.row_breaks.brk] == [7]  # the Checks block starts a page (row 8)
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    (table,) = ws.tables.values()
    assert (table.name, table.ref, table.totalsRowCount) == ("BO_CloseReport", "A2:D6", 1)
    assert money_format("USD") == '"$" #,##0.00' and money_format("PYG") == '"PYG" #,##0.00'
    assert money_format("") == "#,##0.00"


def test_charts_are_xlsxwriters_parts_with_the_right_types(tmp_path):
    path = fresh_book(tmp_path)
    write(path, report_sheet())
    assert chart_kinds(path) == ["barChart/bar", "barChart/col", "lineChart", "pieChart"]
    with zipfile.ZipFile(path) as zf:
        types = zf.read("[Content_Types].xml").decode()
        chart = zf.read("xl/charts/chart1.xml").decode()
    assert "'Close Report'!$B$3:$B$5" in chart and "<c:numCache>" in chart  # values cached
    assert all(f'PartName="/xl/charts/chart{n}.xml"' in types for n in range(1, 5))
    drawing = openpyxl.load_workbook(path)[SHEET]._charts  # openpyxl reads them back
    assert len(drawing) == 4


def _package_problems(path: Path) -> list[str]:
    """Orphans and dangling references: every drawing/chart part is the target of a
    relationship, every relationship target exists, every override names a part."""
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        targets = set()
        for rels in (n for n in names if n.endswith(".rels")):
            source = rels.replace("_rels/", "").removesuffix(".rels")
            for _rtype, target, mode in read_rels(zf.read(rels), source).values():
                if mode != "External":
                    targets.add(target)
        overrides = {o.get("PartName").lstrip("/") for o in etree.fromstring(
            zf.read("[Content_Types].xml")) if o.get("PartName")}
    problems = [f"orphan {n}" for n in names if n.startswith(("xl/charts/", "xl/drawings/", "xl/tables/"))
                and not n.endswith(".rels") and n not in targets]
    problems += [f"dangling {t}" for t in targets if t not in names]
    problems += [f"override without part {o}" for o in overrides if o not in names]
    problems += [f"rels of missing part {n}" for n in names if n.endswith(".rels") and "/_rels/" in n
                 and n.replace("_rels/", "").removesuffix(".rels") not in names]
    return problems


def test_a_book_with_its_own_chart_keeps_it_and_reruns_leave_no_orphans(tmp_path):
    path = shutil.copy(CORPUS / "chart_bar01.xlsx", tmp_path / "charted.xlsx")
    with zipfile.ZipFile(path) as zf:
        theirs = {n: zf.read(n) for n in ("xl/charts/chart1.xml", "xl/drawings/drawing1.xml")}
    write(path, report_sheet())
    first = set(zipfile.ZipFile(path).namelist())
    write(path, report_sheet())
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        assert {n: zf.read(n) for n in theirs} == theirs  # their chart, byte for byte
    assert _package_problems(path) == []
    assert len([n for n in names if n.startswith("xl/charts/chart")]) == 5  # theirs + our 4
    assert len(names) == len(first)  # the rerun replaced ours, no more parts
    assert sorted(chart_kinds(path)) == sorted(["barChart/bar", "barChart/bar", "barChart/col",
                                                "lineChart", "pieChart"])
    without_charts = report_sheet()
    without_charts.charts.clear()
    write(path, without_charts)
    assert _package_problems(path) == []
    assert len([n for n in zipfile.ZipFile(path).namelist() if n.startswith("xl/charts/")]) == 1
    assert len(openpyxl.load_workbook(path)["Sheet1"]._charts) == 1


def _calc_chain(path: Path) -> bytes | None:
    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/calcChain.xml") if "xl/calcChain.xml" in zf.namelist() else None


def _set_calc_chain(path: Path, chain: bytes) -> None:
    """As Excel leaves it after calculating our sheet (sheetId 2)."""
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["xl/calcChain.xml"] = chain
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def test_calc_chain_entries_of_a_replaced_sheet_are_dropped(tmp_path):
    path = shutil.copy(CORPUS / "formula_results01.xlsx", tmp_path / "formulas.xlsx")
    original = _calc_chain(path)
    write(path, report_sheet())
    assert _calc_chain(path) == original  # a new sheet: the chain is left byte for byte
    ours = b'<c r="B6" i="2"/><c r="B10"/><c r="B11"/></calcChain>'
    _set_calc_chain(path, original.replace(b"</calcChain>", ours))
    write(path, report_sheet())
    chain = etree.fromstring(_calc_chain(path))
    assert [(c.get("r"), c.get("i")) for c in chain][:2] == [("A12", "1"), ("A5", "1")]
    assert len(chain) == 12 and all(c.get("i") == "1" for c in chain)
    assert openpyxl.load_workbook(path, data_only=True)["Sheet1"]["A12"].value is not None


def test_a_calc_chain_left_empty_goes_with_its_relationship_and_type(tmp_path):
    path = fresh_book(tmp_path)
    write(path, report_sheet())
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    rel = (b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
           b'relationships/calcChain" Target="calcChain.xml"/></Relationships>')
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", rel)
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", (
        b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.calcChain+xml"/></Types>'))
    parts["xl/calcChain.xml"] = (b'<calcChain xmlns="http://schemas.openxmlformats.org/'
                                 b'spreadsheetml/2006/main"><c r="B6" i="2"/><c r="B10"/></calcChain>')
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    write(path, report_sheet())
    with zipfile.ZipFile(path) as zf:
        assert "xl/calcChain.xml" not in zf.namelist()
        assert b"calcChain" not in zf.read("xl/_rels/workbook.xml.rels")
        assert b"calcChain" not in zf.read("[Content_Types].xml")
    assert _package_problems(path) == []


def test_memory_and_file_adapters_read_the_same_report(tmp_path):
    path = fresh_book(tmp_path)
    write(path, report_sheet())
    memory = MemoryWorkbook("book.xlsx", {"Orders": [["Order ID"], ["A-1"]]})
    memory.write_sheet(report_sheet())
    memory.save()
    got, want = FileWorkbook.open(path).grid(SHEET), memory.grid(SHEET)
    assert got.first_row == want.first_row == 1
    assert got.rows() == want.rows()
    assert got.tables == want.tables
    assert [(t.name, t.min_row, t.max_row) for t in want.tables] == [("BO_CloseReport", 2, 5)]
    cells = memory.output_cells(SHEET)
    for ref, (text, value) in EXPECTED_FORMULAS.items():
        assert isinstance(cells[ref].value, Formula) and cells[ref].value.text == text
        cached = cells[ref].value.cached
        assert (cached == value) if isinstance(value, str) else float(cached) == value
    assert cells["B6"].value.cached == TOTAL and cells["B6"].currency == "BRL" and cells["B6"].bold


def test_the_simple_form_is_written_as_before(tmp_path):
    path = fresh_book(tmp_path)
    sheet = OutputSheet("Checks", [OutputColumn("Sheet"), OutputColumn("Net", CellKind.MONEY)],
                        [["Orders", Decimal("1.50")]])
    write(path, sheet)
    ws = openpyxl.load_workbook(path)["Checks"]
    assert ws.freeze_panes == "A2" and ws["B2"].number_format == "#,##0.00"
    assert [t.ref for t in ws.tables.values()] == ["A1:B2"] and not ws.print_area
    assert not ws["A1"].font.b


def test_live_excel_writes_formulas_formats_tables_and_charts(tmp_path):
    book = Book(tmp_path / "live.xlsx", {"Orders": [["Order ID"], ["A-1"]]})
    for _ in range(2):  # a rerun replaces the charts
        live = LiveWorkbook(book)
        live.write_sheet(report_sheet())
        live.save()
    ws = book.sheets[SHEET]
    assert {f"{chr(64 + c)}{r}": f for (r, c), f in ws.formulas.items()} == {
        ref: text for ref, (text, _value) in EXPECTED_FORMULAS.items()}
    assert ws.values[(3, 2)] == 1200.5 and ws.values[(1, 1)] == "Key figures"
    assert ws.formats[(3, 2)] == BRL and ws.formats[(6, 2)] == BRL and ws.formats[(3, 3)] == "0.00%"
    assert ws.fonts[(1, 1)] == {"bold": True, "size": 14} and ws.fonts[(10, 1)] == {"bold": True}
    assert (3, 1) not in ws.fonts
    assert [(t.name, t.range.address) for t in ws.tables] == [("BO_CloseReport", "$A$2:$D$5")]
    assert [(c.chart_type, c.source, c.anchor, c.plot_by) for c in ws.charts] == [
        ("bar_clustered", "$A$2:$A$5,$B$2:$B$5", "$H$1", "columns"),
        ("column_clustered", "$A$2:$A$5,$B$2:$B$5", "$H$17", "columns"),
        ("line", "$A$2:$A$5,$B$2:$B$5", "$P$1", "columns"),
        ("pie", "$A$2:$A$5,$B$2:$B$5", "$P$17", "columns")]
    assert [c.title for c in ws.charts] == [f"Net by region ({k})" for k in CHARTS]
    assert ws.page_setup.print_area == "$A$1:$D$14" and ws.links[(3, 1)] == "#'Orders'!A2"


def test_the_results_file_carries_formulas_and_charts(tmp_path):
    source = fresh_book(tmp_path)
    target = write_sidecar(source, [report_sheet()])
    assert formula_cells(target) == EXPECTED_FORMULAS
    assert chart_kinds(target) == ["barChart/bar", "barChart/col", "lineChart", "pieChart"]
    assert _package_problems(target) == []


def test_a_long_text_in_a_block_names_its_cell(tmp_path):
    path = fresh_book(tmp_path)
    sheet = OutputSheet("Notes", blocks=[Block([OutputColumn("Memo")], [["x" * 40000]],
                                               heading="Memos", table=False)])
    with pytest.raises(Exception, match=r"Notes!A3 \(Memo\): the text is 40,000 characters"):
        write(path, sheet)


def test_openxml_audit_finds_no_error_in_our_parts(tmp_path):
    path = shutil.copy(CORPUS / "chart_bar01.xlsx", tmp_path / "audited.xlsx")
    write(path, report_sheet())
    done = subprocess.run([str(ROOT / ".venv/bin/openxml-audit"), str(path)], capture_output=True,
                          text=True, timeout=120)
    assert "Errors: 0" in done.stdout, done.stdout + done.stderr


def test_add_places_each_block_where_a_full_pass_does():
    sheet = OutputSheet("Payslips")
    returned = [sheet.add(Block([OutputColumn("Item")], [["x"]] * (i % 4), heading="H" * (i % 2),
                                totals=("Item",) * (i % 3 == 0), table=i % 5 != 0))
                for i in range(40)]
    assert returned == sheet.places() and sheet.places()[39] == sheet.place(39)
    assert [p.header_row for p in returned[:4]] == [1, 5, 8, 13]
