"""The `--json` contract (addin/contract.py): the committed docs/json-schema.json is the models'
schema, and what the real command prints (a job, a dry run, refusals) validates against both
the pydantic models and, independently, the JSON Schema file (jsonschema, draft 2020-12)."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from pydantic import ValidationError

from addin.contract import JobOutput, Refusal, parse_output, schema_text
from addin.demo.book import build_demo_workbook
from addin.jobs import JobResult
from engine.audit import AuditEntry
from engine.issues import Issue, Severity

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = ROOT / "docs" / "json-schema.json"


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _start(*args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "addin.cli", *map(str, args), "--json"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(run: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = run.communicate(timeout=120)
    assert out.strip(), err
    return run.returncode, out


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    """What the real command prints, by case: (exit code, stdout)."""
    folder = tmp_path_factory.mktemp("contract")
    book = folder / "demo.xlsx"
    build_demo_workbook(book)
    (folder / "old.xls").write_text("Order ID;Quantity\nSO-1;3\n", encoding="utf-8")
    reading = {  # these only read: run side by side
        "dry-run": _start("validate", book, "--dry-run"),
        "missing": _start("validate", folder / "missing.xlsx"),
        "xls": _start("validate", folder / "old.xls"),
        "bad-period": _start("validate", book, "--period", "2026-13"),
    }
    found = {name: _finish(run) for name, run in reading.items()}
    found["validate"] = _finish(_start("validate", book))
    found["clear"] = _finish(_start("clear", book))
    return found


def test_the_committed_schema_is_the_models_schema():
    """Regenerate with `python -m addin.contract > docs/json-schema.json`."""
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text()


@pytest.mark.parametrize("case", ["dry-run", "validate", "clear"])
def test_job_answers_follow_the_contract(outputs, case):
    code, text = outputs[case]
    answer = parse_output(text)
    assert isinstance(answer, JobOutput)
    _validator().validate(json.loads(text))
    assert code == (0 if answer.ok else 1)
    if case == "dry-run":
        assert (answer.written, answer.audit) == ([], None)
    elif case == "validate":
        assert answer.written == ["Issues", "Audit Log"]
        assert answer.audit is not None and answer.audit.seq >= 1
        assert answer.period == "2026-10" and not answer.ok
        assert {i.rule for i in answer.issues} >= {"ap.duplicate_bill", "read.unreadable"}
        assert answer.summary["errors"] == sum(i.severity == "error" for i in answer.issues)


@pytest.mark.parametrize(("case", "code", "says"), [
    ("missing", 2, "does not exist"),
    ("xls", 2, "save it as .xlsx"),
    ("bad-period", 2, "2026-13"),
])
def test_refusals_follow_the_contract(outputs, case, code, says):
    exit_code, text = outputs[case]
    answer = parse_output(text)
    assert isinstance(answer, Refusal)
    _validator().validate(json.loads(text))
    assert (exit_code, answer.exit_code, answer.command) == (code, code, "validate")
    assert says in answer.error


BROKEN = {  # what breaks the contract: (which answer, how)
    "severity not in the contract": ("validate", lambda o: o["issues"][0].update(severity="fatal")),
    "a key the contract lacks": ("validate", lambda o: o.update(elapsed=1.5)),
    "audit left out": ("validate", lambda o: o.pop("audit")),
    "a short entry hash": ("validate", lambda o: o.update(audit={"seq": 1, "entry_hash": "abc"})),
    "a row as text": ("validate", lambda o: o["issues"][0].update(row="7")),
    "a refusal that says ok": ("missing", lambda o: o.update(ok=True)),
    "a refusal without exit code": ("missing", lambda o: o.pop("exit_code")),
}


@pytest.mark.parametrize("breakage", list(BROKEN))
def test_the_schema_and_the_models_reject_what_breaks_the_contract(outputs, breakage):
    case, breaks = BROKEN[breakage]
    broken = json.loads(outputs[case][1])
    breaks(broken)
    with pytest.raises(jsonschema.ValidationError):
        _validator().validate(broken)
    with pytest.raises(ValidationError):
        parse_output(json.dumps(broken))


def test_as_json_keeps_the_shape_and_prints_decimals_as_text():
    issue = Issue("Orders", "F2", 2, "Quantity", "value.positive", Severity.ERROR,
                  "Quantity must be greater than 0 (found 0).", "0")
    entry = AuditEntry(seq=3, timestamp="2026-11-28T19:31:47Z", user="ana", host="pc", action="validate",
                       period="2026-10", details="", input_sha256="", prev_hash="0" * 64,
                       entry_hash="ab" * 32)
    result = JobResult("validate", "book.xlsx", "2026-10", [issue], {"total": Decimal("10.50")},
                       ["Issues"], entry)
    assert result.as_json() == {
        "ok": False, "command": "validate", "workbook": "book.xlsx", "period": "2026-10",
        "issues": [{"sheet": "Orders", "cell": "F2", "row": 2, "column": "Quantity",
                    "rule": "value.positive", "severity": "error",
                    "message": "Quantity must be greater than 0 (found 0).", "value": "0"}],
        "summary": {"total": "10.50"}, "written": ["Issues"],
        "audit": {"seq": 3, "entry_hash": "ab" * 32}}
    _validator().validate(result.as_json())
