"""The tamper-evident audit log (workbook-spec.md, "Audit log").

Unit tests recompute the spec's formula by hand; end-to-end tests run `backoffice validate` for
real on a demo workbook, tamper with the Audit Log sheet the way a user could (openpyxl: load,
edit, save) and check that `backoffice audit verify` names the first bad row.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import config_book

from addin.demo.book import build_demo_workbook
from addin.jobs import JobResult, record_audit, run_on_file, verify_file
from engine.audit import (
    COLUMNS,
    GENESIS,
    AuditEntry,
    canonical_json,
    entry_hash,
    next_entry,
    verify_chain,
)
from workbooks.sheets.audit import AUDIT_SHEET, head_path, read_head

ROOT = Path(__file__).resolve().parents[1]
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
SHA_HEX = re.compile(r"^[0-9a-f]{64}$")
RUNS = 4  # validate runs on the end-to-end book


# --------------------------------------------------------------------------------------------
# The formula, by hand
# --------------------------------------------------------------------------------------------


def spec_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    """sha256_hex(Prev Hash + "\\n" + canonical_json(entry)), written out from the spec."""
    canonical = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + "\n" + canonical).encode("utf-8")).hexdigest()


def spec_entry(e: AuditEntry) -> dict[str, Any]:
    return {"seq": e.seq, "timestamp": e.timestamp, "user": e.user, "host": e.host,
            "action": e.action, "period": e.period, "details": e.details,
            "input_sha256": e.input_sha256}


KNOWN = {"seq": 1, "timestamp": "2026-11-28T19:31:47Z", "user": "ana.souza",
         "host": "PC-FINANCEIRO", "action": "validate", "period": "2026-10",
         "details": "Configuração: 3 erros, 1 aviso", "input_sha256": "ab" * 32}
KNOWN_JSON = ('{"action":"validate","details":"Configuração: 3 erros, 1 aviso",'
              '"host":"PC-FINANCEIRO","input_sha256":"' + "ab" * 32 + '","period":"2026-10",'
              '"seq":1,"timestamp":"2026-11-28T19:31:47Z","user":"ana.souza"}')
KNOWN_HASH = "6b469c389c413248b477603abc0f5a9539d63f7be5d3b0941e8f8ca2d88bdb8d"


def test_genesis_is_64_zeros() -> None:
    assert GENESIS == "0" * 64


def test_canonical_json_is_sorted_compact_and_keeps_utf8() -> None:
    text = canonical_json(dict(KNOWN))
    assert text == KNOWN_JSON
    assert "Configuração" in text and "\\u00e7" not in text
    assert '"seq":1,' in text  # seq is an integer, not "1"


def test_known_entry_hash_recomputed_by_hand() -> None:
    by_hand = hashlib.sha256(("0" * 64 + "\n" + KNOWN_JSON).encode("utf-8")).hexdigest()
    assert by_hand == KNOWN_HASH
    assert spec_hash(GENESIS, KNOWN) == KNOWN_HASH
    assert entry_hash(GENESIS, **KNOWN) == KNOWN_HASH


def test_first_entry_chains_to_genesis() -> None:
    first = next_entry([], **{k: v for k, v in KNOWN.items() if k != "seq"})
    assert first.seq == 1
    assert first.prev_hash == GENESIS
    assert first.entry_hash == KNOWN_HASH
    assert first.details == "Configuração: 3 erros, 1 aviso"


def test_seq_is_hashed_as_an_integer() -> None:
    as_text = dict(KNOWN, seq="1")
    assert spec_hash(GENESIS, as_text) != KNOWN_HASH


def test_every_field_is_in_the_hash() -> None:
    for key, value in KNOWN.items():
        changed = dict(KNOWN, **{key: 2 if key == "seq" else f"{value}x"})
        assert entry_hash(GENESIS, **changed) != KNOWN_HASH, key
    assert entry_hash("f" * 64, **KNOWN) != KNOWN_HASH


def _chain(n: int, **fields: str) -> list[AuditEntry]:
    log: list[AuditEntry] = []
    for i in range(n):
        values = {"timestamp": f"2026-11-{i + 1:02d}T08:00:00Z", "user": "joão", "host": "h",
                  "action": "validate", "period": "2026-10", "details": f"run {i + 1} — ok",
                  "input_sha256": f"{i:064x}", **fields}
        log.append(next_entry(log, **values))
    return log


def test_chain_recomputed_by_hand() -> None:
    log = _chain(3, details="Configuração")
    prev = "0" * 64
    for seq, e in enumerate(log, start=1):
        assert e.seq == seq
        assert e.prev_hash == prev
        assert e.entry_hash == spec_hash(prev, spec_entry(e))
        prev = e.entry_hash
    with_head = verify_chain(log, (3, log[-1].entry_hash))
    assert with_head.ok and with_head.entries == 3 and with_head.warning == ""
    without_head = verify_chain(log)
    assert without_head.ok and without_head.entries == 3
    assert "no head is recorded" in without_head.warning
    past_head = verify_chain(log, (2, log[1].entry_hash))
    assert past_head.ok and "1 entries after the recorded head (Seq 2)" in past_head.warning


def test_blank_fields_hash_as_empty_strings() -> None:
    e = next_entry([], timestamp="2026-11-28T19:31:47Z", user="u", host="", action="clear",
                   period="", details="", input_sha256="")
    entry = {"seq": 1, "timestamp": "2026-11-28T19:31:47Z", "user": "u", "host": "",
             "action": "clear", "period": "", "details": "", "input_sha256": ""}
    assert e.entry_hash == spec_hash(GENESIS, entry)


def test_as_row_is_in_column_order_and_text_but_seq() -> None:
    e = _chain(1)[0]
    row = e.as_row()
    assert len(row) == len(COLUMNS) == 10
    assert row[0] == 1 and isinstance(row[0], int)
    assert all(isinstance(v, str) for v in row[1:])


@pytest.mark.parametrize(("index", "change", "reason"), [
    (1, {"details": "run 2 — edited"}, "a cell was edited"),
    (0, {"timestamp": "2026-11-01T08:00:01Z"}, "a cell was edited"),
    (2, {"input_sha256": "0" * 64}, "a cell was edited"),
    (2, {"prev_hash": "1" * 64}, "Prev Hash does not match"),
    (1, {"seq": 7}, "Seq is 7, expected 2"),
])
def test_verify_chain_names_the_edited_entry(index: int, change: dict[str, Any],
                                             reason: str) -> None:
    log = _chain(4)
    log[index] = replace(log[index], **change)
    verdict = verify_chain(log)
    assert not verdict.ok
    assert verdict.bad_index == index
    assert reason in verdict.reason


def test_verify_chain_deleted_swapped_and_cut() -> None:
    log = _chain(5)
    deleted = verify_chain([*log[:2], *log[3:]])
    assert (deleted.ok, deleted.bad_index) == (False, 2)
    swapped = verify_chain([log[0], log[2], log[1], *log[3:]])
    assert (swapped.ok, swapped.bad_index) == (False, 1)
    # cutting the end is invisible without the head, caught with it
    assert verify_chain(log[:3]).ok
    cut = verify_chain(log[:3], (5, log[-1].entry_hash))
    assert (cut.ok, cut.bad_index) == (False, 3)
    assert "rows were deleted from the end" in cut.reason
    emptied = verify_chain([], (5, log[-1].entry_hash))
    assert (emptied.ok, emptied.bad_index) == (False, 0)


def test_verify_chain_recomputed_after_edit_is_caught_by_the_head() -> None:
    log = _chain(4)
    head = (4, log[-1].entry_hash)
    forged = log[:1]
    for e in log[1:]:
        details = "forged" if e.seq == 2 else e.details
        forged.append(next_entry(forged, timestamp=e.timestamp, user=e.user, host=e.host,
                                 action=e.action, period=e.period, details=details,
                                 input_sha256=e.input_sha256))
    assert verify_chain(forged).ok  # a consistent chain on its own
    verdict = verify_chain(forged, head)
    assert (verdict.ok, verdict.bad_index) == (False, 3)
    assert "recomputed" in verdict.reason


# --------------------------------------------------------------------------------------------
# End to end: the real command on a real file
# --------------------------------------------------------------------------------------------


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """`backoffice ...` as a real subprocess."""
    return subprocess.run([sys.executable, "-m", "addin.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def cli_json(*args: str | Path) -> tuple[int, dict[str, Any]]:
    done = cli(*args, "--json")
    assert done.stdout.strip(), done.stderr
    return done.returncode, json.loads(done.stdout)


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly built demo workbook (no tool sheets yet), built once per module."""
    path = tmp_path_factory.mktemp("template") / "book.xlsx"
    build_demo_workbook(path)
    return path


