"""The whole `backoffice process invoices BOOK` on a 200,000-invoice, 200,000-payment book,
as a fresh process, beside a bare fastexcel read of the same sheets in the same run.

The book (Config, Invoices, Payments, FX Rates; the seeded rows of benchmarks/aging.py:
~5,000 parties, AR and AP, 5% in USD, partial and late payments, 1% matching no invoice) is
written once into benchmarks/.cache/ with XlsxWriter and reused. Each timed run copies it to a
scratch file first (outside the timing: every run writes into its book) and runs the command
in a new Python process, so the figure includes start-up, imports, reading, validation, the
engine, laying out the four output sheets (Invoice Status has a row per invoice aged) and the
safe save. The bare read is fastexcel loading the Invoices and Payments sheets to Arrow (what
any tool must do at least), also in a fresh process. Median of 3 (--runs).

    python benchmarks/invoices_cli.py                  # 200,000 + 200,000
    python benchmarks/invoices_cli.py --invoices 20000 --payments 20000 --runs 3
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.aging import make_inputs  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
BARE_READ = """
import sys, fastexcel
book = fastexcel.read_excel(sys.argv[1])
rows = sum(book.load_sheet(name).to_arrow().num_rows for name in ("Invoices", "Payments"))
print(rows)
"""


def write_book(path: Path, invoices: int, payments: int) -> Path:
    """The benchmark book (XlsxWriter, constant memory: rows streamed to disk)."""
    import xlsxwriter

    inv, pay = make_inputs(invoices, payments, foreign=0.05)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    day, money = book.add_format({"num_format": "yyyy-mm-dd"}), book.add_format({"num_format": "#,##0.00"})
    config = book.add_worksheet("Config")
    for r, row in enumerate([("Key", "Value"), ("Period", "2026-10"), ("Functional Currency", "BRL")]):
        config.write_row(r, 0, row)
    sheet = book.add_worksheet("Invoices")
    sheet.write_row(0, 0, ("Invoice No", "Type", "Party", "Issue Date", "Due Date", "Amount", "Currency"))
    columns = (inv.invoice_no.tolist(), inv.kind.tolist(), inv.party.tolist(), _days(inv.issue_date),
               _days(inv.due_date), (inv.amount / 100).tolist(), inv.currency.tolist())
    for r, (number, kind, party, issued, due, amount, code) in enumerate(zip(*columns, strict=True), 1):
        sheet.write_string(r, 0, number)
        sheet.write_string(r, 1, kind)
        sheet.write_string(r, 2, party)
        sheet.write_datetime(r, 3, issued, day)
        sheet.write_datetime(r, 4, due, day)
        sheet.write_number(r, 5, amount, money)
        sheet.write_string(r, 6, code)
    sheet = book.add_worksheet("Payments")
    sheet.write_row(0, 0, ("Payment Date", "Type", "Party", "Invoice No", "Amount", "Currency"))
    columns = (_days(pay.date), pay.kind.tolist(), pay.party.tolist(), pay.invoice_no.tolist(),
               (pay.amount / 100).tolist(), pay.currency.tolist())
    for r, (when, kind, party, number, amount, code) in enumerate(zip(*columns, strict=True), 1):
        sheet.write_datetime(r, 0, when, day)
        sheet.write_string(r, 1, kind)
        sheet.write_string(r, 2, party)
        sheet.write_string(r, 3, number)
        sheet.write_number(r, 4, amount, money)
        if code:
            sheet.write_string(r, 5, code)
    rates = book.add_worksheet("FX Rates")
    rates.write_row(0, 0, ("Currency", "Date", "Rate"))
    rates.write_string(1, 0, "USD")
    rates.write_datetime(1, 1, datetime(2025, 12, 31), day)
    rates.write_number(1, 2, 5.4321)
    book.close()
    return path


def _days(values: np.ndarray) -> list[datetime]:
    return values.astype("datetime64[s]").astype(datetime).tolist()  # type: ignore[no-any-return]


def cached_book(invoices: int, payments: int) -> Path:
    """The book of this size from benchmarks/.cache/, written the first time."""
    path = CACHE / f"invoices-{invoices}-{payments}.xlsx"
    if not path.exists():
        start = time.perf_counter()
        scratch = path.with_suffix(".tmp.xlsx")
        write_book(scratch, invoices, payments).replace(path)
        print(f"wrote {path.name} in {time.perf_counter() - start:.1f} s")
    return path


def fresh_run(args: list[str], book: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall seconds of one fresh Python process on a scratch copy of `book`."""
    with tempfile.TemporaryDirectory(prefix="bo-bench-") as folder:
        copy = Path(folder) / book.name
        shutil.copyfile(book, copy)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, *args, str(copy)], cwd=ROOT, capture_output=True,
                              text=True, check=False)
        return time.perf_counter() - start, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=200_000)
    parser.add_argument("--payments", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    book = cached_book(args.invoices, args.payments)
    print(f"book: {book.name} ({book.stat().st_size / 2**20:.1f} MiB)")
    command, bare = [], []
    for _ in range(args.runs):  # interleaved, so both see the same machine load
        seconds, done = fresh_run(["-m", "addin.cli", "process", "invoices", "--json"], book)
        if done.returncode not in (0, 1):
            raise SystemExit(f"process invoices failed ({done.returncode}): {done.stderr[-2000:]}")
        command.append(seconds)
        summary = json.loads(done.stdout)["summary"]["invoices"]
        seconds, done = fresh_run(["-c", BARE_READ], book)
        if done.returncode:
            raise SystemExit(f"fastexcel read failed: {done.stderr[-2000:]}")
        bare.append(seconds)
    cmd, read = statistics.median(command), statistics.median(bare)
    print(f"aged: {summary['invoices']:,} invoices ({summary['open']:,} open), "
          f"AR {summary['outstanding']['AR']}, AP {summary['outstanding']['AP']}")
    print(f"{'step':44} {'median s':>9} {'min s':>7} {'max s':>7}")
    print(f"{'backoffice process invoices (fresh process)':44} {cmd:9.2f} {min(command):7.2f} "
          f"{max(command):7.2f}")
    print(f"{'bare fastexcel read, 2 sheets (fresh process)':44} {read:9.2f} {min(bare):7.2f} "
          f"{max(bare):7.2f}")
    print(f"ratio: {cmd / read:.1f}x the bare read")


if __name__ == "__main__":
    main()
