"""What exact money costs on a full-height Orders sheet, beside floats.

On the 1,048,575-row Orders book of make_orders_book.py (its exact columns: Quantity, Unit Price,
Discount, Tax Rate), in one process, median of --runs runs:

  parse    the text columns of the Grid to numbers, three ways: float64 (the old read), Arrow
           decimal128 (what reading does now: workbooks.reading._exact_numbers) and one Python
           Decimal object per cell (the alternative the choice was measured against);
  lines    Net = round(Quantity x Unit Price x (1 - Discount)), Tax = round(Net x Tax Rate)
           (workbook-spec.md) over every line, and the totals: floats with np.round (binary,
           half-even: wrong on ties), exact int64 units with engine.money.div_round_half_up,
           and Decimal objects row by row; the exact results are checked equal.

--validate also runs read_1m_orders.py --steps td --runs 1 (fresh processes: the bare typed
fastexcel read and the whole `backoffice validate`) --validate-runs times for this checkout,
alternating with --baseline DIR (an export of the code before exact money) when given, and
prints the medians and the d/t ratios in wall and in CPU time (on a shared machine, CPU is
the steadier figure).

    python benchmarks/money.py                      # parse + lines, 5 runs
    python benchmarks/money.py --rows 100000 --runs 3
    python benchmarks/money.py --validate --baseline /tmp/base --validate-runs 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
from make_orders_book import MAX_ROWS, make_orders_book  # noqa: E402

from engine.money import decimals, div_round_half_up, round_money, scale_of, scaled  # noqa: E402
from engine.schema import ORDERS  # noqa: E402
from workbooks.model import column_number  # noqa: E402
from workbooks.reading import _exact_numbers, _numbers, read_table  # noqa: E402
from workbooks.xlsx_file import FileWorkbook  # noqa: E402

EXACT_COLUMNS = ("Quantity", "Unit Price", "Discount", "Tax Rate")


def timed(work: Callable[[], object], runs: int) -> tuple[float, object]:
    """Median seconds of `runs` calls, and the last result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def column_texts(book: Path) -> dict[str, pa.Array]:
    """The exact columns' data cells as reading sees them (Arrow strings, null when empty)."""
    grid = FileWorkbook.open(book).grid("Orders")
    table = read_table(grid, ORDERS)  # finds the header row and the columns' letters
    first = table.header_row - grid.first_row + 1
    return {name: pa.array(grid.frame[column_number(table.letters[name])].array).slice(first)
            for name in EXACT_COLUMNS}


def decimal_objects(text: pa.Array) -> list[Decimal | None]:
    """One Decimal per cell (plain cells only: the tolerant ones are a handful either way)."""
    out: list[Decimal | None] = []
    for value in text.to_pylist():
        try:
            out.append(None if value is None else Decimal(value))
        except ArithmeticError:
            out.append(None)
    return out


