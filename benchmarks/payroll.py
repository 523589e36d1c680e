"""Payroll gross-to-net on 50,000 employees (issue 12's target: <= 0.1 s).

    .venv/bin/python benchmarks/payroll.py                  # 50,000 employees, 5 runs
    .venv/bin/python benchmarks/payroll.py --employees 200000 --runs 3

Measured, in the same process and on the same employees:
  engine     engine.payroll.run_payroll: overtime, gross, INSS band by band, IRRF with the
             reduction, FGTS and the employer rate, net pay, the payroll checks (vectorised,
             exact int64 cents);
  input      building the engine's input (engine.payroll_input.payroll_input) from Python
             values (Decimal amounts), for scale: not part of the engine's figure;
  decimal    a per-employee Decimal loop of the same rules (tests/payroll_reference.py), the
             baseline issue 12 measured at 0.47 s.
Each figure is the median of the runs (min and max beside it). The engine's and the loop's net
pay, INSS, IRRF and FGTS are compared employee by employee; the script exits 1 if any differs
or the target is missed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import payroll_reference as ref  # noqa: E402

from engine.money import from_cents  # noqa: E402
from engine.payroll import run_payroll  # noqa: E402
from engine.payroll_input import PayrollInput, payroll_input  # noqa: E402
from engine.payroll_rules import load_pack  # noqa: E402
from engine.settings import Settings  # noqa: E402

TARGET = 0.1
PACK = load_pack("BR-2026")
SETTINGS = Settings(employer_contribution_rate=Decimal("0.2"))


def employees(count: int, seed: int = 2026) -> dict[str, list]:
    """Deterministic, varied employees: every INSS and IRRF band, both sides of the ceiling and
    the reduction's limits, overtime in quarter hours, bonuses, dependents."""
    rng = random.Random(seed)
    cents = lambda low, high: Decimal(rng.randint(low, high)) / 100  # noqa: E731
    return {
        "employee_id": [f"E{i:06d}" for i in range(count)],
        "base_salary": [cents(151_800, 2_500_000) for _ in range(count)],
        "overtime_hours": [Decimal(rng.choice([0, 0, rng.randint(1, 80)])) / 4 for _ in range(count)],
        "bonus": [rng.choice([Decimal(0), cents(0, 300_000)]) for _ in range(count)],
        "other_deductions": [rng.choice([Decimal(0), cents(0, 50_000)]) for _ in range(count)],
        "dependents": [rng.choice([0, 0, 0, 1, 2, 3, 4]) for _ in range(count)],
        "bank_account": [None if rng.random() < 0.002 else f"0001-{i}" for i in range(count)],
    }


def build(columns: dict[str, list]) -> PayrollInput:
    return payroll_input(columns["employee_id"], columns["base_salary"],
                         overtime_hours=columns["overtime_hours"], bonus=columns["bonus"],
                         other_deductions=columns["other_deductions"], dependents=columns["dependents"],
                         bank_account=columns["bank_account"])


def decimal_loop(columns: dict[str, list]) -> list[dict[str, Decimal]]:
    """The baseline: one employee at a time, in Decimal."""
    out = []
    for base, hours, bonus, other, deps in zip(columns["base_salary"], columns["overtime_hours"],
                                               columns["bonus"], columns["other_deductions"],
                                               columns["dependents"], strict=True):
        gross = base + ref.overtime(base, hours, SETTINGS.overtime_multiplier, SETTINGS.monthly_hours) + bonus
        out.append(ref.gross_to_net(PACK, gross, deps, other, SETTINGS.employer_contribution_rate))
    return out


def timed(work: Callable[[], object], runs: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return times, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    columns = employees(args.employees)
    input_times, data = timed(lambda: build(columns), args.runs)
    engine_times, (result, issues) = timed(lambda: run_payroll(data, PACK, SETTINGS), args.runs)
    loop_times, expected = timed(lambda: decimal_loop(columns), args.runs)
    assert len(result) == len(expected), "no employee here has a negative net pay"
    mismatches = sum(
        (from_cents(int(result.net_pay[i])), from_cents(int(result.inss[i])), from_cents(int(result.irrf[i])),
         from_cents(int(result.fgts[i]))) != (e["net"], e["inss"], e["irrf"], e["fgts"])
        for i, e in enumerate(expected))
    print(f"{args.employees:,} employees, {args.runs} runs (median [min-max] seconds)")
    for label, times in (("engine", engine_times), ("input", input_times), ("decimal", loop_times)):
        print(f"  {label:8} {statistics.median(times):8.4f} [{min(times):.4f}-{max(times):.4f}]")
    engine, loop = statistics.median(engine_times), statistics.median(loop_times)
    print(f"  decimal loop / engine = {loop / engine:.0f}x; {len(issues):,} payroll issues; "
          f"totals: net {result.totals()['Net Pay']:,}, total cost {result.totals()['Total Cost']:,}")
    print(f"  employees whose figures differ from the Decimal loop: {mismatches}")
    met = engine <= TARGET * args.employees / 50_000 and mismatches == 0
    print(f"target engine <= {TARGET} s per 50,000 employees: {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
