"""The Audit Log sheet and its head recorded outside the workbook."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from engine.audit import COLUMNS, AuditEntry
from engine.schema import normalise
from workbooks.model import CellKind, OutputColumn, OutputSheet, Workbook

AUDIT_SHEET = "Audit Log"
_WIDTHS = (6, 22, 14, 16, 12, 9, 50, 66, 66, 66)  # a hash is 64 characters


def read_audit_log(book: Workbook) -> list[AuditEntry]:
    """The entries of the Audit Log sheet as they stand (tampered or not)."""
    return read_audit_rows(book)[0]


def read_audit_rows(book: Workbook) -> tuple[list[AuditEntry], list[int]]:
    """The entries and the sheet row of each, plus one more: the row after the last entry
    (where an entry cut from the end would be)."""
    sheet = next((n for n in book.sheet_names() if normalise(n) == normalise(AUDIT_SHEET)), None)
    if sheet is None:
        return [], [2]
    grid = book.grid(sheet)
    rows = grid.rows()
    if not rows:
        return [], [2]
    header = [normalise(str(h)) if h is not None else "" for h in rows[0]]
    index = {normalise(name): header.index(normalise(name)) for name in COLUMNS
             if normalise(name) in header}
    entries, excel_rows = [], []
    for offset, row in enumerate(rows[1:], start=1):
        if all(v is None for v in row):
            continue
        values = {name: _text(row, index.get(normalise(name))) for name in COLUMNS}
        entries.append(AuditEntry(_seq(values["Seq"]), *(values[n] for n in COLUMNS[1:])))
        excel_rows.append(grid.first_row + offset)
    excel_rows.append((excel_rows[-1] if excel_rows else grid.first_row) + 1)
    return entries, excel_rows


def _text(row: list[object], index: int | None) -> str:
    if index is None or index >= len(row) or row[index] is None:
        return ""
    return str(row[index])


def _seq(text: str) -> int:
    try:
        return int(float(text))
    except ValueError:
        return -1


def audit_output(entries: list[AuditEntry]) -> OutputSheet:
    """The Audit Log sheet: all text except Seq."""
    columns = [OutputColumn(name, CellKind.INTEGER if name == "Seq" else CellKind.TEXT, width)
               for name, width in zip(COLUMNS, _WIDTHS, strict=True)]
    return OutputSheet(AUDIT_SHEET, columns, [e.as_row() for e in entries],
                       table_name="BO_AuditLog")


def head_path(workbook: Path) -> Path:
    """Where the chain head is recorded: a sidecar next to the workbook by default. With
    BACKOFFICE_AUDIT_HEAD_DIR (a folder kept apart from the workbooks) the file name also
    carries a hash of the workbook's full path, so two books of the same name never share it."""
    folder = os.environ.get("BACKOFFICE_AUDIT_HEAD_DIR")
    if not folder:
        return workbook.parent / f"{workbook.name}.audit-head.json"
    where = hashlib.sha256(str(workbook.resolve()).encode("utf-8")).hexdigest()[:12]
    return Path(folder) / f"{workbook.name}.{where}.audit-head.json"


def read_head(workbook: Path) -> tuple[int, str] | None:
    """The recorded (seq, entry_hash), or None when none was recorded."""
    path = head_path(workbook)
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return int(data["seq"]), str(data["entry_hash"])


def write_head(workbook: Path, entry: AuditEntry) -> None:
    """Record the new head atomically."""
    path = head_path(workbook)
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(json.dumps({"workbook": workbook.name, "seq": entry.seq,
                                "entry_hash": entry.entry_hash}), encoding="utf-8")
    os.replace(temp, path)
