"""Would Excel open this file without a repair? The closest check available without Excel.

openxml-audit is a pure-Python port of the Open XML SDK validator (schema, semantic and
package checks) plus Excel "app-compat" rules (findings Excel is known to repair). Only its
*error* findings count here: its warnings are advice (e.g. "inline strings will be moved to the
shared-strings table on the next save"), not repairs.

A finding is compared by what it says and where, never by line numbers or element positions:
`findings` keys each one by (part, element path with the [n] positions dropped, node,
description), so a finding the input already had is still recognised after we add sheets,
rows or relationships around it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from openxml_audit import FileFormat, OpenXmlValidator, ValidationSeverity

_POSITION = re.compile(r"\[\d+\]")
_VALIDATOR = OpenXmlValidator(file_format=FileFormat.MICROSOFT_365, max_errors=0)


@dataclass(frozen=True, order=True)
class Finding:
    """One error finding, located by part and element path (positions dropped)."""

    part: str
    path: str
    node: str
    description: str

    def __str__(self) -> str:
        where = f"{self.part}:{self.path}" if self.path else self.part
        return f"{where} ({self.node}): {self.description}"


def findings(path: Path) -> Counter[Finding]:
    """The error findings of the package at `path`, counted (the same finding may repeat)."""
    result = _VALIDATOR.validate(Path(path))
    return Counter(
        Finding(error.part_uri, _POSITION.sub("", error.path or ""), error.node or "",
                error.description)
        for error in result.errors if error.severity == ValidationSeverity.ERROR)


def new_findings(after: Path, before: Counter[Finding] | None = None) -> list[Finding]:
    """The error findings of `after` that `before` (the input's findings) did not have."""
    extra = findings(after) - (before or Counter())
    return sorted(extra.elements())


def describe(found: list[Finding]) -> str:
    """The findings one per line, for an assertion message."""
    return "\n".join(str(f) for f in found)
