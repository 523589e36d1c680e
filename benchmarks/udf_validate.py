"""How long =BO_VALIDATE(Orders!A1:K10001, "Orders") takes in Python: target 100 ms.

A 10,000-row Orders range (header + rows, the 11 canonical columns) goes through the whole path
Excel drives on Windows, run on any OS with pywin32 stubbed (tests/xlwings_stubs.py): the COM
server's CallUDF -> xlwings.udfs.call_udf -> conversion.read of each argument (the table read
from a Range object: pywin32 dates, floats, strings, None for blanks, error numbers) ->
BO_VALIDATE -> conversion.write. The values are what pywin32 hands over for such a range:
floats for numbers, COM dates, strings, None for empty cells, an int for an error cell. About 1% of
rows carry a mistake and 5% are in USD, so the result is a real issues table, not the OK row.

It prints the median wall time of several warm calls (imports and first calls excluded), the
minimum and the median CPU time (the machine is often shared: CPU time is steadier), then each
step of the path timed on its own: xlwings' read conversion, the steps inside BO_VALIDATE
(cells_to_grid, read_table, validate...), xlwings' write conversion; and the verdict against the
target, with a machine reference (sum(range(10**6))) to compare machines.

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


def timed(call: Callable[[], Any], runs: int, warmup: int = 2) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of `runs` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        call()
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


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
    from udfs.args import name_errors
    from workbooks.issues_sheet import issues_output
    from workbooks.memory import EXCEL_ERRORS, cells_to_grid
    from workbooks.tables import read_table

    missing = xlwings_stubs.DISP_E_PARAMNOTFOUND
    info = functions.BO_VALIDATE.__xlfunc__
    rng = Range(impl=xl.xlwindows.Range(xl=com_range))
    table = conversion.read(rng, None, info["args"][0]["options"])
    rows = name_errors(table)
    grid = cells_to_grid("Orders", rows, 1, 1, None, EXCEL_ERRORS)
    typed = read_table(grid, ORDERS, "en")
    issues = validate({"Orders": typed}, {}, {}, "en")
    result = functions.BO_VALIDATE(table, "Orders", "Orders!A1", "")
    steps: dict[str, Callable[[], Any]] = {
        "whole path (COM CallUDF)": lambda: xl.call(
            "udfs.functions", "BO_VALIDATE", com_range, "Orders", "Orders!A1", missing),
        "1 xlwings conversion.read (table)": lambda: conversion.read(rng, None, info["args"][0]["options"]),
        "2 BO_VALIDATE body, of which": lambda: functions.BO_VALIDATE(table, "Orders", "Orders!A1", ""),
        "  udfs.args.name_errors": lambda: name_errors(table),
        "  workbooks cells_to_grid": lambda: cells_to_grid("Orders", rows, 1, 1, None, EXCEL_ERRORS),
        "  workbooks read_table": lambda: read_table(grid, ORDERS, "en"),
        "  engine validate": lambda: validate({"Orders": typed}, {}, {}, "en"),
        "    same, FX check skipped": lambda: validate(  # a non-ISO currency turns FX off
            {"Orders": typed}, {"functionalcurrency": "none"}, {}, "en"),
        "  workbooks issues_output": lambda: issues_output(issues),
        "3 xlwings conversion.write": lambda: conversion.write(result, None, info["ret"]["options"]),
    }
    return {name: timed(step, runs) for name, step in steps.items()}


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
    fx = statistics.median(measured["  engine validate"][1]) - statistics.median(
        measured["    same, FX check skipped"][1])
    print(f"  (the FX check costs about {max(fx, 0):.1f} ms cpu for issues BO_VALIDATE then drops)")
    median = statistics.median(measured["whole path (COM CallUDF)"][0])
    verdict = "within" if median <= TARGET_MS else "OVER"
    print(f"median {median:.1f} ms vs target {TARGET_MS:.0f} ms: {verdict} the target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
