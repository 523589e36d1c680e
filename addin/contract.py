"""The `--json` answer of the `backoffice` command as pydantic models, and its JSON Schema.

workbook-spec.md, "The backoffice command": a job prints one `JobOutput` object; a refusal (bad
arguments, an unreadable workbook, an unsafe write, an internal error) prints one `Refusal`.
`JobResult.as_json` and the CLI's `_fail` build through these models, so what is printed is
what docs/json-schema.json describes. Regenerate that file after changing a model:

    python -m addin.contract > docs/json-schema.json

(tests/test_contract.py fails while the committed file differs from the models.)
"""

from __future__ import annotations

import json
import sys
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class _Strict(BaseModel):
    """No key beyond the contract's: a new key is a contract change (and a schema change)."""

    model_config = ConfigDict(extra="forbid")


class IssueOutput(_Strict):
    """One issue: where (sheet, cell, Excel row, canonical column), which rule, how bad, what."""

    sheet: str
    cell: str = Field(description='Like "E7"; "" for a whole-sheet issue')
    row: int | None = Field(description="The Excel row number; null for a whole-sheet issue")
    column: str
    rule: str = Field(description="A rule id of `backoffice rules`, e.g. value.positive")
    severity: Literal["error", "warning"]
    message: str = Field(description="What is wrong and how to fix it, in the Config Locale")
    value: str = Field(description="The cell's value as read, as text")


class AuditReference(_Strict):
    """The audit log entry the run added."""

    seq: int = Field(ge=1)
    entry_hash: str = Field(pattern=r"^[0-9a-f]{64}$")


class JobOutput(_Strict):
    """What a job did. Exit code 0 when ok (warnings allowed), 1 when errors were found."""

    ok: bool = Field(description="False when any issue is an error")
    command: str = Field(description='e.g. "validate", "clear", "rules"')
    workbook: str = Field(description="The workbook's file name")
    period: str = Field(description='YYYY-MM, or "" for a command without a period')
    issues: list[IssueOutput] = Field(description="Errors first, then by sheet and row")
    summary: dict[str, Any] = Field(description="Per command, e.g. validate: rows (per sheet), "
                                    "errors, warnings")
    written: list[str] = Field(description="The sheets written; [] for --dry-run")
    audit: AuditReference | None = Field(description="null for --dry-run")


class Refusal(_Strict):
    """The command did nothing: exit code 2 (bad arguments, unreadable workbook), 3 (refused
    to write safely), 4 (internal error) or 130 (interrupted)."""

    ok: Literal[False]
    command: str
    workbook: str = Field(description="The workbook path as given")
    error: str = Field(description="What happened and what to do")
    exit_code: int = Field(ge=2)


OUTPUT: TypeAdapter[JobOutput | Refusal] = TypeAdapter(JobOutput | Refusal)


def parse_output(text: str) -> JobOutput | Refusal:
    """A printed `--json` answer, checked strictly against the contract (a row "7" is not 7):
    pydantic's ValidationError when it breaks it."""
    return OUTPUT.validate_json(text, strict=True)


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of every `--json` answer: a JobResult or a Refusal."""
    schema = OUTPUT.json_schema()
    return {"$schema": SCHEMA_DIALECT, "title": "backoffice --json output",
            "description": "One object per run: a JobResult, or a Refusal when the command did "
                           "nothing (see workbook-spec.md, 'The backoffice command').", **schema}


def schema_text() -> str:
    """docs/json-schema.json as it should read."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(schema_text())
