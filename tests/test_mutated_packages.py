"""Never exit 4 on a file: a package that is not what Excel writes is refused, not crashed on.

Other producers' files go wrong in a few ways: a part in an unknown namespace (the 2006 beta
one), an element missing or repeated, an attribute missing, repeated or of the wrong type. Each
case below was once a crash (exit 4); the property tests throw random such mutations (tests/
mutations.py) at `backoffice validate`. Always: exit 0-3, no traceback, and on a refusal (2, 3)
the file is byte-for-byte unchanged and the message is one line naming the file.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import openpyxl
import pytest
from builders import rewrite_member, rich_workbook
from hypothesis import HealthCheck, given, settings
from mutations import Mutation, apply, mutations
from shared import CORPUS

from addin.cli import main
from workbooks.xlsx_file import STATE_SHEET, FileWorkbook

REPO = Path(__file__).resolve().parents[1]
BETA = "http://schemas.microsoft.com/office/excel/2006/2"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PROPERTY = settings(max_examples=60, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _rich() -> bytes:
    """rich_workbook with three unreadable cells, so that validate marks them (fills, notes)."""
    with tempfile.TemporaryDirectory() as folder:
        path = rich_workbook(Path(folder))
        book = openpyxl.load_workbook(path)
        orders = book["Orders"]
        orders["F2"], orders["G3"], orders["C4"] = "N/A", "abc", "not a date"
        book.save(path)
        return path.read_bytes()


RICH = _rich()  # Orders (a table, a user's note, formulas), Config, Notes, a chart sheet


def _validated(data: bytes) -> bytes:
    """`data` after one validate: marks, notes, Issues, Audit Log and the state sheet in it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "book.xlsx"
        path.write_bytes(data)
        with redirect_stdout(io.StringIO()):
            assert main(["validate", str(path), "--json"]) == 1
        return path.read_bytes()


VALIDATED = _validated(RICH)
CORPUS_BOOK = (CORPUS / "comment01.xlsx").read_bytes()  # Excel's: notes, shared strings


