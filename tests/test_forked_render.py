"""The biggest output sheet of a save is rendered by a forked child (workbooks/xlsx/forked.py):
the file is the same byte for byte as when this process renders it, and a child that fails
(a style it would have to add, a text Excel cannot hold) changes nothing but who renders."""

from __future__ import annotations

import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from engine.errors import UnsafeWrite
from workbooks.model import Block, CellKind, OutputColumn, OutputSheet
from workbooks.xlsx import forked, surgery
from workbooks.xlsx_file import FileWorkbook

pytestmark = pytest.mark.skipif(not forked.ENABLED, reason="fork is used on Linux only")
COLUMNS = [OutputColumn("Entry", CellKind.INTEGER), OutputColumn("Date", CellKind.DATE),
           OutputColumn("Account"), OutputColumn("Debit", CellKind.MONEY)]


def _book(folder: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = "Orders"
    wb.active.append(["Order ID"])
    folder.mkdir(parents=True, exist_ok=True)
    wb.save(folder / "book.xlsx")
    return folder / "book.xlsx"


def _sheets(memo: str = "Sale") -> list[OutputSheet]:
    big = OutputSheet("Journal", currency="BRL")
    rows = [[n, date(2026, 10, 1 + n % 28), f"{1100 + n % 7}", Decimal(n) / 4, memo]
            for n in range(3000)]
    big.add(Block([*COLUMNS, OutputColumn("Memo")], rows, totals=("Debit",),
                  links={(n, 2): f"Orders!A{n + 2}" for n in range(0, 3000, 3)}))
    small = OutputSheet("Trial", COLUMNS, [[1, date(2026, 10, 31), "1100", Decimal("2.50")]])
    return [small, big]


def _save(path: Path, sheets: list[OutputSheet]) -> dict[str, bytes]:
    book = FileWorkbook.open(path)
    for sheet in sheets:
        book.write_sheet(sheet)
    book.save()
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist() if name.startswith("xl/")}


def _children(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each child's outcome (True: its bytes were used)."""
    outcomes: list[bool] = []
    real = forked.Pending.result

    def result(self):  # type: ignore[no-untyped-def]
        data = real(self)
        outcomes.append(data is not None)
        return data

    monkeypatch.setattr(forked.Pending, "result", result)
    return outcomes


@pytest.mark.parametrize(("memo", "child_ok"), [("Sale", True), ("=not a formula", False),
                                                ("x" * 40_000, False)])
def test_a_forked_render_writes_what_this_process_would(tmp_path, monkeypatch, memo, child_ok):
    monkeypatch.setattr(forked, "ENABLED", False)
    monkeypatch.setattr(surgery, "FORK_CELLS", 1000)
    try:
        expected, expected_error = _save(_book(tmp_path / "serial"), _sheets(memo)), ""
    except UnsafeWrite as refused:
        expected_error = str(refused)
    monkeypatch.setattr(forked, "ENABLED", True)
    outcomes = _children(monkeypatch)
    path = _book(tmp_path / "forked")
    before = path.read_bytes()
    if expected_error:  # the child fails; this process renders and refuses, naming the cell
        with pytest.raises(UnsafeWrite) as refused:
            _save(path, _sheets(memo))
        assert str(refused.value) == expected_error and "Journal!E2 (Memo)" in expected_error
        assert path.read_bytes() == before
    else:
        got = _save(path, _sheets(memo))
        if child_ok:
            assert got == expected
        else:  # "=..." needs a quoted style the parent did not look up: the child gives up, and
            # this process renders it after the small sheet (style numbers differ, not styles)
            assert _cells(path) == _cells(tmp_path / "serial" / "book.xlsx")
        ws = openpyxl.load_workbook(path)["Journal"]
        assert ws["E2"].value == memo and ws["D3001"].value == 749.75
        assert ws["E2"].quotePrefix is (memo[0] == "=")
    assert outcomes == [child_ok]  # one child, for the big sheet only


def _cells(path: Path) -> list[tuple[str, str, object, str, bool, bool]]:
    """Every cell as a user sees it: value, number format, quote prefix, bold."""
    book = openpyxl.load_workbook(path)
    return [(ws.title, cell.coordinate, cell.value, cell.number_format, cell.quotePrefix,
             bool(cell.font.b)) for ws in book for row in ws.iter_rows() for cell in row]


def test_a_sheet_refused_here_while_the_child_renders_leaves_no_child_and_no_change(
        tmp_path, monkeypatch):
    monkeypatch.setattr(surgery, "FORK_CELLS", 1000)
    outcomes = _children(monkeypatch)
    path = _book(tmp_path)
    before = path.read_bytes()
    small, big = _sheets()
    small.rows[0][2] = "y" * 40_000  # the small sheet, rendered here, is refused
    with pytest.raises(UnsafeWrite, match=r"Trial!C2 \(Account\)"):
        _save(path, [small, big])
    assert outcomes == [True] and path.read_bytes() == before  # the child was waited for
