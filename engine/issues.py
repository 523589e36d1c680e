"""Issues: what is wrong with the user's data, where, and how bad. Returned, never raised."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from functools import lru_cache


class Severity(StrEnum):
    """Errors block processing of the row; warnings are shown but allowed."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    """One finding, addressed to a cell. `cell` is like "E7"; `row` is the Excel row number."""

    sheet: str
    cell: str
    row: int | None
    column: str
    rule: str
    severity: Severity
    message: str
    value: str = ""

    @property
    def address(self) -> str:
        """The cell as Excel writes a reference: `Orders!E7` (quoted when needed)."""
        return f"{quote_sheet(self.sheet)}!{self.cell}" if self.cell else quote_sheet(self.sheet)

    def as_dict(self) -> dict[str, object]:
        """The JSON shape of the command contract."""
        data = asdict(self)
        data["severity"] = str(self.severity)
        return data


@lru_cache(maxsize=256)  # a journal asks once per posting, for a handful of sheets
def quote_sheet(name: str) -> str:
    """A sheet name as it appears in a reference: quoted unless plain letters/digits/_."""
    if name.replace("_", "").isalnum() and not name[0].isdigit():
        return name
    return "'" + name.replace("'", "''") + "'"


def has_errors(issues: list[Issue]) -> bool:
    """True when any issue is an error (exit code 1 for the CLI)."""
    return any(issue.severity is Severity.ERROR for issue in issues)


def issue_order(issue: Issue) -> tuple[bool, str, int, str]:
    """How issues are listed: errors first, then by sheet and row."""
    return (issue.severity != Severity.ERROR, issue.sheet, issue.row or 0, issue.cell)
