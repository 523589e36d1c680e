"""How long reading a full-height Orders sheet takes: bare libraries against our read, side by side.

Steps (each measurement is a fresh Python process, so no import or cache carries over):

  a  bare python-calamine: CalamineWorkbook.from_path(p).get_sheet_by_name("Orders").to_python()
  b  bare fastexcel:       read_excel(p).load_sheet("Orders", header_row=None,
                                                    dtypes="string").to_arrow()
  t  bare fastexcel typed: the same with fastexcel's own type inference (no dtypes): the
                           fastest bare read here, and the baseline of the target
  c  our read:             FileWorkbook.open(p) + read_table(sheet_grid(book, "Orders", ORDERS),
                           ORDERS) (number columns read typed, as validate reads them)
                           (typed table, source cells, reading issues); the traps of
                           make_orders_book are checked at their cells
  d  the whole command:    backoffice validate COPY --json on a fresh copy of the book (reads every
                           sheet, writes the Issues and Audit Log sheets by zip surgery)
  r  the second run:       the same command on a copy of a book validated once before (its
                           marks taken off, new ones put, the Issues sheet replaced)

--faulty PCT uses the variant of the book with PCT% of the lines faulty (one rule broken each, see
make_orders_book.faults): with 1, about 10,500 issues, Issues rows, marked cells and notes.

Wall time is measured by this process around the child (interpreter start, imports and work);
peak RSS is the child's own, from os.wait4. Children also report the time of the work itself
(after imports). Steps run interleaved (a b c d, a b c d, ...) to spread machine noise.

Target (issue 3): d <= 1.5 x the fastest bare read of the same file (the smallest median of
a, b and t measured in the same run), peak memory <= 2 GiB; the verdict is printed last.

    python benchmarks/read_1m_orders.py                  # 1,048,575 rows, 3 runs
    python benchmarks/read_1m_orders.py --rows 100000 --runs 5
    python benchmarks/read_1m_orders.py --profile        # profile step c once (pyinstrument or
                                                         # cProfile) with a stage breakdown
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()  # child timing starts before any heavy import

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

from make_orders_book import (  # noqa: E402
    CACHE_DIR,
    HEADERS,
    LETTERS,
    MAX_ROWS,
    expected_faulty_issues,
    expected_values,
    make_orders_book,
    traps,
)

STEPS = {
    "a": "bare python-calamine to_python()",
    "b": "bare fastexcel to_arrow() (all text)",
    "t": "bare fastexcel to_arrow() (typed)",
    "c": "our read: FileWorkbook.open + read_table",
    "v": "validation alone (work s; the read before it not counted)",
    "d": "backoffice validate (CLI, whole job)",
    "r": "backoffice validate again (marks of d off, new on)",
}
MARK = "BENCH-RESULT "
FAULT_RATE = 0.0  # set from --faulty: the share of faulty lines in the book measured


def wanted_issues(rows: int) -> set[tuple[str, str]]:
    """{(rule, cell)} the Orders sheet of the book measured must give."""
    return expected_faulty_issues(rows, FAULT_RATE)


# ---------------------------------------------------------------------------------------------
# Children: one step, one process. Each prints one MARK line with its timings and checks.


def _error_trap(rows: int):
    return next(t for t in traps(rows) if t.rule == "read.error_value")


def child_a(book: Path, rows: int) -> dict:
    from python_calamine import CalamineWorkbook

    t_imported = time.perf_counter()
    data = CalamineWorkbook.from_path(str(book)).get_sheet_by_name("Orders").to_python()
    t_done = time.perf_counter()
    trap = _error_trap(rows)
    seen = data[trap.row - 1][HEADERS.index(trap.column)]
    return {"t_imported": t_imported, "t_done": t_done, "rows": len(data) - 1,
            "note": f"#N/A cell read as {seen!r}, no error reported"}


def child_b(book: Path, rows: int, typed: bool = False) -> dict:
    import fastexcel

    t_imported = time.perf_counter()
    options = {} if typed else {"dtypes": "string"}
    batch = fastexcel.read_excel(str(book)).load_sheet("Orders", header_row=None, **options).to_arrow()
    t_done = time.perf_counter()
    trap = _error_trap(rows)
    seen = batch.column(HEADERS.index(trap.column))[trap.row - 1].as_py()
    return {"t_imported": t_imported, "t_done": t_done, "rows": batch.num_rows - 1,
            "note": f"#N/A cell read as {seen!r}, no error reported"}


def child_c(book: Path, rows: int) -> dict:
    from engine.schema import ORDERS
    from workbooks.reading import read_table, sheet_grid
    from workbooks.xlsx_file import FileWorkbook

    t_imported = time.perf_counter()
    workbook = FileWorkbook.open(book)
    table = read_table(sheet_grid(workbook, "Orders", ORDERS), ORDERS)
    t_done = time.perf_counter()
    problems = check_table(table, rows)
    return {"t_imported": t_imported, "t_done": t_done, "rows": len(table.frame),
            "issues": len(table.issues), "problems": problems,
            "note": "issues: " + ", ".join(f"{i.rule} {i.cell}" for i in table.issues[:6])}


def child_v(book: Path, rows: int) -> dict:
    from engine.validation import validate
    from workbooks.reading import read_workbook
    from workbooks.xlsx_file import FileWorkbook

    data = read_workbook(FileWorkbook.open(book))
    t_start = time.perf_counter()  # reported as "imports": only the validation is "work"
    issues = validate(data.tables, data.config, data.config_cells, data.locale)
    t_done = time.perf_counter()
    return {"t_imported": t_start, "t_done": t_done, "rows": len(data.tables["Orders"].frame),
            "issues": len(issues), "note": f"{len(issues)} rule issues (reading issues apart)"}


def check_table(table, rows: int) -> list[str]:
    """What our read got wrong about the book (empty when every trap was caught)."""
    import pandas as pd

    problems = []
    if len(table.frame) != rows:
        problems.append(f"{len(table.frame):,} rows read, expected {rows:,}")
    got = {(i.rule, i.cell) for i in table.issues if i.rule.startswith("read.")}
    want = {(rule, cell) for rule, cell in wanted_issues(rows) if rule.startswith("read.")}
    if got != want:
        problems.append(f"issues {sorted(got)} != expected {sorted(want)}")
    for row, column, value in expected_values(rows):
        try:
            seen = table.frame.at[row, column]
        except KeyError:
            problems.append(f"{column} row {row} missing")
            continue
        if isinstance(seen, pd.Timestamp):
            seen = seen.date()
        if seen != value:
            problems.append(f"{column}{row}: {seen!r} != {value!r}")
    return problems


def run_child(step: str, book: Path, rows: int) -> int:
    children = {"a": child_a, "b": child_b, "t": lambda b, r: child_b(b, r, typed=True),
                "c": child_c, "v": child_v}
    result = children[step](book, rows)
    result["import_s"] = result.pop("t_imported") - _T0
    result["work_s"] = result.pop("t_done") - _T0 - result["import_s"]
    print(MARK + json.dumps(result, default=str), flush=True)
    return 0


# ---------------------------------------------------------------------------------------------
# Parent: measure children


def measure(cmd: list[str], cwd: Path) -> tuple[float, float, float, int, str, str]:
    """Run `cmd`; return (wall s, CPU s (user + system), peak RSS MiB, exit code, stdout,
    stderr)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode,
                out.read().decode(errors="replace"), err.read().decode(errors="replace"))


