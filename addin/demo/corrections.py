"""The demo's planted problems corrected, as a person would after reading the Issues sheet.

`backoffice demo` shows the problems on one book and closes a second one: the same generated
book with these corrections typed in (the close is refused while an error stands, as it must).
The three planted errors are corrected, and the order dated in September is re-dated into the
period; warnings a person may accept are left (an overpayment stays a credit the customer holds,
the new hire still has no bank account): the close passes with those warnings.

The corrected book is written by the demo's own writer (the same seed, the same layout), not by
editing the file with another library: the file is exactly what the demo writes, only the
corrected cells differ (and the duplicate bill's row is gone).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from addin.demo import book as demo_book
from addin.demo.book import PlantedProblem
from workbooks.input_book import write_input_book

_COLUMN = {"outside_period": "Order Date", "unreadable_number": "Quantity",
           "invalid_tax_id": "Tax ID"}


def build_corrected_workbook(path: Path, *, seed: int = 2026) -> list[str]:
    """Write the demo book of `seed` to `path` with its planted errors corrected; returns what
    was changed, one line each (sheet!cell: what), for the summary."""
    book = demo_book._generate(seed)
    specs = {spec.name: spec for spec in demo_book._SHEETS}
    done: list[str] = []
    removals: list[tuple[str, int, PlantedProblem]] = []
    for problem in book.planted:
        spec, where = specs[problem.sheet], f"{problem.sheet}!{problem.cell}"
        index = int(re.sub(r"\D", "", problem.cell)) - demo_book._header_row(spec) - 1
        row = book.sheets[problem.sheet][index]
        if problem.kind == "duplicate_bill":
            removals.append((problem.sheet, index, problem))
        elif problem.kind in _COLUMN:
            row[_COLUMN[problem.kind]] = value = _corrected(problem)
            done.append(f"{where}: {_said(problem.kind, value)}")
    for sheet, index, problem in sorted(removals, key=lambda r: -r[1]):  # bottom up
        del book.sheets[sheet][index]
        done.append(f"{problem.sheet}!{problem.cell}: duplicate supplier bill deleted (row "
                    f"{index + demo_book._header_row(specs[sheet]) + 1})")
    write_input_book(path, [demo_book._layout(spec, book.sheets[spec.name])
                            for spec in demo_book._SHEETS], demo_book._PROPERTIES)
    return done


def _corrected(problem: PlantedProblem) -> object:
    """The value a person would type instead of the planted one."""
    if problem.kind == "outside_period":
        return date.fromisoformat(f"{demo_book.PERIOD}-01")
    if problem.kind == "unreadable_number":
        return 1
    base = [int(ch) for ch in str(problem.value) if ch.isdigit()][:9]
    return demo_book._format_cpf([*base, *demo_book._cpf_check_digits(base)])


def _said(kind: str, value: object) -> str:
    return {"outside_period": f"dated {value}, inside the period",
            "unreadable_number": f"quantity typed as the number {value}",
            "invalid_tax_id": f"CPF check digits corrected ({value})"}[kind]
