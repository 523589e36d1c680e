"""Results written beside a workbook the tool refused to change: `<name>.results.xlsx`."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl

from workbooks.model import OutputSheet
from workbooks.xlsx.styles import schema_font_order
from workbooks.xlsx_file import FileWorkbook


def write_sidecar(workbook: Path, sheets: list[OutputSheet]) -> Path:
    """Write `sheets` into a fresh `<stem>.results.xlsx` next to `workbook` (replacing it)."""
    target = workbook.with_name(f"{workbook.stem}.results.xlsx")
    target.unlink(missing_ok=True)
    fresh = openpyxl.Workbook()
    fresh.active.title = "About"
    fresh.active["A1"] = f"Results of Back Office for {workbook.name}, which it could not change."
    buffer = io.BytesIO()
    fresh.save(buffer)
    target.write_bytes(schema_font_order(buffer.getvalue()))
    book = FileWorkbook.open(target)
    for sheet in sheets:
        book.write_sheet(sheet)
    book.save()
    return target
