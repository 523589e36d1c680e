"""Many processes appending to one workbook's audit log at once lose nothing and keep the chain.

Each worker is a separate Python process that loops over `addin.jobs.run_on_file` (the lock,
read, write, head record protocol of every real job) with a job that only appends one audit
entry. The workers wait on a start file so that they all contend for the lock together.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import openpyxl

from engine.audit import GENESIS
from workbooks.audit_sheet import AUDIT_SHEET, read_head

ROOT = Path(__file__).resolve().parents[1]
WORKERS = 8
RUNS = 50
BUDGET_S = 60.0  # wall time on 2 cores

WORKER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from addin.jobs import JobResult, record_audit, run_on_file

    path, worker, runs, ready, go = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), \\
        Path(sys.argv[4]), Path(sys.argv[5])

    def job_for(run):
        def job(book, ctx):
            entry = record_audit(book, ctx, "test", "2026-10", f"worker {worker} run {run}")
            return JobResult("test", book.name, audit=entry)
        return job

    ready.touch()
    while not go.exists():
        time.sleep(0.01)
    for run in range(runs):
        run_on_file(path, job_for(run))
""")


def small_book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Config"
    ws.append(["Key", "Value"])
    ws.append(["Period", "2026-10"])
    wb.save(path)
    return path


def test_parallel_appends_keep_every_entry_and_the_chain(tmp_path: Path) -> None:
    path = small_book(tmp_path / "shared.xlsx")
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{w}" for w in range(WORKERS)]
    started = time.monotonic()
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(path), str(w), str(RUNS),
                               str(ready[w]), str(go)], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for w in range(WORKERS)]
    try:
        deadline = time.monotonic() + 60
        while not all(r.exists() for r in ready):
            assert time.monotonic() < deadline, "workers did not start"
            assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
            time.sleep(0.02)
        spawned = time.monotonic() - started
        go.touch()
        go_at = time.monotonic()
        outcomes = [p.communicate(timeout=600) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    appends = time.monotonic() - go_at
    total = time.monotonic() - started
    entries = WORKERS * RUNS
    print(f"\n{WORKERS} workers x {RUNS} appends = {entries} entries: {appends:.1f} s for the "
          f"appends ({entries / appends:.1f} appends/s, {1000 * appends / entries:.0f} ms each), "
          f"{total:.1f} s wall in all (workers ready after {spawned:.1f} s) on "
          f"{os.cpu_count()} cores")
    for w, (p, (out, err)) in enumerate(zip(procs, outcomes, strict=True)):
        assert p.returncode == 0, f"worker {w} exit {p.returncode}\n{out}\n{err}"

    ws = openpyxl.load_workbook(path)[AUDIT_SHEET]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == entries
    assert [r[0] for r in rows] == list(range(1, entries + 1))
    pairs = Counter(r[6] for r in rows)
    expected = {f"worker {w} run {i}" for w in range(WORKERS) for i in range(RUNS)}
    assert set(pairs) == expected
    assert all(n == 1 for n in pairs.values())
    for w in range(WORKERS):  # each worker's own runs are in order
        mine = [r[6] for r in rows if r[6].startswith(f"worker {w} ")]
        assert mine == [f"worker {w} run {i}" for i in range(RUNS)]
    assert rows[0][8] == GENESIS
    assert all(rows[i][8] == rows[i - 1][9] for i in range(1, entries))
    assert read_head(path) == (entries, rows[-1][9])

    done = subprocess.run([sys.executable, "-m", "addin.cli", "audit", "verify", str(path),
                           "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    verdict = json.loads(done.stdout)
    assert (verdict["ok"], verdict["entries"], verdict["first_bad_row"]) == (True, entries, None)
    assert total < BUDGET_S, f"{entries} appends took {total:.1f} s (budget {BUDGET_S:.0f} s)"
