"""The Rules sheet: the catalogue of checks, written on request (`backoffice rules --write`)."""

from __future__ import annotations

from engine.catalogue import Entry
from workbooks.model import OutputColumn, OutputSheet, OutputValue

RULES_SHEET = "Rules"


def rules_output(entries: list[Entry]) -> OutputSheet:
    """One row per rule: id, severity, title, where it applies, both messages."""
    columns = [OutputColumn("Rule", width=26), OutputColumn("Severity", width=10),
               OutputColumn("Title", width=36), OutputColumn("Applies To", width=50),
               OutputColumn("Message (en)", width=70), OutputColumn("Mensagem (pt-BR)", width=70)]
    rows: list[list[OutputValue]] = [
        [e.rule.id, str(e.rule.severity), e.rule.title, "; ".join(e.scope), e.rule.en, e.rule.pt]
        for e in entries]
    return OutputSheet(RULES_SHEET, columns, rows, table_name="BO_Rules")
