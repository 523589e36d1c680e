"""How long =BO_VALIDATE(Orders!A1:K10001, "Orders") takes in Python: target 100 ms.

A 10,000-row Orders range (header + rows, the 11 canonical columns) goes through the whole path
Excel drives on Windows, run on any OS with pywin32 stubbed (tests/xlwings_stubs.py): the COM
server's CallUDF -> xlwings.udfs.call_udf -> conversion.read of each argument (the table read
from a Range object by our converter, udfs.args.TableArg) -> BO_VALIDATE -> conversion.write.
The values are what pywin32 hands over for such a range: floats for numbers, COM dates, strings,
None for empty cells, an int for an error cell. About 1% of rows carry a mistake and 5% are in
USD, so the result is a real issues table, not the OK row.

It prints the median wall time of several warm calls (imports and first calls excluded), the
minimum and the median CPU time, then each step of the path: the table's read conversion, the
steps inside BO_VALIDATE (columns_to_grid, read_table, validate of the one sheet as BO_VALIDATE
runs it, issues_output), xlwings' write conversion; and the verdict against the target. The steps
take turns, round after round, so a busy spell of the (often shared) machine weighs on all alike.

Two references to compare machines and moments: sum(range(10**6)), and xlwings' default read of
the same range (what BO_VALIDATE used before its converter; it cleans every cell in Python and is
shaped like our work, so it slows down with the machine as our path does: the ratio of the whole
path to it is the steadiest figure). The run also checks that the issues are the same as when
the table is read the default way.

    python benchmarks/udf_validate.py                   # 10,000 rows, 15 warm calls
    python benchmarks/udf_validate.py --rows 50000 --runs 5
    python benchmarks/udf_validate.py --profile         # cProfile of one call, top functions
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]

import xlwings_stubs  # noqa: E402

TARGET_MS = 100.0
DEFAULT_READ = "  (xlwings' default read: reference)"
HEADERS = ["Order ID", "Line", "Order Date", "Customer", "SKU", "Quantity", "Unit Price",
           "Discount", "Tax Rate", "Currency", "Priority"]
SEED = 20261031


def orders_values(rows: int, seed: int = SEED) -> list[list[Any]]:
    """Header + `rows` order lines as Python cell values (dates as datetimes, blanks as "")."""
    rng = random.Random(seed)
    customers = [f"Cliente {i:04d} Ltda" for i in range(1, 4001)]
    skus = [f"SKU-{i:05d}" for i in range(1, 2001)]
    out: list[list[Any]] = [list(HEADERS)]
    order, line = 100000, 0
    for n in range(rows):
        if line == 0 or rng.random() < 0.4:
            order, line = order + 1, 0
        line += 1
        day = dt.datetime(2026, 10, 1) + dt.timedelta(days=rng.randrange(31))
        row: list[Any] = [f"SO-{order}", float(line), day, rng.choice(customers), rng.choice(skus),
                          float(rng.randrange(1, 50)), round(rng.uniform(1, 900), 2),
                          rng.choice((0.0, 0.0, 0.05, 0.1)), rng.choice((0.0, 0.12, 0.18)),
                          "USD" if rng.random() < 0.05 else "BRL", float(rng.randrange(1, 4))]
        if n % 100 == 7:  # ~1% of rows with a mistake a user makes
            mistake = (n // 100) % 4
            if mistake == 0:
                row[5] = -row[5]
            elif mistake == 1:
                row[3] = ""
            elif mistake == 2:
                row[6] = "#N/A"
            else:
                row[2] = "31/13/2026"
        out.append(row)
    return out


def timed(steps: dict[str, Callable[[], Any]], runs: int, warmup: int = 2
          ) -> dict[str, tuple[list[float], list[float]]]:
    """Wall and CPU milliseconds of `runs` calls of each step after `warmup` untimed ones. The
    steps take turns (round after round), so a busy spell of a shared machine weighs on all of
    them alike instead of on whichever step it happens to hit."""
    for call in steps.values():
        for _ in range(warmup):
            call()
    times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in steps}
    for _ in range(runs):
        for name, call in steps.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            call()
            times[name][0].append((time.perf_counter() - start) * 1000)
            times[name][1].append((time.process_time() - start_cpu) * 1000)
    return times


def machine_reference() -> float:
    """ms for sum(range(10**6)), best of 5: how fast this Python is, to compare machines."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        sum(range(10**6))
        best = min(best, time.perf_counter() - start)
    return best * 1000


