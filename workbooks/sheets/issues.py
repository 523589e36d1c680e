"""The Issues output sheet: one row per issue, the Cell linked to the cell it is about."""

from __future__ import annotations

from engine.issues import Issue, issue_order, quote_sheet
from workbooks.model import CellKind, OutputColumn, OutputSheet, OutputValue

ISSUES_SHEET = "Issues"
COLUMNS = [
    OutputColumn("Sheet", width=18), OutputColumn("Cell", width=8),
    OutputColumn("Row", CellKind.INTEGER, 7), OutputColumn("Column", width=18),
    OutputColumn("Rule", width=24), OutputColumn("Severity", width=10),
    OutputColumn("Message", width=110), OutputColumn("Value", width=20),
]


def issues_output(issues: list[Issue]) -> OutputSheet:
    """The Issues sheet for these issues (errors first, then by sheet and row)."""
    ordered = sorted(issues, key=issue_order)
    rows: list[list[OutputValue]] = [
        [i.sheet, i.cell, i.row, i.column, i.rule, str(i.severity), i.message, i.value] for i in ordered]
    links = {(n, 1): f"{quote_sheet(i.sheet)}!{i.cell}" for n, i in enumerate(ordered) if i.cell}
    return OutputSheet(ISSUES_SHEET, COLUMNS, rows, links, table_name="BO_Issues")
