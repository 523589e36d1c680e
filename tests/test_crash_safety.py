"""A crash leaves nothing behind that misleads (issue 8, item 10).

A real `backoffice` process running three steps in one session is killed with SIGKILL at each
moment of its save (`safe_save.crash_point` replaced to kill itself there). Afterwards the
workbook is exactly the original or exactly the complete result, `backoffice audit verify`
exits 0, and the next run works, settles the head and leaves no temp file behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import openpyxl
import pytest
from builders import config_book

from addin import cli
from addin.commands import CLEAR, RULES, VALIDATE
from addin.jobs import clear_marks_job
from addin.runner import FileTarget, Step, run_steps, verify
from engine.audit import AuditEntry, next_entry, verify_chain
from engine.errors import UnsafeWrite
from workbooks.safe_save import remove_stale_temps, temp_path, workbook_lock
from workbooks.sheets.audit import (
    head_path,
    pending_path,
    read_head_record,
    write_head,
    write_pending_head,
)

ROOT = Path(__file__).resolve().parents[1]

KILLED_AT = textwrap.dedent("""
    import os, signal, sys
    from addin import cli, commands
    from workbooks import safe_save

    moment = sys.argv[1]

    def crash_point(step):
        if step == moment:
            os.kill(os.getpid(), signal.SIGKILL)

    safe_save.crash_point = crash_point
    commands.register(commands.Command(
        "check", "validate, write the Rules sheet, clear the marks",
        steps=(commands.VALIDATE, commands.RULES, commands.CLEAR), period=True))
    sys.exit(cli.main(sys.argv[2:]))