def run_step(step: str, book: Path, rows: int, validated: Path | None = None) -> dict:
    if step == "d":
        return run_validate(book, rows)
    if step == "r":
        assert validated is not None
        return run_validate(validated, rows)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", step, "--book", str(book),
           "--rows", str(rows), "--faulty", repr(FAULT_RATE * 100)]
    wall, cpu, rss, code, out, err = measure(cmd, ROOT)
    line = next((ln for ln in out.splitlines() if ln.startswith(MARK)), None)
    if code != 0 or line is None:
        raise SystemExit(f"step {step} failed (exit {code}):\n{out}\n{err}")
    result = json.loads(line[len(MARK):])
    result.update(wall_s=wall, cpu_s=cpu, rss_mib=rss)
    return result


def backoffice_command() -> list[str]:
    script = Path(sys.executable).with_name("backoffice")
    return [str(script)] if script.exists() else [sys.executable, "-m", "addin.cli"]


def validated_once(book: Path) -> tuple[Path, Path]:
    """A copy of `book` validated once (the book step r validates again), in a scratch folder
    the caller removes; returns (the copy, the folder)."""
    scratch = Path(tempfile.mkdtemp(prefix="validated-", dir=CACHE_DIR))
    copy = scratch / "orders-validated.xlsx"
    shutil.copyfile(book, copy)
    done = subprocess.run([*backoffice_command(), "validate", str(copy), "--json"], cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"validating the book for step r failed:\n{done.stdout}\n{done.stderr}")
    return copy, scratch


