"""Cell marks on workbook files: a fill and a note on each cell an issue is about, removed
exactly (byte for byte) by the next run or by `clear`."""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from ooxml_audit import describe, findings, new_findings
from openpyxl.formatting.rule import DataBarRule
from openpyxl.worksheet.table import Table
from shared import CORPUS

from workbooks.model import Mark, MarkLevel, column_number
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


def _rewrite_part(path: Path, part: str, change) -> None:
    """Replace one part of the package by `change(old bytes)`, everything else copied."""
    parts = _parts(path)
    parts[part] = change(parts[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def _tag(xml: bytes, cell: str) -> bytes:
    return re.search(rb'<c\b[^>]*\br="%s"[^>]*>' % cell.encode(), xml).group(0)


def test_clear_leaves_a_cell_the_user_reformatted_since_it_was_marked(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["A1"], ws["A2"], ws["B1"] = "mine", "other", "bold"
    ws["B1"].font = openpyxl.styles.Font(bold=True)
    book = tmp_path / "book.xlsx"
    wb.save(book)
    original = _parts(book)
    sheet = "xl/worksheets/sheet1.xml"
    bold = int(re.search(rb' s="(\d+)"', _tag(original[sheet], "B1")).group(1))
    _mark(book, [Mark("Data", "A1", MarkLevel.ERROR, "x"), Mark("Data", "A2", MarkLevel.ERROR, "y")])
    marked = _parts(book)[sheet]
    a1 = _tag(marked, "A1")
    mark_style = int(re.search(rb' s="(\d+)"', a1).group(1))
    assert mark_style != bold
    # the user makes A1 bold in Excel after the run
    user = a1.replace(b' s="%d"' % mark_style, b' s="%d"' % bold)
    _rewrite_part(book, sheet, lambda xml: xml.replace(a1, user, 1))
    _mark(book, [])
    ws = openpyxl.load_workbook(book)["Data"]
    assert ws["A1"].font.bold  # the user's new format stays
    assert ws["A2"].fill.fgColor.rgb == "00000000"  # an untouched mark is still removed exactly
    assert _tag(_parts(book)[sheet], "A2") == _tag(original[sheet], "A2")
    assert not FileWorkbook.open(book).marks.marks


@pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
def test_a_note_on_a_sheet_with_a_data_bar_puts_legacy_drawing_at_the_top_level(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Name", "Amount"])
    for n in range(1, 6):
        ws.append([f"item {n}", n])
    ws.conditional_formatting.add("B2:B6", DataBarRule(start_type="min", end_type="max",
                                                       color="FF638EC6"))
    ws.add_table(Table(displayName="Items", ref="A1:B6"))
    book = tmp_path / "bars.xlsx"
    wb.save(book)
    x14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
    nested = (f'<extLst><ext xmlns:x14="{x14}" uri="{{B025F937-C7B1-47D3-B67F-A62EFF666E3E}}">'
              "<x14:id>{00000000-0000-0000-0000-000000000001}</x14:id></ext></extLst>").encode()
    top = (f'<extLst><ext xmlns:x14="{x14}" uri="{{78C0D931-6437-407d-A8EE-F0AAD7539E65}}">'
           "<x14:conditionalFormattings/></ext></extLst>").encode()
    sheet = "xl/worksheets/sheet1.xml"
    _rewrite_part(book, sheet, lambda xml: xml.replace(b"</cfRule>", nested + b"</cfRule>", 1)
                  .replace(b"</worksheet>", top + b"</worksheet>"))
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rule_before = _c14n(etree.tostring(etree.fromstring(_parts(book)[sheet]).find(
        f"{main}conditionalFormatting/{main}cfRule")))
    _mark(book, [Mark("Data", "B3", MarkLevel.ERROR, "ERROR: here")])
    root = etree.fromstring(_parts(book)[sheet])
    names = [etree.QName(child).localname for child in root]
    assert names.count("legacyDrawing") == 1
    assert names.index("legacyDrawing") < names.index("tableParts") < names.index("extLst")
    assert names.index("conditionalFormatting") < names.index("legacyDrawing")
    rule = root.find(f"{main}conditionalFormatting/{main}cfRule")
    assert not rule.findall(f".//{main}legacyDrawing")
    assert _c14n(etree.tostring(rule)) == rule_before
    assert openpyxl.load_workbook(book)["Data"]["B3"].comment.text == "ERROR: here"


def _vml_of(book: Path, sheet_index: int = 1) -> bytes:
    """The VML drawing of the `sheet_index`-th worksheet part (sheetN.xml)."""
    with zipfile.ZipFile(book) as zf:
        rels = zf.read(f"xl/worksheets/_rels/sheet{sheet_index}.xml.rels").decode()
        target = re.search(r'Target="\.\./drawings/(vmlDrawing\d+\.vml)"', rels).group(1)
        return zf.read("xl/drawings/" + target)


def _idmap(vml: bytes) -> set[int]:
    return {int(b) for b in re.search(rb'<o:idmap[^>]*data="([\d,]+)"', vml).group(1).split(b",")}


def test_every_cell_gets_its_note_past_one_id_block(tmp_path):
    """2,500 notes need three blocks of 1,024 shape ids: the drawing's o:idmap lists them all
    ("1,2,3", as Excel writes it), every id is unique and inside a listed block, every cell has
    its own note; taking the marks off removes every note and the parts we made."""
    book = tmp_path / "many.xlsx"
    wb = openpyxl.Workbook()
    for r in range(1, 2503):
        wb.active.cell(r, 1, r)
    wb.save(book)
    before = _parts(book)
    _mark(book, [Mark("Sheet", f"A{r}", MarkLevel.ERROR, f"bad {r}") for r in range(1, 2501)])
    ws = openpyxl.load_workbook(book)["Sheet"]
    assert [ws.cell(r, 1).comment.text for r in (1, 1024, 1025, 2500)] == [
        "bad 1", "bad 1024", "bad 1025", "bad 2500"]
    assert sum(1 for r in range(1, 2501) if ws.cell(r, 1).comment is not None) == 2500
    assert ws.cell(2501, 1).comment is None
    assert all(ws.cell(r, 1).fill.fgColor.rgb == "FFFFC7CE" for r in range(1, 2501))
    vml = _vml_of(book)
    ids = [int(i) for i in re.findall(rb"_x0000_s(\d+)", vml)]
    assert len(ids) == len(set(ids)) == 2500
    assert _idmap(vml) == {1, 2, 3} == {i // 1024 for i in ids}
    rows = [int(r) for r in re.findall(rb"<x:Row>(\d+)</x:Row>", vml)]
    assert sorted(rows) == list(range(2500))  # one shape anchored at each noted cell
    _mark(book, [])
    after = _parts(book)
    assert not [n for n in after if n.endswith(".vml") or "comments" in n]
    assert after["xl/worksheets/sheet1.xml"] == before["xl/worksheets/sheet1.xml"]


def test_notes_in_two_id_blocks_are_sound_ooxml(tmp_path):
    """A drawing whose idmap lists two blocks ("1,2") adds no finding of the Open XML validator
    (openxml-audit, with Excel's app-compat rules)."""
    book = tmp_path / "two-blocks.xlsx"
    wb = openpyxl.Workbook()
    for r in range(1, 1031):
        wb.active.cell(r, 1, r)
    wb.save(book)
    clean = findings(book)
    _mark(book, [Mark("Sheet", f"A{r}", MarkLevel.WARNING, f"check {r}") for r in range(1, 1031)])
    assert _idmap(_vml_of(book)) == {1, 2}
    assert not new_findings(book, clean), describe(new_findings(book, clean))


def test_note_ids_skip_the_blocks_of_other_drawings(tmp_path):
    """A sheet's notes outgrowing its blocks take the next block no other drawing uses: a
    second sheet's drawing holds block 3, so the first sheet's 2,100 notes use 1, 2 and 4."""
    book = tmp_path / "two.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "A"
    other = wb.create_sheet("B")
    for r in range(1, 2201):
        wb["A"].cell(r, 1, r)
    other["A1"] = 1
    wb.save(book)
    _mark(book, [Mark("A", f"A{r}", MarkLevel.ERROR, f"a {r}") for r in range(1, 1101)])
    _mark(book, [Mark("A", f"A{r}", MarkLevel.ERROR, f"a {r}") for r in range(1, 1101)]
          + [Mark("B", "A1", MarkLevel.WARNING, "b")])
    assert _idmap(_vml_of(book, 1)) == {1, 2} and _idmap(_vml_of(book, 2)) == {3}
    _mark(book, [Mark("A", f"A{r}", MarkLevel.ERROR, f"again {r}") for r in range(1, 2101)]
          + [Mark("B", "A1", MarkLevel.WARNING, "b")])
    vml_a, vml_b = _vml_of(book, 1), _vml_of(book, 2)
    ids_a = [int(i) for i in re.findall(rb"_x0000_s(\d+)", vml_a)]
    ids_b = [int(i) for i in re.findall(rb"_x0000_s(\d+)", vml_b)]
    assert len(ids_a) == len(set(ids_a)) == 2100 and len(ids_b) == 1
    assert _idmap(vml_a) == {1, 2, 4} == {i // 1024 for i in ids_a}
    assert {i // 1024 for i in ids_b} == {3}
    ws = openpyxl.load_workbook(book)["A"]
    assert ws["A2100"].comment.text == "again 2100" and ws["A1"].comment.text == "again 1"
    assert openpyxl.load_workbook(book)["B"]["A1"].comment.text == "b"


# Reruns: old marks off and new ones on in one pass. Any sequence of runs (cells fixed, still
# wrong, wrong at another level, newly wrong; in cells, rows and sheets that had nothing) ends,
# after `clear`, with the sheet exactly as it was.

_GRID = [f"{c}{r}" for c in "ABCDE" for r in range(1, 8)]
_FILL = {MarkLevel.ERROR: "FFFFC7CE", MarkLevel.WARNING: "FFFFEB9C"}


@pytest.fixture(scope="module")
def sparse_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Values in A1:C3 and D5 only: marks land in cells, empty cells and absent rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in ws["A1:C3"]:
        for cell in row:
            cell.value = cell.coordinate
    ws["D5"] = 5
    wb.create_sheet("Empty")  # sheet2.xml, made <sheetData/> below
    wb.create_sheet("Blank")  # sheet3.xml: <sheetData></sheetData>, as openpyxl writes it
    path = tmp_path_factory.mktemp("sparse") / "sparse.xlsx"
    wb.save(path)
    # As Excel writes a sheet without rows: marks make its first rows, clear takes them back.
    _rewrite_part(path, "xl/worksheets/sheet2.xml",
                  lambda xml: xml.replace(b"<sheetData></sheetData>", b"<sheetData/>"))
    with zipfile.ZipFile(path) as zf:
        assert b"<sheetData/>" in zf.read("xl/worksheets/sheet2.xml")
    return path


@given(st.sampled_from(["Sheet", "Empty", "Blank"]),
       st.lists(st.dictionaries(st.sampled_from(_GRID), st.sampled_from(list(MarkLevel)), max_size=6),
                min_size=1, max_size=3))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_sequence_of_runs_then_clear_leaves_the_sheet_as_it_was(sparse_book, sheet, runs):
    with tempfile.TemporaryDirectory() as folder:
        book = Path(folder) / "book.xlsx"
        shutil.copy(sparse_book, book)
        original = _parts(book)
        for marks in runs:
            _mark(book, [Mark(sheet, cell, level, f"{level.name}: {cell}")
                         for cell, level in marks.items()])
            with zipfile.ZipFile(book) as zf:
                xml = zf.read(f"xl/worksheets/sheet{['Sheet', 'Empty', 'Blank'].index(sheet) + 1}.xml")
            assert xml.count(b"<sheetData") == 1
            refs = [(int(r), column_number(c.decode()))
                    for c, r in re.findall(rb'<c [^>]*r="([A-Z]+)(\d+)"', xml)]
            assert refs == sorted(refs)  # rows and cells in order, as Excel requires
            ws = openpyxl.load_workbook(book)[sheet]
            for cell in _GRID:
                want = _FILL[marks[cell]] if cell in marks else "00000000"
                assert ws[cell].fill.fgColor.rgb == want, (cell, marks)
                assert (ws[cell].comment.text if ws[cell].comment else None) == (
                    f"{marks[cell].name}: {cell}" if cell in marks else None)
        _mark(book, [])
        _assert_back_to(original, book)


@given(st.lists(st.tuples(st.integers(1, 30), st.integers(0, 300)), min_size=1, max_size=60),
       st.lists(st.integers(1, 2_000), min_size=1, max_size=20))
@settings(max_examples=200, deadline=None)
def test_rows_are_found_where_a_scan_finds_them(layout, wanted):
    # Rows of any sizes, with gaps: the skip ahead never passes the row sought, never finds
    # another (row 12 is not row 123), and misses nothing a plain scan finds.
    from workbooks.xlsx.cellmarks import _find_row

    rows, number = [], 0
    for gap, size in layout:
        number += gap
        rows.append(b'<row r="%d" spans="1:2">%s</row>' % (number, b"<c/>" * size))
    xml = b"<worksheet><sheetData>" + b"".join(rows) + b"</sheetData></worksheet>"
    pos = 0
    for n in sorted(set(wanted)):
        at = xml.find(b'<row r="%d"' % n, pos)
        found = _find_row(xml, n, pos)
        assert (found.start() if found else -1) == at, n
        pos = xml.index(b"</row>", at) if at >= 0 else pos


def test_a_mark_puts_the_style_after_the_cell_reference():
    # As Excel writes it, so the next run finds the marked cell by its reference written first
    # instead of parsing its whole row; taking the mark off restores the tag byte for byte.
    from workbooks.xlsx.cellmarks import _with_style

    assert _with_style(b'<c r="F7" t="s">', 5) == b'<c r="F7" s="5" t="s">'
    assert _with_style(b'<x:c r="F7">', 5) == b'<x:c r="F7" s="5">'
    assert _with_style(b'<c t="n">', 5) == b'<c s="5" t="n">'  # no reference: after the name
    assert _with_style(b'<c r="F7" s="5" t="s">', None) == b'<c r="F7" t="s">'
    assert _with_style(b'<c r="F7" s="2"/>', 9) == b'<c r="F7" s="9"/>'
