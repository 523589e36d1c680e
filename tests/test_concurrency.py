"""Many processes appending to one workbook's audit log at once lose nothing and keep the chain.

Each worker is a separate Python process that loops over `addin.jobs.run_on_file` (the lock,
read, write, head record protocol of every real job) with a job that only appends one audit
entry. The workers wait on a start file so that they all contend for the lock together.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import config_book

from addin.jobs import JobResult, record_audit, run_on_file
from engine.audit import GENESIS
from workbooks.sheets.audit import AUDIT_SHEET, read_head

ROOT = Path(__file__).resolve().parents[1]
WORKERS = 8
RUNS = 50
ENTRIES = WORKERS * RUNS
BUDGET_S = 60.0  # wall time on 2 cores, worker start-up included

WORKER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from addin.jobs import JobResult, record_audit, run_on_file

    path, worker, runs, ready, go = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), \\
        Path(sys.argv[4]), Path(sys.argv[5])

    def job_for(run):
        def job(book, ctx):
            entry = record_audit(book, ctx, "test", "2026-10", f"worker {worker} run {run}")
            return JobResult("test", book.name, audit=entry)  # audit set: the head is recorded
        return job

    ready.touch()
    while not go.exists():
        time.sleep(0.01)
    for run in range(runs):
        run_on_file(path, job_for(run))
""")


def cell_formats(path: Path) -> int:
    """The number of cell formats (cellXfs) in the workbook's styles.xml."""
    with zipfile.ZipFile(path) as zf:
        styles = zf.read("xl/styles.xml").decode("utf-8")
    section = re.search(r"<(?:\w+:)?cellXfs\b.*?</(?:\w+:)?cellXfs>", styles, re.S)
    assert section is not None
    return len(re.findall(r"<(?:\w+:)?xf\b", section.group(0)))


@dataclass(frozen=True)
class Run:
    path: Path
    total_s: float
    appends_s: float
    spawn_s: float
    outcomes: list[tuple[int, str, str]]


@pytest.fixture(scope="module")
def appended(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """WORKERS processes x RUNS appends on one small workbook, timed."""
    folder = tmp_path_factory.mktemp("concurrency")
    path = config_book(folder / "shared.xlsx")
    go = folder / "go"
    ready = [folder / f"ready-{w}" for w in range(WORKERS)]
    started = time.monotonic()
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(path), str(w), str(RUNS),
                               str(ready[w]), str(go)], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for w in range(WORKERS)]
    try:
        deadline = time.monotonic() + 120
        while not all(r.exists() for r in ready):
            assert time.monotonic() < deadline, "workers did not start"
            assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
            time.sleep(0.02)
        spawned = time.monotonic() - started
        go.touch()
        go_at = time.monotonic()
        outputs = [p.communicate(timeout=900) for p in procs]
    finally:
        for p in procs:  # only on failure: the workers we started, by their own handle
            if p.poll() is None:
                p.kill()
                p.wait()
    appends = time.monotonic() - go_at
    total = time.monotonic() - started
    print(f"\n{WORKERS} workers x {RUNS} appends = {ENTRIES} entries: {appends:.1f} s for the "
          f"appends ({ENTRIES / appends:.1f} appends/s, {1000 * appends / ENTRIES:.0f} ms each), "
          f"{total:.1f} s wall in all (workers ready after {spawned:.1f} s) on "
          f"{os.cpu_count()} cores; {cell_formats(path)} cell formats in styles.xml")
    return Run(path, total, appends, spawned,
               [(p.returncode, out, err) for p, (out, err) in zip(procs, outputs, strict=True)])


def test_every_worker_finished(appended: Run) -> None:
    for w, (code, out, err) in enumerate(appended.outcomes):
        assert code == 0, f"worker {w} exit {code}\n{out}\n{err}"


def test_every_append_is_kept_once_in_a_sound_chain(appended: Run) -> None:
    ws = openpyxl.load_workbook(appended.path)[AUDIT_SHEET]
    rows: list[tuple[Any, ...]] = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == ENTRIES
    assert [r[0] for r in rows] == list(range(1, ENTRIES + 1))
    pairs = Counter(r[6] for r in rows)
    assert set(pairs) == {f"worker {w} run {i}" for w in range(WORKERS) for i in range(RUNS)}
    assert all(n == 1 for n in pairs.values())
    for w in range(WORKERS):  # each worker's own runs land in its order
        mine = [r[6] for r in rows if r[6].startswith(f"worker {w} ")]
        assert mine == [f"worker {w} run {i}" for i in range(RUNS)]
    assert rows[0][8] == GENESIS
    assert all(rows[i][8] == rows[i - 1][9] for i in range(1, ENTRIES))
    assert read_head(appended.path) == (ENTRIES, rows[-1][9])

    done = subprocess.run([sys.executable, "-m", "addin.cli", "audit", "verify",
                           str(appended.path), "--json"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    verdict = json.loads(done.stdout)
    assert (verdict["ok"], verdict["entries"], verdict["first_bad_row"]) == (True, ENTRIES, None)


def test_wall_time_within_budget(appended: Run) -> None:
    assert appended.total_s < BUDGET_S, (
        f"{ENTRIES} appends by {WORKERS} processes took {appended.total_s:.1f} s wall "
        f"({appended.appends_s:.1f} s appending), budget {BUDGET_S:.0f} s")


def test_repeated_saves_do_not_add_cell_formats(tmp_path: Path) -> None:
    """Regression: every save used to append the 7 output cell formats to styles.xml again
    (2,801 after 400 saves; each save slower than the last, and Excel's limit is 64,000)."""
    path = config_book(tmp_path / "book.xlsx")

    def job(book: Any, ctx: Any) -> JobResult:
        return JobResult("test", book.name, audit=record_audit(book, ctx, "test", "2026-10",
                                                               "again"))

    counts = []
    for _ in range(4):
        run_on_file(path, job)
        counts.append(cell_formats(path))
    assert counts == [counts[0]] * 4, counts


def test_shared_book_keeps_few_cell_formats(appended: Run) -> None:
    assert cell_formats(appended.path) < 20
