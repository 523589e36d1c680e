"""Excel would open every workbook we write without a repair.

Excel is not available here; the closest check is openxml-audit (tests/ooxml_audit.py), a port of
the Open XML SDK validator with Excel's known repair cases. A book we create (the demo, a results
sidecar, the add-in) has no error finding at all; a book we change (a validated and marked book,
every workbook of the Excel-made corpus after `validate`, and with cells marked) has no error
finding its input did not already have. The whole corpus takes about 4 s per pass (1.4 s of it
in openxml-audit), so every file is checked, not a sample.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from builders import config_book, rich_workbook
from ooxml_audit import Finding, describe, findings, new_findings
from shared import CORPUS

from addin.build import build_addin
from addin.cli import main
from addin.demo import run_demo
from workbooks.model import Mark, MarkLevel
from workbooks.xlsx.styles import schema_font_order
from workbooks.xlsx_file import FileWorkbook

CORPUS_FILES = sorted(p for p in CORPUS.iterdir() if p.suffix in {".xlsx", ".xlsm"})
NONE: Counter[Finding] = Counter()


def _validate(path: Path) -> int:
    """`backoffice validate --json BOOK` in-process (its JSON goes to the captured stdout)."""
    return main(["validate", str(path), "--json"])


def _members(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return zf.namelist()


def test_the_audit_finds_a_repair_excel_would_make(tmp_path: Path) -> None:
    """The check can fail: openpyxl's default font (name, family, color, sz) is out of the
    schema's order, and schema_font_order puts it right without touching anything else."""
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    written = tmp_path / "openpyxl.xlsx"
    written.write_bytes(buffer.getvalue())
    found = findings(written)
    assert [(f.part, f.path, f.node) for f in found] == [
        ("/xl/styles.xml", "/styleSheet/fonts/font", "color")]
    assert "Unexpected element 'color'" in next(iter(found)).description

    fixed = tmp_path / "fixed.xlsx"
    fixed.write_bytes(schema_font_order(buffer.getvalue()))
    assert findings(fixed) == NONE
    with zipfile.ZipFile(written) as before, zipfile.ZipFile(fixed) as after:
        assert after.namelist() == before.namelist()
        assert [n for n in before.namelist() if before.read(n) != after.read(n)] == ["xl/styles.xml"]
        assert b'<font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/>' \
            b'<scheme val="minor"/></font>' in after.read("xl/styles.xml")


def test_the_demo_book_has_no_finding(tmp_path: Path) -> None:
    path = tmp_path / "demo.xlsx"
    result, _facts = run_demo(path, progress=False)
    assert result.issues, "the demo plants errors, so it is marked"
    assert "xl/comments1.xml" in _members(path)  # the marks' notes (comments + VML)
    assert findings(path) == NONE, describe(sorted(findings(path)))


def test_a_validated_and_marked_book_gains_no_finding(tmp_path: Path) -> None:
    """Marks (fills, notes beside a user's own note), the Issues sheet, the Audit Log."""
    path = rich_workbook(tmp_path)
    wb = openpyxl.load_workbook(path)
    orders = wb["Orders"]
    orders["F2"], orders["G3"], orders["C4"] = "N/A", "abc", "not a date"
    wb.save(path)
    before = findings(path)
    assert _validate(path) == 1
    with zipfile.ZipFile(path) as zf:
        notes = zf.read("xl/comments/comment1.xml").decode()
    assert 'ref="F2"' in notes and 'ref="G3"' in notes and "Key account" in notes
    assert {"Issues", "Audit Log"} <= set(openpyxl.load_workbook(path).sheetnames)
    assert new_findings(path, before) == []


def test_a_results_sidecar_has_no_finding(tmp_path: Path) -> None:
    """Written when a user's own sheet took the name of an output sheet (test_ownership)."""
    path = config_book(tmp_path / "book.xlsx")
    assert _validate(path) in (0, 1)
    wb = openpyxl.load_workbook(path)
    del wb["Issues"]
    wb.create_sheet("Issues")["A1"] = "My own open points"
    wb.save(path)
    assert _validate(path) == 3
    sidecar = tmp_path / "book.results.xlsx"
    assert "Issues" in openpyxl.load_workbook(sidecar).sheetnames
    assert findings(sidecar) == NONE, describe(sorted(findings(sidecar)))


def test_the_addin_has_no_finding(tmp_path: Path) -> None:
    addin = build_addin(tmp_path)
    assert "xl/theme/theme1.xml" in _members(addin)
    assert findings(addin) == NONE, describe(sorted(findings(addin)))


@pytest.mark.parametrize("source", CORPUS_FILES, ids=[p.name for p in CORPUS_FILES])
def test_validating_an_excel_made_book_adds_no_finding(source: Path, tmp_path: Path) -> None:
    path = tmp_path / source.name
    shutil.copyfile(source, path)
    assert _validate(path) in (0, 1)
    assert "Issues" in openpyxl.load_workbook(path, read_only=True).sheetnames
    new = new_findings(path, findings(source))
    assert new == [], describe(new)


@pytest.mark.parametrize("source", CORPUS_FILES, ids=[p.name for p in CORPUS_FILES])
def test_marking_cells_of_an_excel_made_book_adds_no_finding(source: Path, tmp_path: Path) -> None:
    """Fills and notes on Excel's own sheets (beside its notes, drawings, tables, merged cells)."""
    path = tmp_path / source.name
    shutil.copyfile(source, path)
    book = FileWorkbook.open(path)
    sheet = book.sheet_names()[0]
    book.set_marks([Mark(sheet, "A1", MarkLevel.ERROR, "ERROR: checked by the test"),
                    Mark(sheet, "C7", MarkLevel.WARNING, "WARNING: checked by the test")])
    book.save()
    with zipfile.ZipFile(path) as zf:
        assert any(b"checked by the test" in zf.read(n) for n in zf.namelist()
                   if "comments" in n.casefold())
    new = new_findings(path, findings(source))
    assert new == [], describe(new)