def _validate(data: bytes) -> tuple[int, str, bytes]:
    """`backoffice validate --json` in-process on `data`: (exit code, its output, bytes after)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "book.xlsx"
        path.write_bytes(data)
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["validate", str(path), "--json"])
        return code, out.getvalue() + err.getvalue(), path.read_bytes()


def _assert_handled(data: bytes, what: object = "") -> tuple[int, str]:
    """Exit 0-3, no traceback; on a refusal the file is unchanged and the message one line.
    Returns the exit code and the error message ("" when the run succeeded)."""
    code, output, after = _validate(data)
    assert code in (0, 1, 2, 3), f"{what}: exit {code}: {output[-600:]}"
    assert "Traceback" not in output and "internal error" not in output, f"{what}: {output}"
    if code < 2:
        return code, ""
    assert after == data, f"{what}: refused (exit {code}) but the file changed"
    message = json.loads(output.strip().splitlines()[-1])["error"]
    assert "\n" not in message and "book.xlsx" in message, f"{what}: {message!r}"
    return code, message


def _change(part: str, edit: Callable[[bytes], bytes], base: bytes = RICH) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "book.xlsx"
        path.write_bytes(base)
        rewrite_member(path, part, edit)
        return path.read_bytes()


def _sub(old: str, new: str, count: int = 1) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        changed = re.sub(old.encode(), new.encode(), data, count=count)
        assert changed != data, f"{old!r} not found"
        return changed
    return edit


def _cli(path: Path) -> subprocess.CompletedProcess[str]:
    """The real `backoffice validate BOOK` in a subprocess (no BACKOFFICE_* settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKOFFICE_")}
    return subprocess.run([sys.executable, "-m", "addin.cli", "validate", str(path)], cwd=REPO,
                          capture_output=True, text=True, env=env, timeout=120, check=False)


def _assert_cli_refuses(path: Path, *words: str) -> None:
    """Exit 2, one line on stderr with `words`, nothing written but (for a refusal after the
    screening) the lock file every writing run leaves beside the book."""
    before = path.read_bytes()
    run = _cli(path)
    assert run.returncode == 2, run.stderr
    assert run.stdout == ""
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    for word in words:
        assert word in run.stderr
    assert path.read_bytes() == before
    assert {p.name for p in path.parent.iterdir()} <= {path.name, f".{path.name}.backoffice.lock"}


def test_a_workbook_in_the_2006_beta_namespace_is_refused_by_the_command(tmp_path: Path) -> None:
    """Once exit 4 (TypeError in _next_sheet_id): now exit 2, one line naming part and namespace."""
    path = tmp_path / "beta.xlsx"
    path.write_bytes(_change("xl/workbook.xml", _sub(f'xmlns="{MAIN}"', f'xmlns="{BETA}"'),
                             CORPUS_BOOK))
    _assert_cli_refuses(path, f'backoffice: Cannot read "beta.xlsx": part xl/workbook.xml is in '
                              f"the XML namespace '{BETA}'")
    assert [p.name for p in tmp_path.iterdir()] == ["beta.xlsx"]  # refused before the lock


# Each was a crash (exit 4) found by the property tests: (part, edit, words of the refusal).
REFUSED = {
    "sheet list deleted": ("xl/workbook.xml", _sub("<sheets>.*</sheets>", ""),
                           "part xl/workbook.xml has no list of sheets"),
    "sheetId not a number": ("xl/workbook.xml", _sub('sheetId="1"', 'sheetId="abc"'),
                             "sheetId of the sheet \"Orders\" = 'abc', not a whole number"),
    "r:id missing": ("xl/workbook.xml", _sub(' r:id="rId2"', ""),
                     'links the sheet "Config" to a part that is missing'),
    "sheet name empty": ("xl/workbook.xml", _sub('name="Config"', 'name=""'),
                         "has a sheet without a name (sheetId 2)"),
    "sheet listed twice": ("xl/workbook.xml", _sub("(<sheet [^>]*/>)", r"\1\1"),
                           'lists the sheet "Orders" twice'),
    "worksheet relationship dropped": ("xl/_rels/workbook.xml.rels",
                                       _sub('<Relationship [^>]*Id="rId1"[^>]*/>', ""),
                                       'links the sheet "Orders" to a part that is missing'),
    "table id a decimal": ("xl/tables/table1.xml", _sub('id="1"', 'id="1.5"'),
                           "part xl/tables/table1.xml has the table id = '1.5'"),
    "table range not a range": ("xl/tables/table1.xml", _sub('ref="A1:J5"', 'ref="NaN"'),
                                "has the range ref = 'NaN', not a range like A1:D10"),
    "sheet relationships not XML": ("xl/worksheets/_rels/sheet1.xml.rels",
                                    _sub('Id="', 'Id="x" Id="'),
                                    "it is damaged (part xl/worksheets/_rels/sheet1.xml.rels is not "
                                    "well-formed XML: Attribute Id redefined"),
    "cell reference garbage": ("xl/worksheets/sheet1.xml", _sub('r="B2"', 'r="B:2"'),
                               'part xl/worksheets/sheet1.xml (sheet "Orders") could not be read'),
    "relationship Id twice": ("xl/worksheets/_rels/sheet1.xml.rels",
                              _sub('Id="comments"', 'Id="rId1"'),
                              "part xl/worksheets/_rels/sheet1.xml.rels has two relationships "
                              "with the Id 'rId1'"),
    "relationship Target missing": ("xl/worksheets/_rels/sheet1.xml.rels",
                                    _sub(r'Target="/xl/comments/comment1.xml"', 'Target="-1"'),
                                    "part xl/worksheets/_rels/sheet1.xml.rels points to '-1', "
                                    "which is not in the package"),
    "relationship without a Type": ("xl/worksheets/_rels/sheet1.xml.rels",
                                    _sub(r'Type="[^"]*/comments"', ""),
                                    "has a relationship without its Type"),
    "comment list deleted": ("xl/comments/comment1.xml", _sub("<commentList>.*</commentList>", ""),
                             "part xl/comments/comment1.xml has no <commentList>"),
    "notes drawing not VML": ("xl/drawings/commentsDrawing1.vml", _sub("</xml>", ""),
                              "part xl/drawings/commentsDrawing1.vml is not a VML drawing"),
    "sheet data deleted": ("xl/worksheets/sheet1.xml", _sub("<sheetData>.*</sheetData>", ""),
                           "part xl/worksheets/sheet1.xml has no <sheetData>"),
    "worksheet root renamed": ("xl/worksheets/sheet2.xml", _sub("(</?)worksheet", r"\1chartsheet", 0),
                               "part xl/worksheets/sheet2.xml has a <chartsheet> root element "
                               "where <worksheet> belongs"),
    "styles in another namespace": ("xl/styles.xml", _sub(f'"{MAIN}"', '"urn:not-excel"'),
                                    "part xl/styles.xml is in the XML namespace 'urn:not-excel'"),
    "table in the beta namespace": ("xl/tables/table1.xml", _sub(f'"{MAIN}"', f'"{BETA}"'),
                                    f"part xl/tables/table1.xml is in the XML namespace '{BETA}'"),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_a_damaged_part_is_refused_with_a_message_naming_it(case: str) -> None:
    part, edit, words = REFUSED[case]
    code, message = _assert_handled(_change(part, edit), case)
    assert code == 2
    assert message.startswith('Cannot read "book.xlsx": ')
    assert words in message
    assert message.endswith(("open it in Excel and save it as .xlsx (Excel Workbook).",
                             "restore it from a backup or re-save it."))


@pytest.mark.parametrize("case", ["sheetId not a number", "cell reference garbage"])
def test_the_command_refuses_a_damaged_part_too(case: str, tmp_path: Path) -> None:
    part, edit, words = REFUSED[case]
    path = tmp_path / "book.xlsx"
    path.write_bytes(_change(part, edit))
    _assert_cli_refuses(path, words)


def test_a_damaged_record_in_the_state_sheet_is_refused(tmp_path: Path) -> None:
    """The marks of the last run are recorded as JSON in the state sheet: a record that is not one
    (a cell deleted, a program that retyped it) was a crash, and is now a refusal."""
    path = tmp_path / "book.xlsx"
    path.write_bytes(RICH)
    with redirect_stdout(io.StringIO()):
        assert main(["validate", str(path), "--json"]) == 1
    state = FileWorkbook.open(path).package.sheet(STATE_SHEET)
    assert state is not None
    rewrite_member(path, state.part, _sub("<t>[{]", "<t>["))
    code, message = _assert_handled(path.read_bytes())
    assert code == 2
    assert message.startswith('Cannot read "book.xlsx": its sheet _BackOffice (the Back Office '
                              "state) holds a damaged record ('[")
    assert message.endswith("restore the workbook from its copy in .backoffice-backups.")


def test_the_unmutated_books_validate() -> None:
    """The bases of the property tests are fine as they are: refusals come from the mutations."""
    assert _assert_handled(RICH)[0] == 1  # the three unreadable cells
    assert _assert_handled(CORPUS_BOOK)[0] == 1  # no Config sheet: an issue, not a refusal


@PROPERTY
@given(mutations(RICH))
def test_a_mutated_openpyxl_book_never_crashes_validate(mutation: Mutation) -> None:
    _assert_handled(apply(RICH, mutation), mutation)


@PROPERTY
@given(mutations(CORPUS_BOOK))
def test_a_mutated_excel_book_never_crashes_validate(mutation: Mutation) -> None:
    _assert_handled(apply(CORPUS_BOOK, mutation), mutation)


@PROPERTY
@given(mutations(VALIDATED))
def test_a_mutated_book_with_our_marks_never_crashes_the_next_validate(mutation: Mutation) -> None:
    """The next run takes the last run's marks off (state sheet, notes, fills) and puts new ones."""
    _assert_handled(apply(VALIDATED, mutation), mutation)


def test_a_cell_format_with_a_damaged_index_refuses_the_marks_naming_the_part():
    """Found by the property test: an xf whose numFmtId is not a number (exit 3, unchanged)."""
    data = _change("xl/styles.xml", _sub(r'(<xf [^>]*?)numFmtId="\d+"', r'\1numFmtId="x2"', 0))
    code, message = _assert_handled(data)
    assert code == 3 and "xl/styles.xml: cell format" in message and "numFmtId='x2'" in message
