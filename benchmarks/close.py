"""The whole `backoffice close BOOK` on a big month: 100,000 order lines, 20,000 invoices (and
their payments), 1,000 employees and 50,000 stock movements over 1,000 SKUs, as a fresh process,
beside a bare fastexcel read of the same book in the same run.

The book (seeded: the same arguments always give the same book) is written once with XlsxWriter
into benchmarks/.cache/ and reused. Each timed run copies it to a scratch file first (outside the
timing: a close writes into its book and locks the period) and runs the command in a new Python
process: start-up, imports, reading, validation, every flow's step (orders, stock, invoices,
payroll, each writing its sheets), the journal, trial balance, checklist, Close Report and the
one safe save. The bare read is fastexcel loading every input sheet to Arrow in a fresh process
(what any tool must do at least). Median of 3 (--runs); wall and CPU (the child's user + system)
and the load average are printed. Target (issue 13): <= 10 s end to end.

    python benchmarks/close.py
    python benchmarks/close.py --lines 20000 --invoices 4000 --employees 200 --movements 10000
    python benchmarks/close.py --profile      # one run under cProfile: where the time goes
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from addin.demo.book import _cpf_check_digits, _format_cpf  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
SHEETS = ("Config", "Orders", "Invoices", "Payments", "Payroll", "Stock", "Stock Movements",
          "FX Rates")
BARE_READ = """
import sys, fastexcel
book = fastexcel.read_excel(sys.argv[1])
print(sum(book.load_sheet(name).to_arrow().num_rows for name in book.sheet_names))
"""
OCT = datetime(2026, 10, 1)


def _day(rng: random.Random) -> datetime:
    return OCT + timedelta(days=rng.randrange(31))


def write_book(path: Path, lines: int, invoices: int, employees: int, movements: int,
               skus: int = 1000, seed: int = 13) -> Path:
    """The benchmark book (XlsxWriter, constant memory: rows streamed to disk)."""
    import xlsxwriter

    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    config = book.add_worksheet("Config")
    for r, row in enumerate([("Key", "Value"), ("Period", "2026-10"), ("Company", "Bench Ltda"),
                             ("Functional Currency", "BRL"), ("Locale", "en"),
                             ("Valuation Method", "moving_average"), ("Payroll Rules", "BR-2026")]):
        config.write_row(r, 0, row)
    codes = [f"SKU-{n:05d}" for n in range(skus)]
    _orders(book.add_worksheet("Orders"), rng, lines, codes, day)
    _invoices(book, rng, invoices, day)
    _payroll(book.add_worksheet("Payroll"), rng, employees)
    stock = book.add_worksheet("Stock")
    stock.write_row(0, 0, ("SKU", "Description", "Opening Qty", "Opening Unit Cost",
                           "Reorder Point", "Reorder Qty"))
    for r, code in enumerate(codes, 1):  # enough on hand that the month's demand rarely runs out
        stock.write_row(r, 0, (code, f"Item {code}", rng.randrange(600, 1000),
                               rng.randrange(500, 20000) / 100, 50, 100))
    moves = book.add_worksheet("Stock Movements")
    moves.write_row(0, 0, ("Date", "SKU", "Type", "Quantity", "Unit Cost", "Reference"))
    for r in range(1, movements + 1):
        kind = rng.choices(("IN", "OUT", "ADJ"), (6, 3, 1))[0]
        moves.write_datetime(r, 0, _day(rng), day)
        moves.write_string(r, 1, rng.choice(codes))
        moves.write_string(r, 2, kind)
        moves.write_number(r, 3, rng.randrange(1, 20) if kind != "ADJ" else rng.choice((-1, 1)))
        if kind == "IN":
            moves.write_number(r, 4, rng.randrange(500, 20000) / 100)
        moves.write_string(r, 5, f"MV-{r}")
    rates = book.add_worksheet("FX Rates")
    rates.write_row(0, 0, ("Currency", "Date", "Rate"))
    for r in range(123):  # USD daily from 2026-07-01 (invoices go back to August)
        rates.write_string(r + 1, 0, "USD")
        rates.write_datetime(r + 1, 1, datetime(2026, 7, 1) + timedelta(days=r), day)
        rates.write_number(r + 1, 2, round(5.3 + 0.002 * r, 4))
    book.close()
    return path


def _orders(sheet, rng: random.Random, lines: int, codes: list[str], day) -> None:  # type: ignore[no-untyped-def]
    sheet.write_row(0, 0, ("Order ID", "Line", "Order Date", "Customer", "SKU", "Quantity",
                           "Unit Price", "Discount", "Tax Rate", "Currency", "Priority"))
    r, order = 1, 0
    while r <= lines:
        order += 1
        when, customer = _day(rng), f"Customer {rng.randrange(3000):04d}"
        currency = "USD" if rng.random() < 0.05 else "BRL"
        for line in range(1, min(rng.randrange(1, 6), lines - r + 1) + 1):
            sheet.write_row(r, 0, (f"SO-{order:06d}", line))
            sheet.write_datetime(r, 2, when, day)
            sheet.write_row(r, 3, (customer, rng.choice(codes), rng.randrange(1, 4),
                                   rng.randrange(1000, 50000) / 100, rng.choice((0, 0, 0.05)),
                                   rng.choice((0, 0.1, 0.18)), currency, rng.randrange(3)))
            r += 1


def _invoices(book, rng: random.Random, count: int, day) -> None:  # type: ignore[no-untyped-def]
    sheet = book.add_worksheet("Invoices")
    sheet.write_row(0, 0, ("Invoice No", "Type", "Party", "Issue Date", "Due Date", "Amount", "Tax",
                           "Currency"))
    paid = []
    for r in range(1, count + 1):
        kind = "AR" if rng.random() < 0.6 else "AP"
        party = f"{'Client' if kind == 'AR' else 'Supplier'} {rng.randrange(2000):04d}"
        issued = datetime(2026, 8, 1) + timedelta(days=rng.randrange(92))
        amount = rng.randrange(10000, 2000000) / 100
        currency = "USD" if rng.random() < 0.05 else "BRL"
        number = f"{kind}-{r:06d}"
        sheet.write_row(r, 0, (number, kind, party))
        sheet.write_datetime(r, 3, issued, day)
        sheet.write_datetime(r, 4, issued + timedelta(days=30), day)
        sheet.write_row(r, 5, (amount, round(amount * 0.1, 2), currency))
        if rng.random() < 0.5:
            paid.append((number, kind, party, issued, amount, currency))
    sheet = book.add_worksheet("Payments")
    sheet.write_row(0, 0, ("Payment Date", "Type", "Party", "Invoice No", "Amount", "Currency"))
    for r, (number, kind, party, issued, amount, currency) in enumerate(paid, 1):
        when = min(issued + timedelta(days=rng.randrange(1, 40)), datetime(2026, 10, 31))
        sheet.write_datetime(r, 0, max(when, issued), day)
        sheet.write_row(r, 1, (kind, party, number,
                               amount if rng.random() < 0.7 else round(amount / 2, 2), currency))


def _payroll(sheet, rng: random.Random, count: int) -> None:  # type: ignore[no-untyped-def]
    sheet.write_row(0, 0, ("Employee ID", "Name", "Period", "Base Salary", "Overtime Hours", "Bonus",
                           "Other Deductions", "Dependents", "Tax ID", "Bank Account"))
    for r in range(1, count + 1):
        base = [rng.randrange(10) for _ in range(9)]
        sheet.write_row(r, 0, (f"E{r:05d}", f"Employee {r}", "2026-10",
                               rng.randrange(162100, 2500000) / 100, rng.choice((0, 0, 4, 10)),
                               rng.choice((0, 0, 500)), rng.choice((0, 0, 120.5)),
                               rng.randrange(4), _format_cpf([*base, *_cpf_check_digits(base)]),
                               f"0001-{r:06d}"))


def cached_book(lines: int, invoices: int, employees: int, movements: int) -> Path:
    """The book of this size from benchmarks/.cache/, written the first time."""
    path = CACHE / f"close-{lines}-{invoices}-{employees}-{movements}.xlsx"
    if not path.exists():
        start = time.perf_counter()
        scratch = path.with_suffix(".tmp.xlsx")
        write_book(scratch, lines, invoices, employees, movements).replace(path)
        print(f"wrote {path.name} in {time.perf_counter() - start:.1f} s")
    return path


def fresh_run(args: list[str], book: Path) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """(wall s, CPU s of the child) of one fresh Python process on a scratch copy of `book`."""
    with tempfile.TemporaryDirectory(prefix="bo-bench-") as folder:
        copy = Path(folder) / book.name
        shutil.copyfile(book, copy)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, *args, str(copy)], cwd=ROOT, capture_output=True,
                              text=True, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)})
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return wall, cpu, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=20_000)
    parser.add_argument("--employees", type=int, default=1_000)
    parser.add_argument("--movements", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="one close under cProfile")
    args = parser.parse_args()
    book = cached_book(args.lines, args.invoices, args.employees, args.movements)
    print(f"book: {book.name} ({book.stat().st_size / 2**20:.1f} MiB); "
          f"load average {os.getloadavg()[0]:.2f} at start")
    if args.profile:
        stats = CACHE / "close.prof"
        wall, _, done = fresh_run(["-m", "cProfile", "-o", str(stats), "-m", "addin.cli", "close"],
                                  book)
        print(f"profiled close: {wall:.2f} s (exit {done.returncode}); "
              f"python -m pstats {stats} -> sort cumulative")
        return
    closes, reads = [], []
    summary: dict[str, object] = {}
    for _ in range(args.runs):  # interleaved, so both see the same machine load
        wall, cpu, done = fresh_run(["-m", "addin.cli", "close", "--json"], book)
        if done.returncode not in (0, 1):
            raise SystemExit(f"close failed ({done.returncode}): {done.stderr[-2000:]}")
        closes.append((wall, cpu))
        summary = json.loads(done.stdout)["summary"]
        wall, cpu, done = fresh_run(["-c", BARE_READ], book)
        if done.returncode:
            raise SystemExit(f"fastexcel read failed: {done.stderr[-2000:]}")
        reads.append((wall, cpu))
    close_wall, read_wall = (statistics.median(w for w, _ in runs) for runs in (closes, reads))
    close_cpu, read_cpu = (statistics.median(c for _, c in runs) for runs in (closes, reads))
    print(f"closed: {summary.get('closed')}; {summary.get('entries'):,} entries, "
          f"{summary.get('postings'):,} postings")
    print(f"{'step':40} {'wall s':>7} {'CPU s':>7} {'min s':>7} {'max s':>7}")
    for name, runs, wall, cpu in (("backoffice close (fresh process)", closes, close_wall,
                                   close_cpu),
                                  ("bare fastexcel read, every sheet", reads, read_wall,
                                   read_cpu)):
        walls = [w for w, _ in runs]
        print(f"{name:40} {wall:7.2f} {cpu:7.2f} {min(walls):7.2f} {max(walls):7.2f}")
    print(f"ratio: {close_wall / read_wall:.1f}x the bare read; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")
    print(f"target <= 10 s: {'met' if close_wall <= 10 else 'NOT met'}")


if __name__ == "__main__":
    main()
