"""Cell marks on workbook files: a fill and a note on each cell an issue is about, removed
exactly (byte for byte) by the next run or by `clear`."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from lxml import etree
from shared import CORPUS

from workbooks.model import Mark, MarkLevel
from workbooks.xlsx_file import FileWorkbook

SHARED_PARTS = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml",
                "xl/styles.xml"}


def _mark(path: Path, marks: list[Mark]) -> None:
    book = FileWorkbook.open(path)
    book.set_marks(marks)
    book.save()


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _c14n(data: bytes) -> bytes:
    return etree.tostring(etree.fromstring(data), method="c14n")


def _assert_back_to(original: dict[str, bytes], path: Path, semantic: set[str] = frozenset()) -> None:
    after = _parts(path)
    for name, data in original.items():
        if name in SHARED_PARTS:
            continue
        if name in semantic:
            assert _c14n(after[name]) == _c14n(data), name
        else:
            assert after[name] == data, name
    assert {n for n in after if n not in original} <= {
        n for n in after if n.startswith(("xl/worksheets/sheet", "xl/worksheets/_rels/sheet",
                                          "xl/tables/"))}


@pytest.fixture
def noted_book(tmp_path: Path) -> Path:
    """comment01.xlsx: Excel's own file with a user's note on A1 and an empty row 2."""
    target = tmp_path / "comment01.xlsx"
    shutil.copy(CORPUS / "comment01.xlsx", target)
    return target


def test_marks_fill_the_cell_and_add_a_note_but_never_replace_a_users_note(noted_book):
    before = openpyxl.load_workbook(noted_book)["Sheet1"]
    assert before["B2"].comment.text == "Some text" and before["A1"].comment is None
    _mark(noted_book, [Mark("Sheet1", "A1", MarkLevel.ERROR, "ERROR: bad"),
                       Mark("Sheet1", "B2", MarkLevel.WARNING, "WARNING: check")])
    ws = openpyxl.load_workbook(noted_book)["Sheet1"]
    assert ws["A1"].fill.fgColor.rgb == "FFFFC7CE"
    assert ws["A1"].comment.text == "ERROR: bad"
    assert ws["B2"].fill.fgColor.rgb == "FFFFEB9C"
    assert ws["B2"].comment.text == "Some text"  # the user's note stays as it was
    assert ws["A1"].value == before["A1"].value  # values are never touched


def test_the_next_run_and_clear_remove_exactly_what_the_tool_put(noted_book):
    original = _parts(noted_book)
    _mark(noted_book, [Mark("Sheet1", "A1", MarkLevel.ERROR, "x"),
                       Mark("Sheet1", "B2", MarkLevel.WARNING, "y")])
    _mark(noted_book, [Mark("Sheet1", "B2", MarkLevel.ERROR, "z")])
    ws = openpyxl.load_workbook(noted_book)["Sheet1"]
    assert ws["A1"].fill.fgColor.rgb == "00000000"  # the previous run's mark is gone
    assert ws["B2"].comment.text == "Some text" and ws["B2"].fill.fgColor.rgb == "FFFFC7CE"
    _mark(noted_book, [])
    _assert_back_to(original, noted_book, semantic={"xl/comments1.xml"})


def test_notes_share_an_existing_drawing_of_form_controls(tmp_path):
    book = tmp_path / "button01.xlsx"
    shutil.copy(CORPUS / "button01.xlsx", book)
    original = _parts(book)
    _mark(book, [Mark("Sheet1", "C3", MarkLevel.ERROR, "ERROR: here")])
    ws = openpyxl.load_workbook(book)["Sheet1"]
    assert ws["C3"].comment.text == "ERROR: here"
    with zipfile.ZipFile(book) as zf:
        vml = zf.read("xl/drawings/vmlDrawing1.vml")
    assert b'ObjectType="Button"' in vml and b'ObjectType="Note"' in vml
    _mark(book, [])
    _assert_back_to(original, book)


def test_marks_on_a_sheet_without_notes_create_and_then_drop_the_notes_parts(tmp_path):
    book = tmp_path / "simple.xlsx"
    shutil.copy(CORPUS / "simple01.xlsx", book)
    original = _parts(book)
    _mark(book, [Mark("Sheet1", "A1", MarkLevel.ERROR, "ERROR: one"),
                 Mark("Sheet1", "A2", MarkLevel.WARNING, "WARNING: two")])
    ws = openpyxl.load_workbook(book)["Sheet1"]
    assert (ws["A1"].comment.text, ws["A2"].comment.text) == ("ERROR: one", "WARNING: two")
    assert ws["A1"].number_format == openpyxl.load_workbook(CORPUS / "simple01.xlsx")["Sheet1"][
        "A1"].number_format  # the mark keeps the cell's own format
    _mark(book, [])
    _assert_back_to(original, book)