def run_validate(book: Path, rows: int) -> dict:
    """`backoffice validate --json` on a copy in a scratch folder (backups, lock and audit head
    land there and are removed)."""
    scratch = Path(tempfile.mkdtemp(prefix="validate-", dir=CACHE_DIR))
    try:
        copy = scratch / "orders.xlsx"
        shutil.copyfile(book, copy)
        env_cmd = [*backoffice_command(), "validate", str(copy), "--json"]
        wall, cpu, rss, code, out, err = measure(env_cmd, ROOT)
        try:
            report = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise SystemExit(f"validate failed (exit {code}):\n{out}\n{err}") from None
        if code not in (0, 1) or "error" in report:
            problems = [f"exit code {code}: {report.get('error')}"]
        else:
            problems = check_validate(report, copy, rows)
        notes = count_notes(copy)
        return {"wall_s": wall, "cpu_s": cpu, "rss_mib": rss, "rows": report.get("summary", {}).get(
                    "rows", {}).get("Orders"), "issues": len(report.get("issues", [])),
                "problems": problems,
                "note": f"exit {code}; wrote {', '.join(report.get('written', []))}; "
                        f"{notes:,} notes on Orders"}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def check_validate(report: dict, copy: Path, rows: int) -> list[str]:
    from workbooks.xlsx.package import read_package

    problems = []
    got = {(i["rule"], i["cell"]) for i in report.get("issues", []) if i["sheet"] == "Orders"}
    want = wanted_issues(rows)
    if got != want:
        problems.append(f"Orders issues: {len(got - want)} unexpected {sorted(got - want)[:5]}, "
                        f"{len(want - got)} missing {sorted(want - got)[:5]}")
    notes = count_notes(copy)
    if notes != len(got):  # every issue at its cell gets its note (the cells have none before)
        problems.append(f"{notes:,} notes on Orders for {len(got):,} issues")
    if report.get("summary", {}).get("rows", {}).get("Orders") != rows:
        problems.append(f"rows {report.get('summary')} != {rows}")
    names = {s.name for s in read_package(copy).sheets}
    for sheet in ("Orders", "Config", "Issues", "Audit Log"):
        if sheet not in names:
            problems.append(f"sheet {sheet} missing from the file after validate")
    return problems


def count_notes(book: Path) -> int:
    """The notes (comments) on the Orders sheet of `book`."""
    import re
    import zipfile

    from workbooks.xlsx.ooxml import read_rels, rels_path
    from workbooks.xlsx.package import read_package

    entry = read_package(book).sheet("Orders")
    with zipfile.ZipFile(book) as zf:
        try:
            rels = read_rels(zf.read(rels_path(entry.part)), entry.part)
        except KeyError:
            return 0
        parts = [target for kind, target, _mode in rels.values() if kind.endswith("/comments")]
        return sum(len(re.findall(rb"<comment\b", zf.read(p))) for p in parts)


def summarise(results: dict[str, list[dict]]) -> list[dict]:
    rows = []
    for step, runs in results.items():
        walls = [r["wall_s"] for r in runs]
        works = [r["work_s"] for r in runs if "work_s" in r]
        rows.append({
            "step": step, "failed": any(r.get("problems") for r in runs),
            "median": statistics.median(walls), "min": min(walls),
            "max": max(walls), "rss": max(r["rss_mib"] for r in runs),
            "cpu": statistics.median(r["cpu_s"] for r in runs),
            "work": statistics.median(works) if works else None,
            "imports": statistics.median(r["import_s"] for r in runs) if works else None,
        })
    base = {r["step"]: r["median"] for r in rows}
    fastest = min((base[s] for s in "abt" if s in base), default=None)
    for r in rows:
        r["x_cal"] = r["median"] / base["a"] if "a" in base else None
        r["x_fe"] = r["median"] / base["b"] if "b" in base else None
        r["x_fast"] = r["median"] / fastest if fastest else None
    return rows


