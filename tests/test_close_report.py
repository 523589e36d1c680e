"""The closed book as a spreadsheet shows it: LibreOffice headless recalculates the Journal, the
Trial Balance (SUMIFS over the Journal) and the Close Report's figures and finds every formula's
value equal to the figure we cached (the engine's); openxml-audit finds no error Excel would
repair; the Journal and Trial Balance of the small hand-checked book (tests/rulebook.py, figures
checked in tests/test_journal.py) match their golden files cell by cell.

After an intended change, regenerate the golden files with BACKOFFICE_UPDATE_GOLDEN=1 and review
the diff."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from ooxml_audit import describe, findings, new_findings
from reports import formula_cells
from rulebook import clean_sheets

try:
    from tests import libreoffice
except ImportError:  # tests/ itself on sys.path
    import libreoffice  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
UPDATE = bool(os.environ.get("BACKOFFICE_UPDATE_GOLDEN"))
REPORTS = ("Journal", "Trial Balance", "Close Report")


def _write(path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in clean_sheets().items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append([datetime(v.year, v.month, v.day) if type(v) is date else v for v in row])
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def closed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The hand-checked book before and after `backoffice close` (the real CLI)."""
    folder = tmp_path_factory.mktemp("close")
    before = _write(folder / "before.xlsx")
    path = _write(folder / "book.xlsx")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "addin.cli", "close", str(path)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return before, path


@pytest.mark.libreoffice
def test_libreoffice_recalculates_every_close_figure_to_the_cached_value(closed, tmp_path):
    _, path = closed
    ours = {sheet: formula_cells(path, sheet) for sheet in REPORTS}
    # the Trial Balance sums the Journal (SUMIFS), the report's figures come from both
    assert any("SUMIFS(" in f for f, _v in ours["Trial Balance"].values())
    assert len(ours["Journal"]) >= 2 and len(ours["Close Report"]) >= 5
    assert all(v is not None for cells in ours.values() for _f, v in cells.values())
    converted = libreoffice.convert(path, tmp_path)
    theirs = openpyxl.load_workbook(converted, data_only=True)
    mismatches = {f"{sheet}!{ref}": (cached, theirs[sheet][ref].value)
                  for sheet, cells in ours.items() for ref, (_f, cached) in cells.items()
                  if theirs[sheet][ref].value != cached}
    assert mismatches == {}


@pytest.mark.libreoffice
def test_with_no_cache_at_all_libreoffice_computes_the_engines_figures(closed, tmp_path):
    """The recalculation is real: a copy saved by openpyxl has no cached value left, and
    LibreOffice still arrives at every Trial Balance figure the engine computed."""
    _, path = closed
    ours = formula_cells(path, "Trial Balance")
    openpyxl.load_workbook(path).save(tmp_path / "copy.xlsx")  # formulas kept, caches dropped
    assert {v for _f, v in formula_cells(tmp_path / "copy.xlsx", "Trial Balance").values()} == {None}
    recalculated = openpyxl.load_workbook(libreoffice.convert(tmp_path / "copy.xlsx",
                                                              tmp_path / "out"), data_only=True)
    assert {ref: recalculated["Trial Balance"][ref].value for ref in ours} == \
        {ref: cached for ref, (_f, cached) in ours.items()}


def test_openxml_audit_finds_no_new_error_in_the_closed_book(closed):
    before, path = closed
    found = new_findings(path, findings(before))
    assert found == [], describe(found)


def _sheet_text(path: Path, sheet: str) -> str:
    """Every non-empty row of a sheet: values as written, a formula as typed with its cached
    value ("=SUMIFS(...) -> 1620")."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    cached = openpyxl.load_workbook(path, data_only=True)[sheet]
    for row in openpyxl.load_workbook(path)[sheet].iter_rows():
        values = ["" if c.value is None else
                  f"{c.value} -> {cached[c.coordinate].value}" if c.data_type == "f" else
                  str(c.value) for c in row]
        if any(values):
            writer.writerow([row[0].row, *values])
    return out.getvalue()


@pytest.mark.parametrize("sheet", ["Journal", "Trial Balance"])
def test_the_hand_checked_books_close_matches_the_golden_file(closed, sheet):
    _, path = closed
    golden = GOLDEN / f"close-{sheet.lower().replace(' ', '-')}.csv"
    text = _sheet_text(path, sheet)
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"{golden} missing: run with BACKOFFICE_UPDATE_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8"), f"{golden.name} differs"
