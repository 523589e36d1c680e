"""A report output sheet (blocks, a table with a totals row, formulas, money, percent, dates,
a link) written into a document open in LibreOffice Calc by the UNO adapter
(workbooks/uno_calc.py), recalculated by Calc and saved: Calc's values of the formulas are the
engine's cached values, and the cells are the file adapter's for the same sheet."""

from __future__ import annotations

import shutil
import sysconfig
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from calc_office import CalcOffice
from reports import SHEET, chart_kinds, formula_cells, report_sheet

from workbooks.xlsx_file import FileWorkbook

pytestmark = pytest.mark.libreoffice
PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("calc-report")
    wb = openpyxl.Workbook()
    wb.active.title = "Orders"
    wb.active["A1"], wb.active["A2"] = "Order ID", "004501"
    base = folder / "base.xlsx"
    wb.save(base)
    by_file = shutil.copyfile(base, folder / "file.xlsx")
    book = FileWorkbook.open(by_file)
    book.write_sheet(report_sheet())
    book.save()
    with CalcOffice() as office:
        office.prepare(office.profile)
        office.start()
        target = office.place(base, "calc.xlsx")
        results = office.drive(
            [{"open": str(target)}, {"write_sheet": "reports:report_sheet"},
             {"read": f"{SHEET}.A1:D14"}, {"store": True}, {"close": True}],
            pythonpath=[str(PROJECT), str(PROJECT / "tests"), sysconfig.get_paths()["purelib"]])
        by_calc = shutil.copyfile(target, folder / "calc.xlsx")
    return {"results": results, "file": by_file, "calc": by_calc}


def test_the_adapter_writes_the_sheet_and_its_state(written):
    assert written["results"][1] == [SHEET]
    book = openpyxl.load_workbook(written["calc"])
    assert book.sheetnames == ["Orders", SHEET, "_BackOffice"]
    assert book["_BackOffice"].sheet_state == "hidden"
    assert [r[:2] for r in book["_BackOffice"].iter_rows(values_only=True)] == [
        ("Key", "Value"), ("owned sheet", SHEET), ("owned sheet", "_BackOffice")]


def test_calc_computes_every_formula_to_the_engines_cached_value(written):
    expected = formula_cells(written["file"])
    assert len(expected) == 7
    values = written["results"][2]["values"]
    for ref, (_, cached) in expected.items():
        cell = openpyxl.utils.cell.coordinate_from_string(ref)
        got = values[cell[1] - 1][openpyxl.utils.cell.column_index_from_string(cell[0]) - 1]
        want = float(cached) if isinstance(cached, int | float | Decimal) else cached
        assert got == pytest.approx(want, abs=1e-9) if isinstance(want, float) else got == want, ref
    saved = formula_cells(written["calc"])
    assert sorted(saved) == sorted(expected)
    assert saved["B6"][1] == expected["B6"][1] == 2000  # the table's totals row
    assert saved["B6"][0] == "=SUBTOTAL(109,B3:B5)"  # Table[Net] as the plain range in Calc
    assert saved["B11"] == expected["B11"] == ("=ROUND(B4/B6,4)", 0.3996)


def test_the_cells_and_formats_are_the_file_adapters(written):
    by_file = openpyxl.load_workbook(written["file"], data_only=True)[SHEET]
    by_calc = openpyxl.load_workbook(written["calc"], data_only=True)[SHEET]
    assert [[c.value for c in row] for row in by_calc.iter_rows(max_col=4, max_row=14)] == \
        [[c.value for c in row] for row in by_file.iter_rows(max_col=4, max_row=14)]
    assert by_file["B3"].number_format == '"R$" #,##0.00'
    # LibreOffice writes the same formats its own way: the en-US tag, the space inside the quotes
    assert by_calc["B3"].number_format == '[$-409]"R$ "#,##0.00'
    assert by_calc["C3"].number_format == "[$-409]0.00%"
    assert by_calc["D3"].number_format == "[$-409]yyyy\\-mm\\-dd"
    assert by_calc["A1"].font.b and by_calc["A1"].font.sz == 14
    assert by_calc["A3"].hyperlink.location in ("'Orders'!A2", "Orders!A2")



def test_the_charts_are_the_file_adapters(written):
    assert chart_kinds(written["calc"]) == chart_kinds(written["file"]) == [
        "barChart/bar", "barChart/col", "lineChart", "pieChart"]