TARGET_RATIO, TARGET_RSS_MIB = 1.5, 2048


def verdict(rows: list[dict]) -> str:
    """The issues' target, measured: the whole validate (d, and the second run r) against the
    fastest bare read, in wall time (the target) and CPU time (steadier on a shared machine)."""
    by_step = {r["step"]: r for r in rows}
    bare = [by_step[s] for s in "abt" if s in by_step]
    runs = [by_step[s] for s in "dr" if s in by_step]
    if not runs or not bare:
        return "target: run step d or r and at least one of a/b/t to compare (e.g. --steps tdr)"
    fastest = min(bare, key=lambda r: r["median"])
    lines = []
    for run in runs:
        ratio, rss = run["x_fast"], run["rss"]
        lines.append(
            f"target: {run['step']} {run['median']:.2f} s = {ratio:.2f}x the fastest bare read "
            f"({fastest['step']}, {fastest['median']:.2f} s; target <= {TARGET_RATIO}x): "
            f"{'MET' if ratio <= TARGET_RATIO else 'NOT MET'}; CPU {run['cpu']:.2f} s = "
            f"{run['cpu'] / fastest['cpu']:.2f}x; peak RSS {rss:,.0f} MiB "
            f"(target <= {TARGET_RSS_MIB:,}): {'MET' if rss <= TARGET_RSS_MIB else 'NOT MET'}")
    return "\n".join(lines)


def print_table(rows: list[dict], n_runs: int, n_rows: int, book: Path) -> None:
    size = book.stat().st_size / 2**20
    faulty = f", {FAULT_RATE:.0%} of the lines faulty" if FAULT_RATE else ""
    print(f"\nOrders sheet: {n_rows:,} data rows x 11 columns{faulty} ({size:.1f} MiB .xlsx, "
          f"{book.name}); median of {n_runs} fresh-process runs; {os.cpu_count()} CPUs\n")
    header = ("step", "median s", "min s", "max s", "peak RSS MiB", "x calamine", "x fastexcel",
              "x fastest", "CPU s*", "work s*", "imports s*")

    def fmt(v, spec):
        return "-" if v is None else format(v, spec)

    lines = [[f"{r['step']} {STEPS[r['step']]}" + (" (CHECK FAILED)" if r["failed"] else ""),
              fmt(r["median"], ".2f"), fmt(r["min"], ".2f"),
              fmt(r["max"], ".2f"), fmt(r["rss"], ",.0f"), fmt(r["x_cal"], ".2f"),
              fmt(r["x_fe"], ".2f"), fmt(r["x_fast"], ".2f"), fmt(r["cpu"], ".2f"),
              fmt(r["work"], ".2f"),
              fmt(r["imports"], ".2f")]
             for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines, strict=True)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for line in lines:
        cells = [line[0].ljust(widths[0])] + [c.rjust(w) for c, w in
                                              zip(line[1:], widths[1:], strict=True)]
        print("| " + " | ".join(cells) + " |")
    print("\n* CPU s: median user + system CPU of the child; work s: the read itself inside the "
          "child (after imports);\n  imports s: interpreter start to imports done. Wall, min, "
          "max and ratios are whole fresh processes;\n  peak RSS is the largest of the runs.")


def profile_c(book: Path, rows: int, tool: str) -> int:
    """Run step c once in this process with a stage breakdown and a profiler."""
    import workbooks.reading as tables
    import workbooks.xlsx_file as xlsx_file
    from engine.schema import ORDERS

    stages: dict[str, list[float]] = {}

    def timed(module, name, label=None):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                stages.setdefault(label or name, []).append(time.perf_counter() - start)
        setattr(module, name, wrapper)

    for name in ("inspect_file", "fingerprint", "read_package", "_first_row"):
        timed(xlsx_file, name, f"open/grid: {name}")
    timed(xlsx_file.FileWorkbook, "grid", "grid (all)")
    timed(xlsx_file.FileWorkbook, "typed_grid", "typed_grid (all)")
    for name in ("_data_area", "_read_column", "_numbers", "_dates", "_missing_columns"):
        timed(tables, name, f"read_table: {name}")

    def work():
        workbook = xlsx_file.FileWorkbook.open(book)
        return tables.read_table(tables.sheet_grid(workbook, "Orders", ORDERS), ORDERS)

    start = time.perf_counter()
    if tool == "pyinstrument":
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
        table = work()
        profiler.stop()
    else:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        table = profiler.runcall(work)
    total = time.perf_counter() - start
    problems = check_table(table, rows)
    print(f"step c under {tool}: {total:.2f} s, {len(table.frame):,} rows, "
          f"{len(table.issues)} issues, checks: {problems or 'ok'}\n")
    print("Stage breakdown (wall, profiler overhead included):")
    for label, times in stages.items():
        print(f"  {label:36s} {sum(times):7.2f} s  ({len(times)} calls, {sum(times) / total:5.1%})")
    print()
    if tool == "pyinstrument":
        print(profiler.output_text(unicode=False, color=False, show_all=False))
    else:
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(30)
    return 0


