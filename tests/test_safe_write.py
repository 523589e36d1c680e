"""The safe-write protocol, through the real `backoffice` command where a person would use it.

Rich workbooks (openpyxl-built with the features users put in shared books, and a macro book)
must come out of `validate` with every part they had intact; then each refusal of the protocol:
open in Excel, changed on disk, locked, a user sheet named like ours, dry runs, backups, and
the values the sheet writer must keep as text or refuse.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import subprocess
import sys
import warnings
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import fastexcel
import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.workbook.protection import WorkbookProtection

from addin.jobs import run_on_file, validate_job
from engine.errors import UnsafeWrite
from workbooks import safe_save
from workbooks.model import CellKind, OutputColumn, OutputSheet
from workbooks.safe_save import BACKUP_DIR, DEFAULT_KEEP, workbook_lock
from workbooks.xlsx_file import STATE_SHEET, FileWorkbook

try:
    from tests import builders
except ImportError:  # tests/ itself on sys.path (pytest rootdir-less run)
    import builders  # type: ignore[no-redef]

REPO = Path(__file__).resolve().parents[1]
OUTPUTS = ["Issues", "Audit Log"]


def cli(*args: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `backoffice` as a real process from the project folder."""
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith("BACKOFFICE_")} | env
    return subprocess.run([sys.executable, "-m", "addin.cli", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, env=environment, timeout=120,
                          check=False)


def folder_state(folder: Path) -> dict[str, str]:
    """{relative path: sha256} of every file under `folder`."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def one_line(stderr: str) -> str:
    message = stderr.strip()
    assert message and "\n" not in message and "\r" not in message, stderr
    return message


def backups(book: Path) -> list[Path]:
    return sorted((book.parent / BACKUP_DIR).glob(f"{book.stem}.2*{book.suffix}"))


@pytest.fixture(autouse=True)
def _head_beside_the_book(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKOFFICE_AUDIT_HEAD_DIR", raising=False)


@pytest.fixture
def rich(tmp_path: Path) -> Path:
    """A copy of the rich workbook, alone in its folder."""
    source = builders.rich_workbook(tmp_path / "source")
    return builders.copy_into(source, tmp_path / "shared", "book.xlsx")


# --------------------------------------------------------------------------- rich workbooks


def test_validate_keeps_every_part_of_a_rich_workbook(rich: Path) -> None:
    original = rich.read_bytes()
    run = cli("validate", rich, "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["written"] == OUTPUTS

    report = builders.compare_packages(original, rich)
    assert not report.problems, "\n".join(report.problems)
    assert len(report.shared) == 4
    assert report.identical == len(zipfile.ZipFile(io.BytesIO(original)).namelist()) - 4
    for kind in ("xl/charts/chart1.xml", "xl/drawings/drawing1.xml", "xl/tables/table1.xml",
                 "xl/comments/comment1.xml", "xl/drawings/commentsDrawing1.vml"):
        assert kind in zipfile.ZipFile(rich).namelist()
    assert [p.read_bytes() for p in backups(rich)] == [original]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(rich)
    orders = book["Orders"]
    assert list(orders.tables) == ["OrdersTable"]
    assert len(orders.data_validations.dataValidation) == 1
    assert len(list(orders.conditional_formatting)) == 1
    assert orders["D2"].comment.text.startswith("Key account")
    assert orders["J2"].value == "=F2*G2*(1-H2)"
    assert "A1:D1" in {str(r) for r in book["Notes"].merged_cells.ranges}
    assert "TaxRateDefault" in book.defined_names and "LocalQty" in orders.defined_names
    assert book.sheetnames == ["Orders", "Config", "Notes", "Dashboard", *OUTPUTS, STATE_SHEET]
    cached = fastexcel.read_excel(str(rich)).load_sheet("Orders").to_pandas()["Line Total"]
    assert cached.tolist() == [125.0, 379.62, 37.5, 29.75]

    # A second run replaces our sheets and keeps everything else.
    again = cli("validate", rich, "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["audit"]["seq"] == 2
    report = builders.compare_packages(original, rich)
    assert not report.problems, "\n".join(report.problems)
    assert cli("audit", "verify", rich).returncode == 0


def test_validate_keeps_a_macro_workbook(tmp_path: Path) -> None:
    source = builders.macro_workbook(tmp_path / "source")
    book = builders.copy_into(source, tmp_path / "shared", "book.xlsm")
    original = book.read_bytes()
    run = cli("validate", book, "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["written"] == OUTPUTS

    report = builders.compare_packages(original, book)
    assert not report.problems, "\n".join(report.problems)
    with zipfile.ZipFile(source) as before, zipfile.ZipFile(book) as after:
        assert after.read("xl/vbaProject.bin") == before.read("xl/vbaProject.bin")
        types = after.read("[Content_Types].xml").decode()
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reopened = openpyxl.load_workbook(book, keep_vba=True)
    assert reopened.vba_archive is not None
    assert reopened.sheetnames[-3:] == [*OUTPUTS, STATE_SHEET]


# --------------------------------------------------------------------------- the protocol


def test_open_in_excel_refuses_naming_the_user(rich: Path) -> None:
    owner = builders.excel_owner_file(rich, "Maria Silva")
    before = folder_state(rich.parent)
    run = cli("validate", rich)
    assert run.returncode == 3, run.stderr
    message = one_line(run.stderr)
    assert "Maria Silva" in message and rich.name in message, message
    assert folder_state(rich.parent) == before  # no lock file, backup or audit head either
    assert owner.exists()


def test_change_on_disk_while_the_job_runs_is_refused(rich: Path) -> None:
    other: dict[str, bytes] = {}

    def job_while_someone_saves(book, ctx):
        result = validate_job(book, ctx)
        saved = subprocess.run(  # another program saves the book meanwhile
            [sys.executable, "-c", "import openpyxl, sys; wb = openpyxl.load_workbook(sys.argv[1]);"
             " wb['Config']['B2'] = 'Other Co'; wb.save(sys.argv[1])", str(rich)],
            capture_output=True, text=True, check=False)
        assert saved.returncode == 0, saved.stderr
        other["bytes"] = rich.read_bytes()
        return result

    with pytest.raises(UnsafeWrite) as caught:
        run_on_file(rich, job_while_someone_saves)
    assert "changed on disk" in caught.value.message
    assert rich.read_bytes() == other["bytes"]
    assert not backups(rich)
    assert not [p for p in rich.parent.iterdir() if ".tmp" in p.name]


def test_a_same_size_same_mtime_change_is_still_detected(rich: Path) -> None:
    """A change that keeps size and modification time is caught by the content hash."""
    other: dict[str, bytes] = {}

    def job_with_sneaky_writer(book, ctx):
        result = validate_job(book, ctx)
        stat = rich.stat()
        data = bytearray(rich.read_bytes())
        data[10] ^= 0x01  # the first member's DOS time: the zip stays valid, size unchanged
        rich.write_bytes(bytes(data))
        os.utime(rich, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        other["bytes"] = bytes(data)
        return result

    with pytest.raises(UnsafeWrite, match="changed on disk"):
        run_on_file(rich, job_with_sneaky_writer)
    assert rich.read_bytes() == other["bytes"]


def test_a_backup_per_write_and_only_the_last_ten_kept(rich: Path) -> None:
    versions = []
    for _ in range(DEFAULT_KEEP + 2):
        versions.append(rich.read_bytes())
        run_on_file(rich, validate_job)
    kept = backups(rich)
    assert len(kept) == DEFAULT_KEEP
    assert [p.read_bytes() for p in kept] == versions[2:]
    assert rich.read_bytes() not in versions


def test_backups_of_a_sibling_book_are_not_pruned_with_this_one(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    archive = builders.copy_into(builders.rich_workbook(tmp_path / "a"), folder, "book.old.xlsx")
    book = builders.copy_into(builders.rich_workbook(tmp_path / "b"), folder, "book.xlsx")
    for _ in range(DEFAULT_KEEP):
        run_on_file(archive, validate_job)
    before = book.read_bytes()
    run_on_file(book, validate_job)
    assert len(backups(archive)) == DEFAULT_KEEP
    assert [p.read_bytes() for p in backups(book)] == [before]


def test_backups_of_a_book_with_brackets_in_its_name_are_pruned(rich: Path) -> None:
    book = rich.rename(rich.with_name("[Q4] book.xlsx"))
    for _ in range(DEFAULT_KEEP + 2):
        run_on_file(book, validate_job)
    assert len(list((book.parent / BACKUP_DIR).iterdir())) == DEFAULT_KEEP


def test_locked_by_another_run(rich: Path) -> None:
    before = rich.read_bytes()
    with workbook_lock(rich, timeout=1):
        run = cli("validate", rich, BACKOFFICE_LOCK_TIMEOUT="1")
    assert run.returncode == 3, run.stderr
    message = one_line(run.stderr)
    assert "another Back Office run" in message and rich.name in message, message
    assert rich.read_bytes() == before
    assert not backups(rich)


def test_a_user_sheet_named_like_ours_is_not_replaced(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Config"
    wb.active.append(["Key", "Value"])
    wb.active.append(["Period", "2026-10"])
    mine = wb.create_sheet("Issues")
    mine["A1"] = "My own open points — do not delete"
    book = tmp_path / "book.xlsx"
    wb.save(book)
    before = book.read_bytes()

    run = cli("validate", book)
    assert run.returncode == 3, run.stderr
    message = one_line(run.stderr)
    assert '"Issues"' in message and "book.results.xlsx" in message, message
    assert book.read_bytes() == before
    sidecar = book.with_name("book.results.xlsx")
    assert sidecar.is_file()
    assert "Issues" in fastexcel.read_excel(str(sidecar)).sheet_names
    results = openpyxl.load_workbook(sidecar)
    assert results["Issues"]["A1"].value == "Sheet"
    assert openpyxl.load_workbook(book)["Issues"]["A1"].value.startswith("My own")


def test_a_protected_structure_is_not_changed(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Config"
    wb.active.append(["Key", "Value"])
    wb.security = WorkbookProtection(lockStructure=True)
    book = tmp_path / "book.xlsx"
    wb.save(book)
    before = book.read_bytes()
    run = cli("validate", book)
    assert run.returncode == 3, run.stderr
    message = one_line(run.stderr)
    assert "structure is protected" in message and "book.results.xlsx" in message, message
    assert book.read_bytes() == before
    assert "Issues" in fastexcel.read_excel(str(book.with_name("book.results.xlsx"))).sheet_names


def test_dry_run_writes_nothing(rich: Path) -> None:
    before = folder_state(rich.parent)
    run = cli("validate", rich, "--dry-run", "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["written"] == []
    after = folder_state(rich.parent)
    lock = safe_save.lock_path(rich).name
    assert {k: v for k, v in after.items() if k != lock} == before  # the lock file may appear


# --------------------------------------------------------------------------- values


def _plain_book(folder: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.active["A1"] = "input"
    path = folder / "values.xlsx"
    wb.save(path)
    return path


def _write_and_read(folder: Path, columns: list[OutputColumn], rows: list[list[object]]):
    path = _plain_book(folder)
    book = FileWorkbook.open(path)
    book.write_sheet(OutputSheet("Checks", columns, rows))  # type: ignore[arg-type]
    book.save()
    with zipfile.ZipFile(path) as zf:
        part = next(n for n in zf.namelist() if n.startswith("xl/worksheets/sheet2"))
        assert b"<f>" not in zf.read(part)
    return openpyxl.load_workbook(path)["Checks"]


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "=1+1",
                                  " leading space", "line\nbreak", "x" * 32_767])
def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path, text: str) -> None:
    sheet = _write_and_read(tmp_path, [OutputColumn("Value")], [[text]])
    cell = sheet["A2"]
    assert cell.data_type == "s" and cell.value == text


@pytest.mark.parametrize(("text", "why"), [("x" * 32_768, "32,768 characters")])
def test_text_excel_cannot_hold_is_refused(tmp_path: Path, text: str, why: str) -> None:
    path = _plain_book(tmp_path)
    before = path.read_bytes()
    book = FileWorkbook.open(path)
    book.write_sheet(OutputSheet("Checks", [OutputColumn("Sheet"), OutputColumn("Message")],
                                 [["Orders", "fine"], ["Orders", text]]))
    with pytest.raises(UnsafeWrite) as caught:
        book.save()
    message = caught.value.message
    assert "Checks!B3" in message and "(Message)" in message and why in message, message
    assert "\n" not in message
    assert path.read_bytes() == before


def test_control_characters_are_written_the_way_excel_escapes_them(tmp_path: Path) -> None:
    """A vertical tab (Word's soft line break pasted into Excel) and a literal "_x0041_" both
    come back exactly: written as _x000B_ and _x005F_x0041_, as Excel itself writes them."""
    path = _plain_book(tmp_path)
    text = "bad\x01char\x0bsoft _x0041_ kept"
    book = FileWorkbook.open(path)
    book.write_sheet(OutputSheet("Checks", [OutputColumn("Sheet"), OutputColumn("Message")],
                                 [["Orders", text]]))
    book.save()
    assert FileWorkbook.open(path).grid("Checks").rows()[1] == ["Orders", text]
    with zipfile.ZipFile(path) as zf:
        sheet = next(zf.read(n) for n in zf.namelist() if b"Checks" not in zf.read(n)
                     and n.startswith("xl/worksheets/sheet") and b"soft" in zf.read(n))
    assert b"bad_x0001_char_x000B_soft _x005F_x0041_ kept" in sheet


@pytest.mark.parametrize(("value", "kind", "text"), [
    (math.nan, CellKind.NUMBER, "nan"),
    (math.inf, CellKind.MONEY, "inf"),
    (-math.inf, CellKind.NUMBER, "-inf"),
    (Decimal("NaN"), CellKind.MONEY, "NaN"),
    (10**20, CellKind.INTEGER, "100000000000000000000"),
    (10**15 + 1, CellKind.INTEGER, "1000000000000001"),
    (date(1899, 12, 31), CellKind.DATE, "1899-12-31"),
    (date(1900, 2, 28), CellKind.DATE, "1900-02-28"),
])
def test_numbers_excel_would_change_are_written_as_text(tmp_path: Path, value: object,
                                                        kind: CellKind, text: str) -> None:
    sheet = _write_and_read(tmp_path, [OutputColumn("Value", kind)], [[value]])
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == text


def test_money_is_a_number_with_a_money_format(tmp_path: Path) -> None:
    sheet = _write_and_read(
        tmp_path, [OutputColumn("Amount", CellKind.MONEY), OutputColumn("Count", CellKind.INTEGER),
                   OutputColumn("Due", CellKind.DATE)],
        [[Decimal("1234.50"), 10**15, date(1900, 3, 1)]])
    amount = sheet["A2"]
    assert amount.data_type == "n" and amount.value == 1234.5
    assert amount.number_format == "#,##0.00"
    assert sheet["B2"].value == 10**15
    assert sheet["C2"].is_date and sheet["C2"].value.date() == date(1900, 3, 1)


def _book_1904(folder: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    wb.active["A1"] = date(2026, 10, 31)
    path = folder / "mac.xlsx"
    wb.save(path)
    assert b'date1904="1"' in zipfile.ZipFile(path).read("xl/workbook.xml")
    return path


def test_dates_in_a_1904_workbook_keep_their_day(tmp_path: Path) -> None:
    path = _book_1904(tmp_path)
    book = FileWorkbook.open(path)
    book.write_sheet(OutputSheet("Checks", [OutputColumn("Due", CellKind.DATE)],
                                 [[date(2026, 10, 31)], [date(1904, 1, 2)]]))
    book.save()
    sheet = openpyxl.load_workbook(path)["Checks"]
    assert sheet["A2"].value.date() == date(2026, 10, 31)
    assert sheet["A3"].value.date() == date(1904, 1, 2)


def test_a_date_before_1904_in_a_1904_workbook_is_written_as_text(tmp_path: Path) -> None:
    path = _book_1904(tmp_path)
    book = FileWorkbook.open(path)
    book.write_sheet(OutputSheet("Checks", [OutputColumn("Due", CellKind.DATE)],
                                 [[date(1903, 12, 31)]]))
    book.save()
    with zipfile.ZipFile(path) as zf:
        part = next(n for n in zf.namelist() if n.startswith("xl/worksheets/sheet2"))
        assert b"<v>-" not in zf.read(part)
    cell = openpyxl.load_workbook(path)["Checks"]["A2"]
    assert cell.data_type == "s" and cell.value == "1903-12-31"
