"""The Audit Log sheet and its head recorded outside the workbook."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.audit import COLUMNS, AuditEntry, Head, reaches
from engine.schema import normalise
from workbooks.model import CellKind, OutputColumn, OutputSheet, OutputValue, Workbook

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


def _text(row: Sequence[object], index: int | None) -> str:
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
    rows: list[list[OutputValue]] = [list(e.as_row()) for e in entries]
    return OutputSheet(AUDIT_SHEET, columns, rows,
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


def pending_path(workbook: Path) -> Path:
    """Where a run records the head it is saving: beside the head file."""
    head = head_path(workbook)
    return head.with_name(head.name.removesuffix(".audit-head.json") + ".audit-head.pending.json")


@dataclass(frozen=True)
class HeadRecord:
    """The committed head (the head file) and the head a run is saving (the pending file).

    A run writes its new head to the pending file BEFORE it replaces the workbook, and commits it
    (head file replaced, pending file removed) after. Whenever the run is killed, the workbook is
    either the old version (its last entry is the committed head) or the new one (its last entry
    is the pending head): verify accepts both, and the next writing run settles the record under
    the lock (`settle_head`). A pending file that cannot be read was cut short while being
    written, before the workbook was touched, so it counts as none."""

    committed: Head | None = None
    pending: Head | None = None


def read_head_record(workbook: Path) -> HeadRecord:
    """The committed and pending heads recorded for `workbook` (none recorded: both None)."""
    return HeadRecord(read_head(workbook), _read_pending(pending_path(workbook)))


def read_head(workbook: Path) -> Head | None:
    """The committed (seq, entry_hash), or None when none was recorded."""
    path = head_path(workbook)
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return int(data["seq"]), str(data["entry_hash"])


def _read_pending(path: Path) -> Head | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return int(data["seq"]), str(data["entry_hash"])
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):  # cut short by a kill: the save had not started
        return None


def write_head(workbook: Path, entry: AuditEntry) -> None:
    """Commit `entry` as the head atomically (temp, rename); a pending head is then settled.
    Not fsynced, like the pending head (one more fsync per run, under the lock, would cost shared
    books throughput): a process killed at any moment leaves a consistent record; after a power
    cut the record can at worst lag the workbook, which verify reports as entries after the head
    (exit 0), never as tampering."""
    path = head_path(workbook)
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(json.dumps({"workbook": workbook.name, "seq": entry.seq,
                                "entry_hash": entry.entry_hash}), encoding="utf-8")
    os.replace(temp, path)
    pending_path(workbook).unlink(missing_ok=True)


def write_pending_head(workbook: Path, entry: AuditEntry) -> None:
    """Record `entry` as the head the workbook is about to end with (before replacing it)."""
    pending_path(workbook).write_text(json.dumps({"seq": entry.seq,
                                                  "entry_hash": entry.entry_hash}),
                                      encoding="utf-8")


def drop_pending_head(workbook: Path) -> None:
    """Forget the pending head of a save that did not happen (the committed head stays)."""
    pending_path(workbook).unlink(missing_ok=True)


def settle_head(workbook: Path, log: list[AuditEntry]) -> HeadRecord:
    """Finish what an interrupted run left in the head record, given the log the workbook holds
    now: a pending head the log reaches becomes the committed head (the save happened); one it
    does not reach is dropped (it did not). Call under the workbook lock."""
    head = head_path(workbook)
    head.with_name(head.name + ".tmp").unlink(missing_ok=True)  # a kill while committing
    record = read_head_record(workbook)
    if record.pending is not None and reaches(log, record.pending):
        seq, _ = record.pending
        write_head(workbook, log[seq - 1])
        return HeadRecord(record.pending)
    drop_pending_head(workbook)
    return HeadRecord(record.committed)