def code_version() -> str:
    """A short hash of the product sources (engine, workbooks, addin): the code measured."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(p for d in ("engine", "workbooks", "addin") for p in (ROOT / d).rglob("*.py")):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=MAX_ROWS,
                        help=f"data rows in the Orders sheet (default {MAX_ROWS:,})")
    parser.add_argument("--runs", type=int, default=3, help="runs per step (default 3)")
    parser.add_argument("--steps", default="abtcvd",
                        help="which steps, e.g. 'btd' or 'tdr' (default abtcvd)")
    parser.add_argument("--faulty", type=float, default=0.0, metavar="PCT",
                        help="measure the variant with PCT%% of the lines faulty (e.g. 1)")
    parser.add_argument("--profile", nargs="?", const="auto",
                        choices=["auto", "cprofile", "pyinstrument"],
                        help="profile step c once instead of benchmarking")
    parser.add_argument("--child", choices=["a", "b", "t", "c", "v"], help=argparse.SUPPRESS)
    parser.add_argument("--book", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    global FAULT_RATE
    FAULT_RATE = args.faulty / 100

    if args.child:
        return run_child(args.child, args.book, args.rows)

    start = time.perf_counter()
    book = make_orders_book(rows=args.rows, fault_rate=FAULT_RATE)
    print(f"book: {book} ready in {time.perf_counter() - start:.1f} s", file=sys.stderr)

    if args.profile:
        tool = args.profile
        if tool == "auto":
            try:
                import pyinstrument  # noqa: F401
                tool = "pyinstrument"
            except ImportError:
                tool = "cprofile"
        return profile_c(book, args.rows, tool)

    load_before, code_before = _load(), code_version()
    steps = [s for s in args.steps if s in STEPS]
    results: dict[str, list[dict]] = {s: [] for s in steps}
    validated, scratch = validated_once(book) if "r" in steps else (None, None)
    try:
        for run in range(1, args.runs + 1):
            for step in steps:
                result = run_step(step, book, args.rows, validated)
                results[step].append(result)
                print(f"run {run}/{args.runs} step {step}: {result['wall_s']:.2f} s, "
                      f"{result['rss_mib']:,.0f} MiB, {result['cpu_s']:.2f} s CPU",
                      file=sys.stderr, flush=True)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)

    summary = summarise(results)
    print_table(summary, args.runs, args.rows, book)
    code_after = code_version()
    print(f"load average before/after: {load_before} / {_load()} (other work on the machine "
          "slows wall times; compare CPU s)")
    print(f"product code (engine, workbooks, addin) sha256 {code_before}"
          + ("" if code_after == code_before else
             f" -> {code_after}: WARNING the code changed during the run; rerun to compare"))
    print()
    failed = False
    for step in steps:
        last = results[step][-1]
        issues = f", {last['issues']} issues" if "issues" in last else ""
        problems = sorted({p for r in results[step] for p in r.get("problems", [])})
        checks = "" if step in "abt" else (" - traps checked: OK" if not problems
                                          else f" - CHECK FAILED: {problems}")
        failed |= bool(problems)
        read = "?" if last.get("rows") is None else f"{last['rows']:,}"
        print(f"{step}: {read} rows{issues}; {last['note']}{checks}")
    print("\nTraps:", "; ".join(
        f"{LETTERS[HEADERS.index(t.column)]}{t.row} {t.written} -> "
        f"{t.rule or 'read as ' + repr(t.value)}" for t in traps(args.rows)))
    print("\n" + verdict(summary))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
