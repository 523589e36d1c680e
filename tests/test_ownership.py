"""Output sheets are the tool's own by name AND sheetId: a user's sheet that took the name of a
deleted output sheet is never replaced."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from builders import config_book

from engine.errors import UnsafeWrite
from workbooks.model import OutputColumn, OutputSheet
from workbooks.xlsx_file import STATE_SHEET, FileWorkbook

REPO = Path(__file__).resolve().parents[1]


def _issues(text: str) -> OutputSheet:
    return OutputSheet("Issues", [OutputColumn("Message")], [[text]], table_name="BO_Issues")


def _write(path: Path, text: str) -> None:
    book = FileWorkbook.open(path)
    book.write_sheet(_issues(text))
    book.save()


@pytest.fixture
def book(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.active.append(["Id", "Name"])
    wb.active.append(["1", "one"])
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return path


def _replace_issues_with_a_users_sheet(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    del wb["Issues"]
    mine = wb.create_sheet("Issues")
    mine["A1"] = "My own open points"
    wb.save(path)


def test_the_state_records_the_sheet_ids_assigned_in_the_same_save(book: Path) -> None:
    _write(book, "first")
    reopened = FileWorkbook.open(book)
    ids = {s.name.casefold(): s.sheet_id for s in reopened.package.sheets}
    assert reopened.owned == {"issues": ids["issues"], STATE_SHEET.casefold(): ids[
        STATE_SHEET.casefold()]}
    assert not reopened.conflicts()


def test_a_rerun_replaces_the_tools_own_sheet(book: Path) -> None:
    _write(book, "first")
    _write(book, "second")
    ws = openpyxl.load_workbook(book)["Issues"]
    assert (ws["A1"].value, ws["A2"].value) == ("Message", "second")
    assert openpyxl.load_workbook(book).sheetnames == ["Data", "Issues", STATE_SHEET]


def test_a_users_sheet_that_took_the_name_of_a_deleted_output_sheet_is_not_replaced(
        book: Path) -> None:
    _write(book, "first")
    _replace_issues_with_a_users_sheet(book)
    before = book.read_bytes()
    again = FileWorkbook.open(book)
    again.write_sheet(_issues("second"))
    with pytest.raises(UnsafeWrite, match='"Issues"'):
        again.save()
    assert book.read_bytes() == before
    assert openpyxl.load_workbook(book)["Issues"]["A1"].value == "My own open points"


def test_an_old_name_only_record_is_honoured_only_while_the_sheet_holds_one_table(
        book: Path) -> None:
    _write(book, "first")
    ours = FileWorkbook.open(book)
    ours.owned = {"issues": None}  # a state sheet written before sheetIds were recorded
    assert not ours.conflicts()
    _replace_issues_with_a_users_sheet(book)
    theirs = FileWorkbook.open(book)
    theirs.owned = {"issues": None}
    theirs.write_sheet(_issues("second"))
    assert theirs.conflicts()


def test_the_command_refuses_exits_3_and_writes_the_sidecar(tmp_path: Path) -> None:
    path = config_book(tmp_path / "book.xlsx")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKOFFICE_")}

    def validate() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "addin.cli", "validate", str(path)],
                              cwd=REPO, capture_output=True, text=True, env=env, timeout=120,
                              check=False)

    first = validate()
    assert first.returncode in (0, 1), first.stderr
    _replace_issues_with_a_users_sheet(path)
    before = path.read_bytes()
    run = validate()
    assert run.returncode == 3, run.stderr
    assert '"Issues"' in run.stderr
    assert path.read_bytes() == before
    assert path.with_name("book.results.xlsx").is_file()


def test_output_sheets_stay_ours_after_a_program_renumbers_the_sheet_ids(book: Path) -> None:
    """openpyxl and LibreOffice renumber sheetIds when they save; our sheet keeps its one table
    named BO_..., which is how it is still recognised."""
    _write(book, "first")
    wb = openpyxl.load_workbook(book)
    wb.create_sheet("Notes", 0)  # shifts every sheet's position, hence its new sheetId
    wb.save(book)
    reopened = FileWorkbook.open(book)
    entry = reopened.package.sheet("Issues")
    assert entry is not None and reopened.owned["issues"] != entry.sheet_id
    assert not reopened.conflicts()
    _write(book, "second")
    assert openpyxl.load_workbook(book)["Issues"]["A2"].value == "second"
