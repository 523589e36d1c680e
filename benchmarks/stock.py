"""How long the orders-and-stock engine takes: 100,000 order lines + 50,000 movements over 1,000 SKUs.

Steps, each timed `--runs` times (median printed), taking turns so a busy spell hits them alike:

  plain      a plain Decimal moving-average loop over the same 150,000 events, pre-sorted
             (receipt: qty += q, value += round(q x cost); issue: out = round(value x q / qty)):
             the reference the target was set against
  ma         engine.stock_ledger.run_ledger, moving average: records in (with the ledger-order
             keys engine.stock.stock_inputs made from the Tables' columns, as the flow passes
             them), ledger + allocations + per-SKU totals out (sorting, allocation, valuation,
             issues)
  fifo       the same with FIFO layers
  ma-rec     ma without the converter's keys: the keys read off the records (what a caller with
             records only, a UDF or a test, pays)
  flow       engine.stock.process_stock, moving average: pricing (Net/Tax/Total, FX) + the ledger
             + the Order Results / Stock Valuation / Reorder rows (what the job will call)
  convert    Tables -> records (engine.stock.stock_inputs), measured separately: the Tables are
             built here as reading builds them (frame indexed by Excel row, exact decimal128
             numbers, datetime64[s] dates, Arrow strings)

Target (issue 10): the engine alone (ma and fifo: records in, results out) <= 0.5 s; the verdict
is printed last. A step's result is freed after its clocks stop (its caller keeps it). Before
the timings, the results are checked: with and without the converter's keys the ledger is the
same, Decimal for Decimal, under both methods, and every SKU's value is conserved to the cent.
The data are seeded: the same arguments always give the same events.

    python benchmarks/stock.py                # 100,000 lines, 50,000 movements, 1,000 SKUs, 5 runs
    python benchmarks/stock.py --runs 3 --lines 20000 --movements 10000
    python benchmarks/stock.py --file         # the same data as a workbook file, the whole run
                                              # beside a bare read (book cached in .cache/)
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.fx import rate_book
from engine.money import decimal_series, round_money
from engine.schema import ORDERS, STOCK, STOCK_MOVEMENTS, Kind, SheetSpec
from engine.stock import StockInputs, StockSettings, process_stock, stock_inputs
from engine.stock_inputs import Item, Movement, OrderLine
from engine.stock_ledger import Ledger, run_ledger
from engine.tables import Table
from workbooks.memory import cell_text
from workbooks.model import TEXT, column_letter

TARGET = 0.5
TARGET_RATIO = TARGET / 0.31  # the target over the plain loop's time where it was set
FIRST_DAY = date(2026, 10, 1)


def tables(lines: int, movements: int, skus: int, seed: int = 10) -> dict[str, Table]:
    """Stock, Stock Movements and Orders Tables as reading builds them (seeded)."""
    return {spec.name: _table(spec, data) for spec, data in
            raw_data(lines, movements, skus, seed).items()}


def raw_data(lines: int, movements: int, skus: int, seed: int = 10) -> dict[SheetSpec, dict[str, list]]:  # type: ignore[type-arg]
    """The columns of Stock, Stock Movements and Orders as Python values (seeded)."""
    rnd = random.Random(seed)
    codes = [f"SKU-{i:05d}" for i in range(skus)]
    stock = {"SKU": codes, "Description": [f"Item {i}" for i in range(skus)],
             "Opening Qty": [float(rnd.randint(0, 200)) for _ in codes],
             "Opening Unit Cost": [rnd.randint(100, 5000) / 100 for _ in codes],
             "Reorder Point": [float(rnd.randint(0, 50)) for _ in codes],
             "Reorder Qty": [float(rnd.randint(10, 100)) for _ in codes]}
    kinds = rnd.choices(["IN", "OUT", "ADJ"], weights=[6, 3, 1], k=movements)
    moves = {"Date": [pd.Timestamp(FIRST_DAY + timedelta(days=rnd.randint(0, 30))) for _ in kinds],
             "SKU": [rnd.choice(codes) for _ in kinds], "Type": kinds,
             "Quantity": [float(rnd.randint(1, 20)) if k == "IN" else float(rnd.randint(1, 8))
                          if k == "OUT" else float(rnd.randint(-3, 3) or 1) for k in kinds],
             "Unit Cost": [rnd.randint(100, 5000) / 100 if k == "IN" else float("nan") for k in kinds],
             "Reference": [f"MV-{i}" for i in range(movements)]}
    orders = {"Order ID": [f"SO-{i // 3:06d}" for i in range(lines)],
              "Line": [float(i % 3 + 1) for i in range(lines)],
              "Order Date": [pd.Timestamp(FIRST_DAY + timedelta(days=rnd.randint(0, 30)))
                             for _ in range(lines)],
              "Customer": [f"Customer {rnd.randint(1, 500)}" for _ in range(lines)],
              "SKU": [rnd.choice(codes) for _ in range(lines)],
              "Quantity": [float(rnd.randint(1, 5)) for _ in range(lines)],
              "Unit Price": [rnd.randint(100, 20000) / 100 for _ in range(lines)],
              "Discount": [rnd.choice([0.0, 0.05, 0.1]) for _ in range(lines)],
              "Tax Rate": [rnd.choice([0.0, 0.12, 0.18]) for _ in range(lines)],
              "Currency": [rnd.choice(["BRL", "BRL", "BRL", "USD"]) for _ in range(lines)],
              "Priority": [float(rnd.choice([0, 0, 0, 1, 2])) for _ in range(lines)]}
    return {STOCK: stock, STOCK_MOVEMENTS: moves, ORDERS: orders}


EXACT = (Kind.MONEY, Kind.NUMBER, Kind.PERCENT)


def _series(kind: Kind, values: list) -> pd.Series:  # type: ignore[type-arg]
    """A column the way reading gives it: exact decimal128 numbers (through a cell's shortest
    text: 2.0 is "2"), datetime64[s] dates, Arrow strings, float64 whole numbers."""
    if kind in EXACT:
        return decimal_series([None if v != v else Decimal(cell_text(v)) for v in values])
    if kind is Kind.DATE:
        return pd.Series(values).astype("datetime64[s]")
    if kind is Kind.INTEGER:
        return pd.Series(values, dtype="float64")
    return pd.Series(values, dtype=TEXT)


def _table(spec, data: dict[str, list]) -> Table:  # type: ignore[no-untyped-def]
    kinds = {c.name: c.kind for c in spec.columns}
    frame = pd.DataFrame({name: _series(kinds[name], values) for name, values in data.items()})
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    letters = {name: column_letter(i + 1) for i, name in enumerate(data)}
    return Table(spec, spec.name, 1, frame, letters)


def plain_loop(items: list[Item], movements: list[Movement], lines: list[OrderLine]) -> Decimal:
    """The reference: a bare moving-average loop over the same events, sorted beforehand."""
    events: dict[str, list[tuple[date, int, Decimal, Decimal | None]]] = {}
    for m in movements:
        quantity = m.quantity or Decimal(0)
        signed = quantity if m.kind == "IN" else -quantity if m.kind == "OUT" else quantity
        events.setdefault(m.sku_key, []).append((m.date or FIRST_DAY, 0, signed, m.unit_cost))
    for line in lines:
        events.setdefault(line.sku_key, []).append((line.order_date or FIRST_DAY, 1,
                                                    -(line.quantity or Decimal(0)), None))
    for sku_events in events.values():
        sku_events.sort(key=lambda e: (e[0], e[1]))
    opening = {i.sku_key: (i.opening_qty, round_money(i.opening_qty * i.opening_unit_cost))
               for i in items}
    started, cpu = time.perf_counter(), time.process_time()
    total_out = Decimal(0)
    for sku, sku_events in events.items():
        qty, value = opening.get(sku, (Decimal(0), Decimal(0)))
        for _, _, q, cost in sku_events:
            if q > 0:
                qty += q
                value += round_money(q * (cost if cost is not None else value / qty))
            elif qty > 0:
                q = min(-q, qty)
                out = round_money(value * q / qty)
                qty, value, total_out = qty - q, value - out, total_out + out
    plain_loop.elapsed = (time.perf_counter() - started,  # type: ignore[attr-defined]
                          time.process_time() - cpu)
    return total_out


def check(inputs: StockInputs) -> None:
    """The results before the timings: the ledger from the converter's keys is the ledger from
    the records' (rows, allocations, totals, issues: every Decimal's value and exponent), under
    both methods, and opening + received = issued + closing, in value, for every SKU."""
    for method in ("moving_average", "fifo"):
        fast = run_ledger(inputs.items, inputs.movements, inputs.lines, method, keys=inputs.keys)
        plain = run_ledger(inputs.items, inputs.movements, inputs.lines, method)
        if _exactly(fast) != _exactly(plain):
            raise SystemExit(f"{method}: the ledger from the converter's keys differs")
        for t in fast.totals:
            if t.opening_value + t.received_value != t.issued_value + t.closing_value:
                raise SystemExit(f"{method}: value not conserved for {t.sku}")
    print("results checked: the same ledger from the converter's keys and from the records, "
          "value conserved per SKU (both methods)")


def _exactly(ledger: Ledger) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]], list[str],
                                      list[str]]:
    return ([tuple(map(repr, row)) for row in ledger.rows],
            [tuple(map(repr, ledger.allocation(i))) for i in range(len(ledger.lines))],
            [repr(t) for t in ledger.totals], [repr(i) for i in ledger.issues])


def timed(step: Callable[[], object]) -> tuple[float, float]:
    """(wall, CPU) seconds of one call. The result is freed after the clocks stop: its caller
    keeps it (freeing the ledger's ~150,000 rows took 0.04 s, not the engine's work; the plain
    loop's figure leaves out its own setup and teardown too)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = step()
    elapsed = time.perf_counter() - started, time.process_time() - cpu
    del result
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--movements", type=int, default=50_000)
    parser.add_argument("--skus", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    built = tables(args.lines, args.movements, args.skus)
    rates = rate_book([("USD", FIRST_DAY, Decimal("5.40")), ("USD", date(2026, 10, 15),
                                                                Decimal("5.45"))], "BRL")
    inputs = stock_inputs(built, {"functionalcurrency": "BRL"})
    inputs = StockInputs(inputs.items, inputs.movements, inputs.lines, rates, inputs.settings,
                         inputs.keys)
    fifo = StockInputs(inputs.items, inputs.movements, inputs.lines, rates,
                       StockSettings(method="fifo"), inputs.keys)
    steps: dict[str, Callable[[], object]] = {
        "plain": lambda: plain_loop(inputs.items, inputs.movements, inputs.lines),
        "ma": lambda: run_ledger(inputs.items, inputs.movements, inputs.lines, "moving_average",
                                 keys=inputs.keys),
        "fifo": lambda: run_ledger(fifo.items, fifo.movements, fifo.lines, "fifo", keys=fifo.keys),
        "ma-rec": lambda: run_ledger(inputs.items, inputs.movements, inputs.lines,
                                     "moving_average"),
        "flow": lambda: process_stock(inputs),
        "convert": lambda: stock_inputs(built, {"functionalcurrency": "BRL"}),
    }
    check(inputs)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in steps}
    for _ in range(args.runs):
        for name, step in steps.items():
            elapsed = timed(step)
            times[name].append(plain_loop.elapsed if name == "plain" else elapsed)  # type: ignore[attr-defined]
    outcome = process_stock(inputs)
    print(f"{args.lines:,} order lines + {args.movements:,} movements over {args.skus:,} SKUs, "
          f"median of {args.runs}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("  step       wall (min)          CPU     x plain (CPU)")
    plain_cpu = statistics.median(c for _, c in times["plain"])
    for name, values in times.items():
        wall, cpu = statistics.median(w for w, _ in values), statistics.median(c for _, c in values)
        print(f"  {name:8} {wall:6.3f} s ({min(w for w, _ in values):.3f})  {cpu:6.3f} s  "
              f"{cpu / plain_cpu:5.2f}")
    statuses: dict[str, int] = {}
    for row in outcome.orders:
        statuses[row.status] = statuses.get(row.status, 0) + 1
    print(f"  ledger rows {len(outcome.ledger):,}; statuses {statuses}; "
          f"stock.negative issues {sum(i.rule == 'stock.negative' for i in outcome.issues):,}; "
          f"reorder rows {len(outcome.reorder):,}")
    worst = max(statistics.median(w for w, _ in times[name]) for name in ("ma", "fifo"))
    verdict = "within" if worst <= TARGET else "OVER"
    print(f"verdict: engine alone (slower of ma/fifo, wall) {worst:.3f} s, {verdict} the {TARGET} s "
          f"target (the plain loop took {statistics.median(w for w, _ in times['plain']):.3f} s "
          "in this run; the target was set where it takes 0.31 s)")
    ratio = max(statistics.median(c for _, c in times[name]) for name in ("ma", "fifo")) / plain_cpu
    verdict = "within" if ratio <= TARGET_RATIO else "OVER"
    print(f"verdict, machine-independent: the slower of ma/fifo is {ratio:.2f}x the plain loop's "
          f"CPU, {verdict} the target's {TARGET_RATIO:.2f}x (0.5 s / 0.31 s)")


# --------------------------------------------------------------------------- the file run

CACHE = Path(__file__).resolve().parent / ".cache"
RATES = [("USD", FIRST_DAY, Decimal("5.40")), ("USD", date(2026, 10, 15), Decimal("5.45"))]


def _cell(kind: Kind, value: object) -> object:
    """A benchmark value as typed into a cell: exact Decimals, dates, whole numbers."""
    if isinstance(value, float):
        if value != value:
            return None
        return int(value) if kind is Kind.INTEGER else Decimal(cell_text(value) or "0")
    return value.date() if isinstance(value, pd.Timestamp) else value


def book_file(lines: int, movements: int, skus: int) -> Path:
    """The benchmark's sheets (+ Config, FX Rates) as an .xlsx, written once and cached."""
    from workbooks.input_book import BookProperties, InputSheet, write_input_book

    path = CACHE / f"stock-{lines}-{movements}-{skus}.xlsx"
    if path.exists():
        return path
    CACHE.mkdir(exist_ok=True)
    sheets = [InputSheet("Config", ("Key", "Value"), [
        {"Key": "Period", "Value": "2026-10"}, {"Key": "Functional Currency", "Value": "BRL"}])]
    for spec, data in raw_data(lines, movements, skus).items():
        kinds = {c.name: c.kind for c in spec.columns}
        rows = [{name: _cell(kinds[name], value) for name, value in zip(data, values, strict=True)}
                for values in zip(*data.values(), strict=True)]
        sheets.append(InputSheet(spec.name, tuple(data), rows))
    sheets.append(InputSheet("FX Rates", ("Currency", "Date", "Rate"),
                             [{"Currency": c, "Date": d, "Rate": r} for c, d, r in RATES]))
    partial = path.with_suffix(".partial.xlsx")
    partial.unlink(missing_ok=True)
    write_input_book(partial, sheets, BookProperties("benchmark", "stock benchmark",
                                                     datetime(2026, 11, 1)))
    partial.replace(path)
    return path


def bare_read(path: Path) -> None:
    """fastexcel reading every sheet of the book as text, nothing else (the floor)."""
    from fastexcel import read_excel

    reader = read_excel(str(path))
    for name in reader.sheet_names:
        reader.load_sheet(name, header_row=None, dtypes="string").to_arrow()


def file_main(args: argparse.Namespace) -> None:
    """`--file`: the same data as a workbook file; `process orders` + `process stock` in one run
    (the steps `process all` runs for this flow: one read and validation, one engine pass, four
    output sheets, one save) beside a bare read of the same file, in the same run."""
    from addin.commands import ORDERS as ORDERS_STEP
    from addin.commands import STOCK as STOCK_STEP
    from addin.runner import FileTarget, run_steps
    from workbooks.reading import read_workbook
    from workbooks.xlsx_file import FileWorkbook

    source = book_file(args.lines, args.movements, args.skus)
    work = Path(tempfile.mkdtemp(prefix="stock-bench-"))  # the audit head goes beside the copy

    def run(dry: bool) -> None:
        book = work / f"book-{time.perf_counter_ns()}.xlsx"  # a fresh copy (and audit head)
        shutil.copy(source, book)  # each time: no output sheets from the last run
        run_steps(FileTarget(book), [ORDERS_STEP, STOCK_STEP], dry_run=dry)

    def process_all() -> None:
        """`backoffice process all --json` on a fresh copy, as a fresh process (start-up and
        imports included), as a user runs it."""
        book = work / f"all-{time.perf_counter_ns()}.xlsx"
        shutil.copy(source, book)
        done = subprocess.run([sys.executable, "-m", "addin.cli", "process", "all", "--json",
                               str(book)], capture_output=True, text=True, check=False,
                              cwd=Path(__file__).resolve().parent.parent)
        if done.returncode not in (0, 1):
            raise SystemExit(f"process all failed ({done.returncode}): {done.stderr[-2000:]}")

    steps: dict[str, Callable[[], object]] = {
        "bare": lambda: bare_read(source),
        "read": lambda: read_workbook(FileWorkbook.open(source)),
        "dry-run": lambda: run(True),
        "run": lambda: run(False),
        "cli": process_all,
    }
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in steps}
    for _ in range(args.runs):
        for name, step in steps.items():
            times[name].append(timed(step))
    shutil.rmtree(work, ignore_errors=True)
    print(f"{source.name} ({source.stat().st_size / 1e6:.1f} MB), median of {args.runs}; load "
          f"average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    bare = statistics.median(w for w, _ in times["bare"])
    for name, label in (("bare", "bare fastexcel read of every sheet"),
                        ("read", "our read (typed tables, source cells)"),
                        ("dry-run", "read + validate + engine + sheets, no save"),
                        ("run", "the whole run: + write 4 sheets, Issues, marks, save"),
                        ("cli", "`backoffice process all` as a fresh process (every flow)")):
        wall = statistics.median(w for w, _ in times[name])
        print(f"  {name:8} {wall:6.2f} s  {wall / bare:5.2f}x bare   {label}")


if __name__ == "__main__":
    if "--file" in sys.argv:
        sys.argv.remove("--file")
        parser = argparse.ArgumentParser()
        for option, default in (("--lines", 100_000), ("--movements", 50_000), ("--skus", 1_000),
                                ("--runs", 3)):
            parser.add_argument(option, type=int, default=default)
        file_main(parser.parse_args())
    else:
        main()
