"""The live-Excel adapter and the ribbon, on a fake xlwings Book (tests/fake_excel.py).

The adapter must read an open book exactly as the in-memory reference reads the same sheets, and
the ribbon's jobs must leave the book as the file jobs leave a file: an Issues sheet, marks removed
exactly by the next run, a chained audit log whose head is recorded outside, and one message box.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import xlwings as xw
from fake_excel import Book

from addin import ribbon
from addin.jobs import Context, validate_job
from addin.ribbon import DISPATCH, on_button
from engine.audit import verify_chain
from engine.errors import UnsafeWrite
from workbooks.live_excel import MARK_COLOURS, LiveWorkbook
from workbooks.memory import ExcelError, MemoryWorkbook
from workbooks.model import TableRange
from workbooks.reading import read_workbook
from workbooks.sheets.audit import head_path, read_audit_log, read_head
from workbooks.sheets.issues import COLUMNS as ISSUE_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
CONFIG = [["Key", "Value"], ["Period", "2026-10"], ["Locale", "pt-BR"]]
ORDERS = [  # a title, a blank row, pt-BR headers on row 3, a blank row 5, then the problems
    ["Pedidos de outubro", None, None, None, None, None, None, None],
    [None] * 8,
    ["Pedido", "Linha", "Data", "Cliente", "Produto", "Qtd", "Preço Unitário", "Desconto"],
    ["00001", 1, date(2026, 10, 3), "Loja A", "00123", 3, 10.5, 0.1],
    [None] * 8,
    ["A-2", 1, "31/10/2026", "Loja B", "SKU-9", "1.234,56", "R$ 10", "10%"],
    ["A-3", 1, datetime(2026, 10, 5), " Loja C ", "42", "N/A", ExcelError("#DIV/0!"), 0],
    ["A-4", 1, date(2026, 11, 5), "Loja D", "SKU-1", -2, 5, 0],
]
ISSUES = [("F7", "read.unreadable", "error"), ("G7", "read.error_value", "error"),
          ("F8", "value.positive", "error"), ("C8", "date.outside_period", "warning")]
USER_FILL, USER_NOTE = (198, 224, 180), "checked with sales"
ERROR_FILL, WARNING_FILL = MARK_COLOURS["error"], MARK_COLOURS["warning"]
CELL = {"C8": (8, 3), "F7": (7, 6), "F8": (8, 6), "G7": (7, 7)}


@pytest.fixture(autouse=True)
def _head_beside_the_book(monkeypatch):
    monkeypatch.delenv("BACKOFFICE_AUDIT_HEAD_DIR", raising=False)


def make_book(tmp_path: Path, extra: dict[str, list[list[object]]] | None = None,
              typed_entry: bool = True) -> Book:
    """Config + Orders; the user filled F7 and put a note on C8 (both issue cells)."""
    book = Book(tmp_path / "orders.xlsx", {"Config": CONFIG, "Orders": ORDERS, **(extra or {})},
                typed_entry=typed_entry)
    book.sheets["Orders"]["F7"].color = USER_FILL
    book.sheets["Orders"]["C8"].add_note(USER_NOTE)
    return book


def rows_of(book: Book, sheet: str, **options) -> list[list[object]]:
    return book.sheets[sheet].used_range.options(ndim=2, **options).value


def audit_log(book: Book):
    return read_audit_log(LiveWorkbook(book))


# --- 1. the adapter contract ----------------------------------------------------------------------


def _shift(rows: list[list[object]]) -> list[list[object]]:
    return [[None] * 9, *[[None, *row] for row in rows]]


LAYOUTS = {  # Orders rows, its Excel Tables, the expected read issues
    "from A1": (ORDERS, [], {("F7", "read.unreadable"), ("G7", "read.error_value")}),
    "from B2": (_shift(ORDERS), [], {("G8", "read.unreadable"), ("H8", "read.error_value")}),
    "Excel Table": (ORDERS, [TableRange("Pedidos", 3, 1, 8, 8)],
                    {("F7", "read.unreadable"), ("G7", "read.error_value")}),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_live_book_reads_like_the_in_memory_reference(tmp_path, layout):
    orders, tables, expected = LAYOUTS[layout]
    sheets = {"Config": CONFIG, "Orders": orders}
    live = LiveWorkbook(Book(tmp_path / "orders.xlsx", sheets, {"Orders": tables}))
    reference = MemoryWorkbook("orders.xlsx", sheets, {"Orders": tables})
    got, want = read_workbook(live), read_workbook(reference)
    assert list(got.tables) == list(want.tables) == ["Config", "Orders"]
    for name, table in want.tables.items():
        pd.testing.assert_frame_equal(got.tables[name].frame, table.frame)
        assert got.tables[name].header_row == table.header_row
        assert got.tables[name].letters == table.letters
        assert {k: list(v) for k, v in got.tables[name].unreadable.items()} == \
            {k: list(v) for k, v in table.unreadable.items()}
    assert (got.config, got.config_cells, got.locale) == (want.config, want.config_cells, "pt-BR")
    assert {(i.cell, i.rule) for i in got.issues} == {(i.cell, i.rule) for i in want.issues} == expected
    quantity = got.tables["Orders"].frame["Quantity"]
    assert quantity.iloc[1] == Decimal("1234.56")  # the pt-BR text, parsed exactly
    ctx = Context("ana", "pc-1", datetime(2026, 11, 1))
    assert {(i.cell, i.rule, i.value) for i in validate_job(live, ctx).issues} == \
        {(i.cell, i.rule, i.value) for i in validate_job(reference, ctx).issues}


# --- 2-4. validate and clear from the ribbon ------------------------------------------------------


def test_validate_writes_issues_marks_and_an_audit_entry_and_saves(tmp_path):
    book = make_book(tmp_path)
    assert DISPATCH["validate"](book) == ("Back Office", "3 errors and 1 warnings: see the Issues "
                                          "sheet (each Cell links to its cell) and the marked cells.")
    assert [s.name for s in book.sheets] == ["Config", "Orders", "Issues", "Audit Log", "_BackOffice"]
    assert not book.sheets["_BackOffice"].visible
    assert LiveWorkbook(book).sheet_names() == ["Config", "Orders", "Issues", "Audit Log"]

    issues = book.sheets["Issues"]
    rows = rows_of(book, "Issues")
    assert rows[0] == [c.header for c in ISSUE_COLUMNS]
    assert [(r[0], r[1], r[4], r[5]) for r in rows[1:]] == [("Orders", *i) for i in ISSUES]
    assert [(t.name, t.range.row, t.range.column, t.range.last_cell.row, t.range.last_cell.column)
            for t in issues.tables] == [("BO_Issues", 1, 1, 5, 8)]
    assert issues.links == {(n, 2): f"#Orders!{i[0]}" for n, i in enumerate(ISSUES, start=2)}

    orders = book.sheets["Orders"]
    assert orders.colors == {CELL["F7"]: ERROR_FILL, CELL["G7"]: ERROR_FILL,
                             CELL["F8"]: ERROR_FILL, CELL["C8"]: WARNING_FILL}
    messages = {r[1]: r[6] for r in rows[1:]}
    assert orders.notes == {CELL["F7"]: "ERROR: " + messages["F7"],
                            CELL["G7"]: "ERROR: " + messages["G7"],
                            CELL["F8"]: "ERROR: " + messages["F8"],
                            CELL["C8"]: USER_NOTE}  # the user's note stays; no tool note on top

    log = audit_log(book)
    assert [(e.seq, e.action, e.period) for e in log] == [(1, "validate", "2026-10")]
    assert book.sheets["Audit Log"].tables[0].name == "BO_AuditLog"
    assert book.saves == 1
    assert head_path(Path(book.fullname)).parent == tmp_path
    assert read_head(Path(book.fullname)) == (1, log[0].entry_hash)


def test_validate_again_replaces_the_issues_and_removes_the_previous_marks_exactly(tmp_path):
    book = make_book(tmp_path)
    DISPATCH["validate"](book)
    orders = book.sheets["Orders"]
    orders["F7"].value, orders["F8"].value = 3, 2  # the user fixes two cells
    assert DISPATCH["validate"](book)[1].startswith("1 errors and 1 warnings")

    assert [s.name for s in book.sheets] == ["Config", "Orders", "Issues", "Audit Log", "_BackOffice"]
    rows = rows_of(book, "Issues")
    assert [(r[1], r[4]) for r in rows[1:]] == [("G7", "read.error_value"), ("C8", "date.outside_period")]
    issues = book.sheets["Issues"]
    assert [(t.name, t.range.last_cell.row) for t in issues.tables] == [("BO_Issues", 3)]
    assert issues.links == {(2, 2): "#Orders!G7", (3, 2): "#Orders!C8"}

    assert orders.colors == {CELL["F7"]: USER_FILL, CELL["G7"]: ERROR_FILL, CELL["C8"]: WARNING_FILL}
    assert orders.notes == {CELL["G7"]: "ERROR: " + rows[1][6], CELL["C8"]: USER_NOTE}

    log = audit_log(book)
    assert [(e.seq, e.action) for e in log] == [(1, "validate"), (2, "validate")]
    assert log[1].prev_hash == log[0].entry_hash
    assert book.saves == 2 and read_head(Path(book.fullname)) == (2, log[1].entry_hash)


def test_clear_marks_removes_every_mark_and_keeps_the_users_own(tmp_path):
    book = make_book(tmp_path)
    DISPATCH["validate"](book)
    reply = ("Back Office", "The marks Back Office had put on input cells were removed.")
    assert DISPATCH["clear_marks"](book) == reply
    orders = book.sheets["Orders"]
    assert orders.colors == {CELL["F7"]: USER_FILL}
    assert orders.notes == {CELL["C8"]: USER_NOTE}
    assert "Issues" in [s.name for s in book.sheets]
    assert [e.action for e in audit_log(book)] == ["validate", "clear"]
    assert DISPATCH["clear_marks"](book) == reply  # nothing left to remove: still fine
    assert (orders.colors, orders.notes) == ({CELL["F7"]: USER_FILL}, {CELL["C8"]: USER_NOTE})
    assert book.saves == 3


# --- 5. the audit log -----------------------------------------------------------------------------

GENERAL_CELLS = pytest.param(True, id="Excel parses text")


@pytest.mark.parametrize("typed_entry", [GENERAL_CELLS, pytest.param(False, id="text kept")])
def test_audit_log_verifies_and_the_ribbon_reports_it(tmp_path, typed_entry):
    book = make_book(tmp_path, typed_entry=typed_entry)
    assert DISPATCH["audit_show"](book) == (
        "Back Office", "There is no Audit Log yet: it starts with the first job run.")
    DISPATCH["validate"](book)
    verdict = verify_chain(audit_log(book), read_head(Path(book.fullname)))
    assert (verdict.ok, verdict.entries, verdict.warning) == (True, 1, "")
    assert DISPATCH["audit_verify"](book) == ("Back Office", "Audit log intact: 1 entries verified.")
    assert DISPATCH["audit_show"](book) == (
        "Back Office", "This is the Audit Log: one row per job run, chained by SHA-256.")
    assert book.active is book.sheets["Audit Log"]

    book.sheets["Audit Log"]["G2"].value = "nothing to see here"  # Details of entry 1
    assert DISPATCH["audit_verify"](book) == ("Back Office", "Audit log BROKEN at entry 1: Entry Hash "
                                              "does not match the row's values (a cell was edited).")


def test_issue_values_are_written_as_text(tmp_path):
    book = make_book(tmp_path)
    DISPATCH["validate"](book)
    assert [r[7] for r in rows_of(book, "Issues")[1:]] == ["N/A", "#DIV/0!", "-2", "2026-11-05"]


def test_a_book_that_is_not_a_local_file_is_validated_without_a_head(tmp_path):
    book = make_book(tmp_path)
    book.fullname = "https://d.docs.live.net/0123/orders.xlsx"
    assert DISPATCH["validate"](book)[1].startswith("3 errors and 1 warnings")
    assert book.saves == 1 and not head_path(tmp_path / "orders.xlsx").exists()
    assert [e.input_sha256 for e in audit_log(book)] == [""]


# --- 6-7. on_button: one message box, never a traceback -------------------------------------------


@pytest.fixture
def caller(monkeypatch):
    """Make xw.Book.caller() return the fake book given."""
    def use(book: Book) -> Book:
        monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: book))
        return book
    return use


def _untouched(book: Book) -> None:
    assert book.saves == 0 and not head_path(Path(book.fullname)).exists()
    assert book.sheets["Orders"].colors == {CELL["F7"]: USER_FILL}
    assert book.sheets["Orders"].notes == {CELL["C8"]: USER_NOTE}


def test_a_users_own_issues_sheet_is_never_overwritten(tmp_path, caller):
    mine = [["My issues"], ["call the bank"]]
    book = caller(make_book(tmp_path, {"Issues": mine}))
    with pytest.raises(UnsafeWrite):
        DISPATCH["validate"](book)
    on_button("validate")
    message = 'The sheet "Issues" was not made by Back Office; rename it so the results can be written.'
    assert book.app.alerts[-1] == ("Back Office: not done", message)
    assert book.app.status_bar == message
    assert rows_of(book, "Issues") == mine and not book.sheets["Issues"].tables
    assert [s.name for s in book.sheets] == ["Config", "Orders", "Issues"]
    _untouched(book)


def test_a_users_sheet_named_issues_in_another_case_is_refused_too(tmp_path, caller):
    book = caller(make_book(tmp_path, {"issues": [["My issues"]]}))
    on_button("validate")
    assert book.app.alerts[-1][0] == "Back Office: not done"
    _untouched(book)


def _boom(book: Book) -> tuple[str, str]:
    raise RuntimeError("kaboom\nsecond line")


@pytest.mark.parametrize(("tag", "job", "message"), [
    ("validate", _boom, "RuntimeError: kaboom\nsecond line"),
    ("no_such_button", None, "KeyError: 'no_such_button'"),
])
def test_an_unexpected_exception_is_one_internal_error_box(tmp_path, caller, monkeypatch, tag, job,
                                                            message):
    book = caller(make_book(tmp_path))
    if job is not None:
        monkeypatch.setitem(ribbon.DISPATCH, tag, job)
    assert on_button(tag) is None
    assert book.app.alerts == [("Back Office: internal error", message)]
    assert book.app.status_bar == message.splitlines()[0]


def test_on_button_never_raises_even_on_an_empty_message(tmp_path, caller, monkeypatch):
    book = caller(make_book(tmp_path))

    def refuse(book: Book) -> tuple[str, str]:
        raise UnsafeWrite("")
    monkeypatch.setitem(ribbon.DISPATCH, "validate", refuse)
    on_button("validate")
    assert book.app.alerts[-1][0] == "Back Office: not done"


def test_validate_still_works_after_a_marked_sheet_is_renamed(tmp_path):
    book = make_book(tmp_path)
    DISPATCH["validate"](book)
    book.sheets["Orders"].name = "Pedidos"  # an accepted alias of Orders
    assert DISPATCH["validate"](book)[1].startswith("3 errors and 1 warnings")
    assert DISPATCH["validate"](book)[1].startswith("3 errors and 1 warnings")


# --- 8. backoffice doctor -------------------------------------------------------------------------


def test_doctor_json_lists_every_check_and_passes_here(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # no user configuration file
    done = subprocess.run([sys.executable, "-m", "addin.cli", "doctor", "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [c["name"] for c in report["checks"]] == [
        "Python", "xlwings", "xlwings DLL", "COM server", "UDF module", "Excel add-in", "Configuration",
        "LibreOffice Calc"]
    assert report["ok"] is True and all(c["ok"] for c in report["checks"])


# --- 9. the state sheet is shared with the file adapter; Excel Tables' totals rows ----------------

FILE_MARK = json.dumps({"sheet": "Orders", "cell": "F8", "style": 7}, sort_keys=True)


@pytest.mark.parametrize("issues_row", [["owned sheet", "issues"], ["owned sheet", "issues", "7"]],
                         ids=["as written", "with a sheet id"])
def test_a_state_sheet_written_by_the_file_adapter_is_read_and_kept(tmp_path, issues_row):
    state = [["Key", "Value"], issues_row, ["owned sheet", "audit log"], ["mark", FILE_MARK]]
    book = make_book(tmp_path, {"Issues": [["old issues"]], "_BackOffice": state})
    assert DISPATCH["validate"](book)[1].startswith("3 errors and 1 warnings")  # not refused
    assert rows_of(book, "Issues")[0] == [c.header for c in ISSUE_COLUMNS]
    rows = rows_of(book, "_BackOffice")
    assert rows[0][:2] == ["Key", "Value"]
    assert [r[:2] for r in rows if r[0] == "mark"] == [["mark", FILE_MARK]]  # kept as it was
    assert [r[1] for r in rows if r[0] == "owned sheet"] == ["issues", "audit log", "_BackOffice"]
    assert len([r for r in rows if r[0] == "live mark"]) == 4
    assert DISPATCH["validate"](book)[1].startswith("3 errors and 1 warnings")  # and read back


def test_the_state_sheet_is_a_key_value_table_the_file_adapter_reads(tmp_path):
    book = make_book(tmp_path)
    DISPATCH["validate"](book)
    rows = rows_of(book, "_BackOffice")
    assert rows[0] == ["Key", "Value"] and all(len(r) == 2 for r in rows)
    assert [r[1] for r in rows if r[0] == "owned sheet"] == ["Issues", "Audit Log", "_BackOffice"]
    marks = [json.loads(r[1]) for r in rows if r[0] == "live mark"]
    assert sorted(m["cell"] for m in marks) == sorted(i[0] for i in ISSUES)
    assert {r[0] for r in rows[1:]} == {"owned sheet", "live mark"}  # no "mark": the file door's


def test_an_excel_tables_totals_row_is_not_read_as_data(tmp_path):
    total = ["Total", None, None, None, None, 7, None, None]
    book = Book(tmp_path / "orders.xlsx", {"Config": CONFIG, "Orders": [*ORDERS, total]},
                {"Orders": [TableRange("Pedidos", 3, 1, 9, 8)]})
    book.sheets["Orders"].tables[0].show_totals = True
    got = read_workbook(LiveWorkbook(book))
    reference = read_workbook(MemoryWorkbook("orders.xlsx", {"Config": CONFIG, "Orders": ORDERS},
                                             {"Orders": [TableRange("Pedidos", 3, 1, 8, 8)]}))
    pd.testing.assert_frame_equal(got.tables["Orders"].frame, reference.tables["Orders"].frame)
    assert "Total" not in got.tables["Orders"].frame["Order ID"].tolist()
    assert {(i.cell, i.rule) for i in got.issues} == {(i.cell, i.rule) for i in reference.issues}