def parse_pass(texts: dict[str, pa.Array], runs: int) -> dict[str, tuple[float, float, float]]:
    """Seconds per column: float64, decimal128, Decimal objects."""
    result = {}
    for name, text in texts.items():
        floats, _ = timed(lambda t=text: _numbers(t, "en"), runs)
        exact, _ = timed(lambda t=text: _exact_numbers(t, "en"), runs)
        objects, _ = timed(lambda t=text: decimal_objects(t), max(1, runs // 2))
        result[name] = (floats, exact, objects)
    return result


def float_lines(q: np.ndarray, p: np.ndarray, d: np.ndarray, t: np.ndarray) -> tuple[float, float]:
    net = np.round(np.nan_to_num(q) * np.nan_to_num(p) * (1 - np.nan_to_num(d)), 2)
    tax = np.round(net * np.nan_to_num(t), 2)
    return float(net.sum()), float(tax.sum())


def exact_lines(columns: dict) -> tuple[Decimal, Decimal]:
    """The lines in int64 units: every product exact, one half-up division per rounding."""
    (q, sq), (p, sp), (d, sd), (t, st) = (
        (scaled(columns[c], scale_of(columns[c]))[0], scale_of(columns[c])) for c in EXACT_COLUMNS)
    gross = q * p * (10 ** sd - d)  # scale sq + sp + sd
    net = div_round_half_up(gross, 10 ** (sq + sp + sd - 2))  # cents
    tax = div_round_half_up(net * t, 10 ** st)  # cents
    return Decimal(int(net.sum())).scaleb(-2), Decimal(int(tax.sum())).scaleb(-2)


def object_lines(columns: dict) -> tuple[Decimal, Decimal]:
    """The same lines with Decimal objects, row by row (what a per-row flow would do)."""
    net_total = tax_total = Decimal(0)
    zero = Decimal(0)
    for q, p, d, t in zip(*(decimals(columns[c]) for c in EXACT_COLUMNS), strict=True):
        net = round_money((q or zero) * (p or zero) * (1 - (d or zero)))
        net_total += net
        tax_total += round_money(net * (t or zero))
    return net_total, tax_total


def lines_pass(texts: dict[str, pa.Array], runs: int) -> dict[str, tuple[float, object]]:
    floats = {c: _numbers(texts[c], "en")[0] for c in EXACT_COLUMNS}
    exact = {c: _as_series(_exact_numbers(texts[c], "en")[0]) for c in EXACT_COLUMNS}
    return {
        "float64 (np.round)": timed(lambda: float_lines(*(floats[c] for c in EXACT_COLUMNS)), runs),
        "exact int64 units": timed(lambda: exact_lines(exact), runs),
        "Decimal objects": timed(lambda: object_lines(exact), max(1, runs // 2)),
    }


def _as_series(values: object) -> object:
    import pandas as pd
    return pd.Series(values)


def one_validate_run(checkout: Path, rows: int) -> dict[str, tuple[float, float]]:
    """One read_1m_orders.py --steps td --runs 1 of a checkout: {step: (wall s, CPU s)}."""
    command = [sys.executable, str(checkout / "benchmarks" / "read_1m_orders.py"), "--steps", "td",
               "--runs", "1", "--rows", str(rows)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=checkout, check=False,
                          env={**os.environ, "PYTHONPATH": str(checkout)})
    out = {}
    for line in done.stdout.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith(("| t ", "| d ")) and len(cells) >= 9:
            out[cells[0][0]] = (float(cells[1].replace(",", "")), float(cells[8].replace(",", "")))
    if set(out) != {"t", "d"} or "traps checked: OK" not in done.stdout:
        raise RuntimeError(f"read_1m_orders.py failed in {checkout}:\n"
                           f"{done.stdout[-1500:]}{done.stderr[-1500:]}")
    return out


def validate_ratios(checkouts: dict[str, Path], runs: int, rows: int) -> None:
    """d (whole validate) over t (bare typed fastexcel read), wall and CPU, medians of `runs`
    runs that alternate between the checkouts so machine noise hits them alike."""
    seen: dict[str, list[dict[str, tuple[float, float]]]] = {name: [] for name in checkouts}
    for _ in range(runs):
        for name, path in checkouts.items():
            seen[name].append(one_validate_run(path, rows))
    print("| code | t wall s | d wall s | d/t wall | t CPU s | d CPU s | d/t CPU |")
    print("|---|---|---|---|---|---|---|")
    for name, results in seen.items():
        t_wall, d_wall, t_cpu, d_cpu = (statistics.median(r[step][i] for r in results)
                                        for step, i in (("t", 0), ("d", 0), ("t", 1), ("d", 1)))
        print(f"| {name} | {t_wall:.2f} | {d_wall:.2f} | {d_wall / t_wall:.2f}x | {t_cpu:.2f} | "
              f"{d_cpu:.2f} | {d_cpu / t_cpu:.2f}x |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=MAX_ROWS)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--validate", action="store_true")
    parser.add_argument("--validate-runs", type=int, default=3)
    parser.add_argument("--baseline", type=Path)
    args = parser.parse_args(argv)
    book = make_orders_book(rows=args.rows)
    texts = column_texts(book)
    print(f"Orders: {args.rows:,} rows; exact columns {', '.join(EXACT_COLUMNS)}; "
          f"median of {args.runs} runs\n")
    print("| parse | float64 s | decimal128 s (chosen) | Decimal objects s |\n|---|---|---|---|")
    totals = [0.0, 0.0, 0.0]
    for name, seconds in parse_pass(texts, args.runs).items():
        totals = [a + b for a, b in zip(totals, seconds, strict=True)]
        print(f"| {name} | {seconds[0]:.3f} | {seconds[1]:.3f} | {seconds[2]:.3f} |")
    print(f"| all four | {totals[0]:.3f} | {totals[1]:.3f} | {totals[2]:.3f} |\n")
    print("| Net/Tax per line + totals | median s | Net total | Tax total |\n|---|---|---|---|")
    results = lines_pass(texts, args.runs)
    for name, (seconds, (net, tax)) in results.items():
        print(f"| {name} | {seconds:.3f} | {net:,.2f} | {tax:,.2f} |")
    exact, objects = results["exact int64 units"][1], results["Decimal objects"][1]
    print(f"\nexact int64 units == Decimal objects: {exact == objects}")
    if args.validate:
        checkouts = {"exact money (this checkout)": ROOT}
        if args.baseline:
            checkouts["before (baseline)"] = args.baseline
        print(f"\nvalidate, {args.validate_runs} alternating runs:")
        validate_ratios(checkouts, args.validate_runs, args.rows)
    return 0 if exact == objects else 1


if __name__ == "__main__":
    sys.exit(main())
