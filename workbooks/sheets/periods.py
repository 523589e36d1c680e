"""The Periods output sheet: each period ever closed, its latest status, who, when and the
audit entry that says so. Written from the audit chain on every close and reopen; the lock
itself is read from the chain, so typing over this sheet unlocks nothing."""

from __future__ import annotations

from engine.audit import AuditEntry
from engine.periods import period_states
from workbooks.model import OutputColumn, OutputSheet, OutputValue

PERIODS_SHEET = "Periods"
COLUMNS = [OutputColumn("Period", width=10), OutputColumn("Status", width=10),
           OutputColumn("By", width=16), OutputColumn("At", width=22),
           OutputColumn("Entry Hash", width=68)]


def periods_output(entries: list[AuditEntry]) -> OutputSheet:
    """The Periods sheet from the whole audit log (the run's new entries included)."""
    rows: list[list[OutputValue]] = [[s.period, s.status, s.by, s.at, s.entry_hash]
                                for s in period_states(entries).values()]
    return OutputSheet(PERIODS_SHEET, COLUMNS, rows, table_name="BO_Periods")