@pytest.fixture(scope="module")
def validated(tmp_path_factory: pytest.TempPathFactory, demo_template: Path
              ) -> tuple[Path, list[str]]:
    """The demo book after RUNS `backoffice validate` runs, and the file's SHA-256 before each."""
    path = tmp_path_factory.mktemp("validated") / "book.xlsx"
    shutil.copy(demo_template, path)
    inputs = []
    for _ in range(RUNS):
        inputs.append(sha256_file(path))
        done = cli("validate", path, "--json")
        assert done.returncode in (0, 1), done.stdout + done.stderr  # the demo plants errors
        assert json.loads(done.stdout)["written"] == ["Issues", "Audit Log"]
    return path, inputs


@pytest.fixture
def book(validated: tuple[Path, list[str]], tmp_path: Path) -> Path:
    """A private copy of the validated book with its recorded head."""
    source, _ = validated
    target = tmp_path / source.name
    shutil.copy(source, target)
    shutil.copy(head_path(source), head_path(target))
    return target


def verify(path: Path) -> tuple[int, dict[str, Any], str]:
    """`audit verify --json` and the human message (both commands run side by side)."""
    runs = [subprocess.Popen([sys.executable, "-m", "addin.cli", "audit", "verify", str(path),
                              *flag], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for flag in (["--json"], [])]
    (as_json, json_err), (human, _) = (run.communicate(timeout=120) for run in runs)
    code = runs[0].returncode
    assert as_json.strip(), json_err
    data = json.loads(as_json)
    assert runs[1].returncode == code
    message = " ".join(human.split())  # rich wraps at 80 columns without a terminal
    print(f"verify {path.name}: exit {code} {data} | {message}")
    return code, data, message


def assert_broken(path: Path, row: int, *reason: str) -> dict[str, Any]:
    code, data, message = verify(path)
    assert code == 1, data
    assert data["ok"] is False
    assert data["first_bad_row"] == row, data
    for words in reason:
        assert words in data["reason"], data
    assert f"Audit Log row {row} " in message, message
    return data


def tamper(path: Path, edit: Any) -> None:
    """What a user can do: open the book with openpyxl, change the Audit Log sheet, save."""
    wb = openpyxl.load_workbook(path)
    edit(wb[AUDIT_SHEET])
    wb.save(path)


def row_values(ws: Any, row: int) -> list[Any]:
    return [ws.cell(row, c).value for c in range(1, len(COLUMNS) + 1)]


def set_row(ws: Any, row: int, values: list[Any]) -> None:
    for c, value in enumerate(values, start=1):
        ws.cell(row, c).value = value


def test_intact_log_verifies_and_shows_every_entry(book: Path,
                                                   validated: tuple[Path, list[str]]) -> None:
    code, data, message = verify(book)
    assert (code, data["ok"], data["entries"], data["first_bad_row"]) == (0, True, RUNS, None)
    assert "Audit log intact" in message
    code, shown = cli_json("audit", "show", book)
    assert code == 0 and shown["ok"] is True
    entries = shown["entries"]
    assert [e["seq"] for e in entries] == list(range(1, RUNS + 1))
    prev = GENESIS
    for e, input_sha in zip(entries, validated[1], strict=True):
        assert e["action"] == "validate" and e["period"] == "2026-10"
        assert e["input_sha256"] == input_sha  # the file as it was read by that run
        assert e["prev_hash"] == prev
        assert e["entry_hash"] == spec_hash(prev, {k: e[k] for k in KNOWN})
        assert TIMESTAMP.match(e["timestamp"])
        prev = e["entry_hash"]
    assert read_head(book) == (RUNS, prev)
    assert json.loads(head_path(book).read_text(encoding="utf-8"))["workbook"] == book.name


def test_audit_cells_are_text_except_seq(book: Path) -> None:
    ws = openpyxl.load_workbook(book)[AUDIT_SHEET]
    rows = list(ws.iter_rows(min_row=1, max_col=len(COLUMNS)))
    assert [c.value for c in rows[0]] == list(COLUMNS)
    assert all(c.data_type == "s" for c in rows[0])
    assert len(rows) == RUNS + 1
    for seq, row in enumerate(rows[1:], start=1):
        assert row[0].value == seq and row[0].data_type == "n"
        for cell in row[1:]:
            assert cell.data_type == "s", (cell.coordinate, cell.value)
            assert isinstance(cell.value, str) and cell.value, cell.coordinate
        assert TIMESTAMP.match(row[1].value)
        for cell in row[7:]:
            assert SHA_HEX.match(cell.value), cell.coordinate
    assert ws.tables.keys() == {"BO_AuditLog"}


def test_edited_details_cell_is_named(book: Path) -> None:
    tamper(book, lambda ws: ws.cell(3, 7, "811 rows read from 8 sheets; 0 errors, 0 warnings"))
    assert_broken(book, 3, "Entry Hash does not match", "a cell was edited")


def test_edited_timestamp_in_last_row_is_named(book: Path) -> None:
    tamper(book, lambda ws: ws.cell(RUNS + 1, 2, "2020-01-01T00:00:00Z"))
    assert_broken(book, RUNS + 1, "a cell was edited")


def test_deleted_middle_row_is_named(book: Path) -> None:
    tamper(book, lambda ws: ws.delete_rows(3))  # entry 2
    assert_broken(book, 3, "Seq is 3, expected 2", "deleted, inserted or moved")


def test_swapped_rows_are_named(book: Path) -> None:
    def swap(ws: Any) -> None:
        second, third = row_values(ws, 3), row_values(ws, 4)
        set_row(ws, 3, third)
        set_row(ws, 4, second)

    tamper(book, swap)
    assert_broken(book, 3, "Seq is 3, expected 2")


def test_swapped_rows_renumbered_are_named(book: Path) -> None:
    def swap_keep_seq(ws: Any) -> None:
        second, third = row_values(ws, 3), row_values(ws, 4)
        set_row(ws, 3, [2, *third[1:]])
        set_row(ws, 4, [3, *second[1:]])

    tamper(book, swap_keep_seq)
    assert_broken(book, 3, "Prev Hash does not match the row above")


def test_deleted_last_row_is_caught_by_the_outside_head(book: Path) -> None:
    tamper(book, lambda ws: ws.delete_rows(RUNS + 1))
    assert_broken(book, RUNS + 1, f"ends at Seq {RUNS - 1}", f"recorded head is Seq {RUNS}",
                  "deleted from the end")
    head_path(book).unlink()  # the sheet alone cannot tell
    assert verify(book)[0] == 0


def test_deleted_last_two_rows_are_caught_by_the_outside_head(book: Path) -> None:
    tamper(book, lambda ws: ws.delete_rows(RUNS, 2))
    assert_broken(book, RUNS, f"ends at Seq {RUNS - 2}", "deleted from the end")


def test_deleted_audit_sheet_is_caught_by_the_outside_head(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    del wb[AUDIT_SHEET]
    wb.save(book)
    assert_broken(book, 2, "ends at Seq 0", "deleted from the end")


def test_edit_with_chain_recomputed_is_caught_by_the_outside_head(book: Path) -> None:
    def forge(ws: Any) -> None:
        ws.cell(3, 7).value = "811 rows read from 8 sheets; 0 errors, 0 warnings"
        prev = ws.cell(2, 10).value
        for row in range(3, RUNS + 2):
            values = row_values(ws, row)
            entry = dict(zip(KNOWN, [values[0], *values[1:8]], strict=True))
            digest = spec_hash(prev, entry)
            ws.cell(row, 9).value = prev
            ws.cell(row, 10).value = digest
            prev = digest

    tamper(book, forge)
    assert_broken(book, RUNS + 1, f"Seq {RUNS} differs from the recorded head",
                  "recomputed after an edit")
    head_path(book).unlink()  # the forged chain is self-consistent: only the head catches it
    assert verify(book)[0] == 0


def test_resaved_without_changes_still_verifies(book: Path) -> None:
    tamper(book, lambda ws: None)  # openpyxl rewrites every part (shared strings, styles)
    assert verify(book)[0] == 0


def test_first_bad_row_is_the_excel_row_after_a_blank_row(book: Path) -> None:
    def insert_blank_then_edit(ws: Any) -> None:
        ws.insert_rows(3)  # a blank row: the chain itself is unchanged
        ws.cell(5, 7).value = "edited"  # entry 3, now on row 5

    tamper(book, insert_blank_then_edit)
    assert_broken(book, 5, "a cell was edited")


# --------------------------------------------------------------------------------------------
# Entries the tool writes must verify as written (text round-trips through the file)
# --------------------------------------------------------------------------------------------


def append(path: Path, details: str, period: str = "2026-10") -> AuditEntry:
    def job(book: Any, ctx: Any) -> JobResult:
        entry = record_audit(book, ctx, "test", period, details)
        return JobResult("test", book.name, audit=entry)

    entry = run_on_file(path, job).audit
    assert entry is not None
    return entry


@pytest.mark.parametrize("details", [
    "Configuração — relatório de período fechado",
    "  leading and trailing spaces  ",
    "tab\tinside",
    "line 1\nline 2",
    "=SUM(A1:A9)",
    "+55 11 91234-5678",
    "00123",
    "1.5",
    "TRUE",
    "2026-10-01",
    "<b>&amp;</b> \"quoted\" 'single'",
    "emoji 😀 and 中文",
    "x" * 5000,
])
def test_written_entry_reads_back_and_verifies(tmp_path: Path, details: str) -> None:
    path = config_book(tmp_path / "small.xlsx")
    first = append(path, "first")
    second = append(path, details)
    log, verdict = verify_file(path)
    assert [e.details for e in log] == ["first", details]
    assert log == [first, second]
    assert verdict.ok, verdict  # type: ignore[attr-defined]


def test_blank_period_and_details_verify(tmp_path: Path) -> None:
    path = config_book(tmp_path / "small.xlsx")
    append(path, "", period="")
    append(path, "after a blank entry")
    log, verdict = verify_file(path)
    assert [(e.period, e.details) for e in log] == [("", ""), ("2026-10", "after a blank entry")]
    assert verdict.ok  # type: ignore[attr-defined]


@pytest.mark.parametrize("details", ["Windows line\r\nending", "old Mac\rline"])
def test_written_entry_with_carriage_return_verifies(tmp_path: Path, details: str) -> None:
    path = config_book(tmp_path / "small.xlsx")
    append(path, details)
    log, verdict = verify_file(path)
    assert log[0].details == details
    assert verdict.ok  # type: ignore[attr-defined]


def test_a_shared_head_folder_keeps_books_of_the_same_name_apart(tmp_path, monkeypatch) -> None:
    from workbooks.sheets.audit import head_path

    monkeypatch.setenv("BACKOFFICE_AUDIT_HEAD_DIR", str(tmp_path / "heads"))
    first, second = tmp_path / "a" / "book.xlsx", tmp_path / "b" / "book.xlsx"
    assert head_path(first).parent == tmp_path / "heads"
    assert head_path(first) != head_path(second)
    assert head_path(first).name.startswith("book.xlsx.") and head_path(first) == head_path(first)
    monkeypatch.delenv("BACKOFFICE_AUDIT_HEAD_DIR")
    assert head_path(first) == tmp_path / "a" / "book.xlsx.audit-head.json"
