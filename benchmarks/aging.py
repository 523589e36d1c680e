"""How long aging 200,000 invoices against 200,000 payments takes: target 0.25 s.

The engine path (engine.aging.age + engine.cashflow.forecast) over seeded typed columnar
inputs (what engine.aging_inputs builds from the sheets): ~5,000 parties, AR and AP, 5% of
invoices in USD, issue dates over 2026, a quarter of them after the as-of date (cut-off),
payments partial, full or late, some after the as-of date, some in another currency, some
matching no invoice. Beside it, in the same run, a plain pandas version in integer cents
(filter, group, map, cut, pivot, and the forecast), functional currency only, as the reference
the issue names (0.10 s on the machine the figure was taken). Both report the median of 5 runs;
the run also checks the two agree on the AR and AP totals of same-currency books.

    python benchmarks/aging.py                 # 200,000 + 200,000, median of 5
    python benchmarks/aging.py --invoices 50000 --payments 50000 --runs 9
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.aging import DEFAULT_BUCKETS, AgingResult, age
from engine.aging_inputs import InvoiceInputs, PaymentInputs, invoices_from_table, payments_from_table
from engine.cashflow import forecast
from engine.fx import rate_book
from engine.schema import INVOICES, PAYMENTS
from engine.tables import Table

TARGET_S = 0.25
PANDAS_REFERENCE_S = 0.10  # the plain pandas version on the machine the issue measured
AS_OF = date(2026, 10, 31)


def make_inputs(invoices: int, payments: int, foreign: float,
                seed: int = 11) -> tuple[InvoiceInputs, PaymentInputs]:
    """Seeded invoices and payments (`foreign`: the share in USD, invoices and payments)."""
    rng = np.random.default_rng(seed)
    kind = np.where(rng.random(invoices) < 0.6, "AR", "AP")
    party = np.char.add("Party ", rng.integers(1, 5000, invoices).astype(str))
    number = np.char.add("NF-", np.arange(1, invoices + 1).astype(str))
    issue = np.datetime64("2026-01-01") + rng.integers(0, 400, invoices)
    due = issue + rng.choice([0, 15, 30, 45, 60, 90], invoices)
    amount = rng.integers(1_000, 5_000_000, invoices)
    currency = np.where(rng.random(invoices) < foreign, "USD", "BRL")
    # Each payment settles one invoice in full, a half or a third (a few invoices twice);
    # most are dated after the issue date, some after the as-of date.
    which = rng.permutation(invoices)[:payments] if payments <= invoices \
        else rng.integers(0, invoices, payments)
    paid = np.maximum(1, amount[which] // rng.choice([1, 1, 1, 2, 3], payments))
    when = issue[which] + rng.integers(0, 120, payments) - (rng.random(payments) < 0.005) * 10
    pay_currency = np.where(rng.random(payments) < foreign / 5, "BRL", "")
    orphan = rng.random(payments) < 0.01
    pay_number = np.where(orphan, "NF-X", number[which])
    text = "string[pyarrow]"
    inv = InvoiceInputs(pd.Series(kind, dtype=text), pd.Series(number, dtype=text),
                        pd.Series(party, dtype=text), issue, due, amount.astype(np.int64),
                        np.zeros(invoices, np.int64), pd.Series(currency, dtype=text),
                        np.arange(2, invoices + 2, dtype=np.int64))
    pay = PaymentInputs(pd.Series(kind[which], dtype=text), pd.Series(pay_number, dtype=text),
                        pd.Series(party[which], dtype=text), when, paid.astype(np.int64),
                        pd.Series(pay_currency, dtype=text), np.arange(2, payments + 2, dtype=np.int64))
    return inv, pay


RATES = rate_book([("USD", date(2025, 12, 31), Decimal("5.4321"))], "BRL")


def engine_run(inv: InvoiceInputs, pay: PaymentInputs) -> AgingResult:
    """The engine: aging and the 13-week forecast."""
    result = age(inv, pay, AS_OF, RATES)
    forecast(result)
    return result


def pandas_run(inv: InvoiceInputs, pay: PaymentInputs) -> dict[str, int]:
    """Plain pandas in integer cents: filter, group, map, cut, pivot, forecast."""
    day = np.datetime64(AS_OF, "D")
    invoices = pd.DataFrame({"t": inv.kind, "p": inv.party, "n": inv.invoice_no, "i": inv.issue_date,
                             "d": inv.due_date, "a": inv.amount})
    payments = pd.DataFrame({"t": pay.kind, "p": pay.party, "n": pay.invoice_no, "w": pay.date,
                             "a": pay.amount})
    invoices = invoices[invoices["i"] <= day]
    paid = payments[payments["w"] <= day].groupby(["t", "p", "n"])["a"].sum()
    invoices = invoices.join(paid.rename("paid"), on=["t", "p", "n"])
    invoices["o"] = invoices["a"] - invoices["paid"].fillna(0).astype(np.int64)
    open_ = invoices[invoices["o"] > 0]
    days = (day - open_["d"].to_numpy(dtype="datetime64[D]")).astype(np.int64)
    edges = [-10**9, 0, *DEFAULT_BUCKETS, 10**9]
    bucket = pd.cut(days, edges, labels=False)
    table = open_.assign(b=bucket).pivot_table(index=["t", "p"], columns="b", values="o", aggfunc="sum",
                                                fill_value=0)
    week = np.minimum(np.maximum((-days - 1) // 7, 0), 13)
    open_.assign(w=week).groupby(["t", "w"])["o"].sum()
    return {kind: int(table.loc[kind].to_numpy().sum()) for kind in ("AR", "AP")}


def as_tables(inv: InvoiceInputs, pay: PaymentInputs) -> tuple[Table, Table]:
    """The same rows as reading hands them over: float amounts, text, datetime64, Excel rows."""
    invoices = pd.DataFrame({
        "Invoice No": inv.invoice_no, "Type": inv.kind, "Party": inv.party,
        "Issue Date": inv.issue_date.astype("datetime64[s]"),
        "Due Date": inv.due_date.astype("datetime64[s]"),
        "Amount": inv.amount / 100, "Currency": inv.currency}).set_axis(inv.row)
    payments = pd.DataFrame({
        "Payment Date": pay.date.astype("datetime64[s]"), "Type": pay.kind, "Party": pay.party,
        "Invoice No": pay.invoice_no, "Amount": pay.amount / 100,
        "Currency": pay.currency.replace("", None)}).set_axis(pay.row)
    return (Table(INVOICES, "Invoices", 1, invoices, dict(zip(invoices.columns, "ABCDEFG", strict=False))),
            Table(PAYMENTS, "Payments", 1, payments, dict(zip(payments.columns, "ABCDEF", strict=False))))


def timed(run: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and minimum wall seconds of `runs` calls after one warm-up."""
    run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=200_000)
    parser.add_argument("--payments", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    inv, pay = make_inputs(args.invoices, args.payments, foreign=0.05)
    reference = sum(range(10**6))
    start = time.perf_counter()
    assert sum(range(10**6)) == reference
    machine = time.perf_counter() - start
    eng_median, eng_min = timed(lambda: engine_run(inv, pay), args.runs)
    pd_median, pd_min = timed(lambda: pandas_run(inv, pay), args.runs)
    invoice_table, payment_table = as_tables(inv, pay)
    convert_median, _ = timed(lambda: (invoices_from_table(invoice_table, "BRL"),
                                       payments_from_table(payment_table)), args.runs)
    same_inv, same_pay = make_inputs(args.invoices, args.payments, foreign=0.0)
    result = engine_run(same_inv, same_pay)
    ours = {k: int(result.in_currency[k].cents[:, :-1].sum()) for k in ("AR", "AP")}
    assert ours == pandas_run(same_inv, same_pay), "engine and pandas disagree on the totals"
    print(f"{args.invoices:,} invoices + {args.payments:,} payments, as of {AS_OF}, median of {args.runs}")
    print(f"  machine reference sum(range(10**6)): {machine * 1000:.1f} ms")
    print(f"  engine (age + forecast):  {eng_median:.3f} s median, {eng_min:.3f} s min")
    print(f"  plain pandas, int cents:  {pd_median:.3f} s median, {pd_min:.3f} s min")
    print(f"  ratio engine / pandas:    {eng_median / pd_median:.2f}")
    print(f"  (not in the target) sheets' Tables -> typed inputs: {convert_median:.3f} s median")
    print(f"  totals agree (same-currency book): AR {ours['AR']:,} AP {ours['AP']:,} cents")
    verdict = "within" if eng_median <= TARGET_S else "OVER"
    print(f"  verdict: {verdict} the {TARGET_S} s target")
    # A shared machine slows both alike: the ratio carries over to the issue's 0.10 s pandas.
    scaled = eng_median / pd_median * PANDAS_REFERENCE_S
    print(f"  at the issue's pandas speed ({PANDAS_REFERENCE_S} s) the engine would take {scaled:.3f} s: "
          f"{'within' if scaled <= TARGET_S else 'OVER'} the target")


if __name__ == "__main__":
    main()
