"""A report sheet recalculated by a real spreadsheet: LibreOffice headless, recalculation on load
forced, must find every formula's value equal to the value we cached (the engine's figure)."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from reports import SHEET, formula_cells, report_sheet

from workbooks.model import Formula, OutputSheet
from workbooks.xlsx_file import FileWorkbook

try:
    from tests import libreoffice
except ImportError:  # tests/ itself on sys.path
    import libreoffice  # type: ignore[no-redef]

pytestmark = pytest.mark.libreoffice
CORPUS = Path("/work/shared/corpus/excel-made")


def _book(tmp_path: Path, source: str | None, sheet: OutputSheet) -> Path:
    path = tmp_path / "in" / "report.xlsx"
    path.parent.mkdir()
    if source:
        shutil.copy(CORPUS / source, path)
    else:
        wb = openpyxl.Workbook()
        wb.active.title = "Orders"
        wb.active.append(["Order ID"])
        wb.save(path)
    for _ in range(2):  # the second run replaces the first
        book = FileWorkbook.open(path)
        book.write_sheet(sheet)
        book.save()
    return path


def _mismatches(path: Path, outdir: Path) -> dict[str, tuple[object, object]]:
    """{ref: (cached, recalculated)} of the formula cells LibreOffice computes differently."""
    ours = formula_cells(path)
    assert len(ours) == 7 and all(value is not None for _f, value in ours.values())
    converted = libreoffice.convert(path, outdir)
    recalculated = openpyxl.load_workbook(converted, data_only=True)[SHEET]
    assert len(openpyxl.load_workbook(converted)[SHEET]._charts) == 4  # LibreOffice kept them
    return {ref: (cached, recalculated[ref].value) for ref, (_f, cached) in ours.items()
            if recalculated[ref].value != cached}


@pytest.mark.parametrize("source", [None, "chart_bar01.xlsx"])
def test_recalculated_values_equal_the_cached_ones(tmp_path, source):
    assert _mismatches(_book(tmp_path, source, report_sheet()), tmp_path / "out") == {}


def test_a_wrong_cached_value_is_caught(tmp_path):
    """The check itself: LibreOffice really recalculates (a cache we got wrong shows)."""
    sheet = report_sheet()
    sheet.blocks[1].rows[0][1] = Formula("=SUM(B3:B4)", Decimal("1999.70"))
    path = _book(tmp_path, None, sheet)
    assert _mismatches(path, tmp_path / "out") == {"B10": (1999.7, 1999.75),
                                                   "B14": (4002.8496, 4002.8996)}