""")

# moment of the save -> whether the workbook on disk is already the new version
MOMENTS = {"head-pending": False, "temp-written": False, "temp-synced": False,
           "replaced": True, "head-committed": True}


@pytest.fixture(autouse=True)
def _head_beside_the_book(monkeypatch):
    monkeypatch.delenv("BACKOFFICE_AUDIT_HEAD_DIR", raising=False)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def temps(book: Path) -> list[str]:
    return sorted(p.name for p in book.parent.iterdir() if ".tmp" in p.name)


def verify_json(book: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    code = cli.main(["audit", "verify", str(book), "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, bytes, int, int]]:
    """For each moment: the book (one validate entry before), its bytes before, the exit code
    and pid of the process killed at that moment. The processes run side by side."""
    runs = {}
    for moment in MOMENTS:
        book = config_book(tmp_path_factory.mktemp(moment) / "book.xlsx")
        run_steps(FileTarget(book), [VALIDATE])  # Seq 1, committed head
        env = {k: v for k, v in os.environ.items() if not k.startswith("BACKOFFICE_")}
        process = subprocess.Popen([sys.executable, "-c", KILLED_AT, moment, "check", str(book)],
                                   cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        runs[moment] = (book, book.read_bytes(), process)
    results = {}
    for moment, (book, before, process) in runs.items():
        process.communicate(timeout=120)
        results[moment] = (book, before, process.returncode, process.pid)
    return results


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_a_kill_at_each_moment_of_the_save_leaves_a_consistent_book(killed, moment, capsys):
    book, before, code, pid = killed[moment]
    assert code == -signal.SIGKILL
    log, _ = verify(FileTarget(book))
    if MOMENTS[moment]:
        assert [(e.seq, e.action) for e in log] == [(1, "validate"), (2, "validate"),
                                                    (3, "rules"), (4, "clear")]
    else:
        assert book.read_bytes() == before
        assert [(e.seq, e.action) for e in log] == [(1, "validate")]
    assert temps(book) == ([f".book.{pid}.tmp.xlsx"] if moment.startswith("temp") else [])

    code, verdict = verify_json(book, capsys)
    assert code == 0 and verdict["ok"] is True and verdict["entries"] == len(log), verdict
    if moment == "head-pending" or moment.startswith("temp"):
        assert verdict["warning"] == ("a run that would have added entries up to Seq 4 was "
                                      "interrupted before its save; the workbook is the version "
                                      "before it")
    else:
        assert verdict["warning"] == ""

    assert cli.main(["validate", str(book), "--json"]) == 0  # the next run works
    after = json.loads(capsys.readouterr().out)
    assert after["audit"]["seq"] == len(log) + 1
    assert sorted(p.name for p in book.parent.iterdir()) == [
        ".backoffice-backups", ".book.xlsx.backoffice.lock", "book.xlsx",
        "book.xlsx.audit-head.json"]  # no temp file, no pending head
    record = read_head_record(book)
    assert record.pending is None and record.committed == (len(log) + 1,
                                                           after["audit"]["entry_hash"])
    code, verdict = verify_json(book, capsys)
    assert (code, verdict["entries"], verdict["warning"]) == (0, len(log) + 1, "")


# --- the head record: pending before the replace, committed after ------------------------------


def entries(count: int) -> list[AuditEntry]:
    log: list[AuditEntry] = []
    for n in range(count):
        log.append(next_entry(log, timestamp="2026-11-28T19:31:47Z", user="ana", host="pc",
                              action="validate", period="2026-10", details=f"run {n}",
                              input_sha256=""))
    return log


def test_a_pending_head_accepts_the_old_and_the_new_version_only():
    log = entries(5)
    committed, pending = (2, log[1].entry_hash), (5, log[4].entry_hash)
    assert verify_chain(log[:2], committed, pending).ok  # killed before the replace
    assert verify_chain(log, committed, pending) == verify_chain(log, pending)  # after it
    cut = verify_chain(log[:4], committed, pending)  # neither version: the end was cut
    assert cut.ok and "entries after the recorded head" in cut.warning
    short = verify_chain(log[:1], committed, pending)
    assert not short.ok and "rows were deleted from the end" in short.reason


def test_the_next_run_settles_a_pending_head(tmp_path):
    book = config_book(tmp_path / "book.xlsx")
    run_steps(FileTarget(book), [VALIDATE])
    write_pending_head(book, entries(3)[2])  # a save that never happened
    assert read_head_record(book).pending == (3, entries(3)[2].entry_hash)
    run_steps(FileTarget(book), [RULES])
    record = read_head_record(book)
    assert record.pending is None and record.committed is not None and record.committed[0] == 2


def test_a_refused_save_drops_its_pending_head(tmp_path, capsys):
    book = config_book(tmp_path / "book.xlsx")
    result = run_steps(FileTarget(book), [VALIDATE])[0]
    before = head_path(book).read_bytes()

    def clear_while_someone_saves(workbook, ctx):
        done = clear_marks_job(workbook, ctx)
        wb = openpyxl.load_workbook(book)
        wb["Config"]["B3"] = "edited meanwhile"
        wb.save(book)
        return done

    with pytest.raises(UnsafeWrite, match="changed on disk"):
        run_steps(FileTarget(book), [VALIDATE, Step("clear", clear_while_someone_saves)])
    assert head_path(book).read_bytes() == before  # the pending head (Seq 3) was dropped
    code, verdict = verify_json(book, capsys)
    assert (code, verdict["entries"], verdict["warning"]) == (0, 1, "")
    assert read_head_record(book).committed == (1, result.audit.entry_hash)  # type: ignore[union-attr]


def test_the_pending_head_is_a_file_beside_the_head(tmp_path):
    book = config_book(tmp_path / "book.xlsx")
    log = entries(2)
    write_head(book, log[0])
    write_pending_head(book, log[1])
    assert json.loads(head_path(book).read_text(encoding="utf-8")) == {
        "workbook": "book.xlsx", "seq": 1, "entry_hash": log[0].entry_hash}
    assert json.loads(pending_path(book).read_text(encoding="utf-8")) == {
        "seq": 2, "entry_hash": log[1].entry_hash}
    assert pending_path(book).name == "book.xlsx.audit-head.pending.json"
    write_head(book, log[1])
    assert json.loads(head_path(book).read_text(encoding="utf-8")) == {
        "workbook": "book.xlsx", "seq": 2, "entry_hash": log[1].entry_hash}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx", "book.xlsx.audit-head.json"]


def test_a_pending_head_cut_short_counts_as_none(tmp_path, capsys):
    book = config_book(tmp_path / "book.xlsx")
    run_steps(FileTarget(book), [VALIDATE])
    pending_path(book).write_text('{"seq": 2, "entry_h', encoding="utf-8")  # killed mid-write
    assert read_head_record(book).pending is None
    code, verdict = verify_json(book, capsys)
    assert (code, verdict["entries"], verdict["warning"]) == (0, 1, "")
    run_steps(FileTarget(book), [CLEAR])
    assert not pending_path(book).exists() and read_head_record(book).committed[0] == 2  # type: ignore[index]


# --- temp files of killed saves -----------------------------------------------------------------


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_only_the_temp_files_of_gone_processes_are_removed(tmp_path):
    book = config_book(tmp_path / "book.xlsx")
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        gone, live, init = (temp_path(book, pid) for pid in (dead_pid(), alive.pid, 1))
        other_book = tmp_path / f".other.{dead_pid()}.tmp.xlsx"  # another workbook's temp
        not_ours = tmp_path / ".book.notapid.tmp.xlsx"
        for path in (gone, live, init, other_book, not_ours):
            path.write_bytes(b"half a workbook")
        with workbook_lock(book):
            assert remove_stale_temps(book) == [gone]
        assert not gone.exists()
        assert live.exists() and init.exists()  # pid 1 runs (as root: PermissionError or not)
        assert other_book.exists() and not_ours.exists()
    finally:
        alive.kill()
        alive.wait()


def test_a_stale_temp_is_removed_by_the_next_real_run(tmp_path):
    book = config_book(tmp_path / "book.xlsx")
    stale = temp_path(book, dead_pid())
    stale.write_bytes(b"x" * 1024)
    assert cli.main(["clear", str(book)]) == 0
    assert not stale.exists() and temps(book) == []


def test_a_dry_run_touches_no_temp_file(tmp_path):
    book = config_book(tmp_path / "book.xlsx")
    stale = temp_path(book, dead_pid())
    stale.write_bytes(b"x")
    assert cli.main(["validate", str(book), "--dry-run"]) == 0
    assert stale.exists()  # a dry run takes no lock, so it removes nothing


def test_a_save_refused_for_a_users_sheet_leaves_the_head_as_it_was(tmp_path, capsys):
    book = config_book(tmp_path / "book.xlsx")
    run_steps(FileTarget(book), [VALIDATE])
    wb = openpyxl.load_workbook(book)
    wb.create_sheet("Rules")["A1"] = "my own rules"
    wb.save(book)
    before = head_path(book).read_bytes()
    assert cli.main(["rules", "--write", str(book)]) == 3
    assert "was not made by Back Office" in capsys.readouterr().err
    assert head_path(book).read_bytes() == before
    assert openpyxl.load_workbook(book)["Rules"]["A1"].value == "my own rules"