def stages(xl: Any, functions: Any, com_range: Any, runs: int) -> dict[str, tuple[list[float], list[float]]]:
    """The whole call, then each step of it on its own (same inputs, warm)."""
    from xlwings import Range, conversion

    from engine.schema import ORDERS
    from engine.validation import validate
    from workbooks.memory import EXCEL_ERRORS, columns_to_grid
    from workbooks.reading import read_table
    from workbooks.sheets.issues import issues_output

    missing = xlwings_stubs.DISP_E_PARAMNOTFOUND
    info = functions.BO_VALIDATE.__xlfunc__
    options = info["args"][0]["options"]
    default_options = {k: v for k, v in options.items() if k != "convert"}
    rng = Range(impl=xl.xlwindows.Range(xl=com_range))
    table = conversion.read(rng, None, options)
    grid = columns_to_grid("Orders", table.columns, 1, 1, None, EXCEL_ERRORS, table.kinds)
    typed = read_table(grid, ORDERS, "en")
    issues = validate({"Orders": typed}, {}, {}, "en", other_sheets=False)
    result = functions.BO_VALIDATE(table, "Orders", "Orders!A1", "")
    steps: dict[str, Callable[[], Any]] = {
        "whole path (COM CallUDF)": lambda: xl.call(
            "udfs.functions", "BO_VALIDATE", com_range, "Orders", "Orders!A1", missing),
        "1 conversion.read (TableArg)": lambda: conversion.read(rng, None, options),
        DEFAULT_READ: lambda: conversion.read(rng, None, default_options),
        "2 BO_VALIDATE body, of which": lambda: functions.BO_VALIDATE(table, "Orders", "Orders!A1", ""),
        "  workbooks columns_to_grid": lambda: columns_to_grid(
            "Orders", table.columns, 1, 1, None, EXCEL_ERRORS, table.kinds),
        "  workbooks read_table": lambda: read_table(grid, ORDERS, "en"),
        "  engine validate (one sheet)": lambda: validate(
            {"Orders": typed}, {}, {}, "en", other_sheets=False),
        "  workbooks issues_output": lambda: issues_output(issues),
        "3 xlwings conversion.write": lambda: conversion.write(result, None, info["ret"]["options"]),
    }
    return timed(steps, runs)


def default_read_result(xl: Any, functions: Any, com_range: Any) -> Any:
    """BO_VALIDATE's result with the table read by xlwings' default conversion (err_to_str, every
    cell cleaned in Python) instead of our converter, as Excel would receive it."""
    from xlwings import Range, conversion

    options = {k: v for k, v in functions.BO_VALIDATE.__xlfunc__["args"][0]["options"].items()
               if k != "convert"}
    rows = conversion.read(Range(impl=xl.xlwindows.Range(xl=com_range)), None, options)
    result = functions.BO_VALIDATE(rows, "Orders", "Orders!A1", "")
    return conversion.write(result, None, functions.BO_VALIDATE.__xlfunc__["ret"]["options"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--profile", action="store_true", help="cProfile one call")
    args = parser.parse_args(argv)

    values = orders_values(args.rows)
    com_range = xlwings_stubs.FakeComRange(xlwings_stubs.com_rows(values))
    with xlwings_stubs.installed() as xl:
        functions = xlwings_stubs.fresh_import("udfs.functions")
        result = xl.call("udfs.functions", "BO_VALIDATE", com_range, "Orders", "Orders!A1",
                         xlwings_stubs.DISP_E_PARAMNOTFOUND)
        if not isinstance(result, list) or result[0][0] != "Sheet":
            print(f"unexpected result: {result!r:.300}")
            return 1
        measured = stages(xl, functions, com_range, args.runs)
        same = result == default_read_result(xl, functions, com_range)
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(xl.call, "udfs.functions", "BO_VALIDATE", com_range, "Orders",
                             "Orders!A1", xlwings_stubs.DISP_E_PARAMNOTFOUND)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)

    print(f"BO_VALIDATE over {args.rows:,} Orders rows x {len(HEADERS)} columns "
          f"({len(result) - 1:,} issues returned), median of {args.runs} warm calls")
    print(f"machine reference: sum(range(10**6)) takes {machine_reference():.1f} ms here")
    print(f"{'step':38} {'wall':>9} {'min':>9} {'cpu':>9}")
    for name, (wall, cpu) in measured.items():
        median_wall, median_cpu = statistics.median(wall), statistics.median(cpu)
        print(f"{name:38} {median_wall:7.1f}ms {min(wall):7.1f}ms {median_cpu:7.1f}ms")
    median = statistics.median(measured["whole path (COM CallUDF)"][0])
    plain = statistics.median(measured[DEFAULT_READ][0])
    print(f"whole path / xlwings' default read of the same range: {median / plain:.2f}")
    print(f"same issues as with the table read the default way: {'yes' if same else 'NO'}")
    verdict = "within" if median <= TARGET_MS and same else "OVER"
    print(f"median {median:.1f} ms vs target {TARGET_MS:.0f} ms: {verdict} the target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
