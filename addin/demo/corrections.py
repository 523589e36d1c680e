"""The demo's planted problems corrected, as a person would after reading the Issues sheet.

`backoffice demo` shows the problems on one book and closes a second one: the same generated
book with these corrections typed in (the close is refused while an error stands, as it must).
The three planted errors are corrected, and the order dated in September is re-dated into the
period; warnings a person may accept are left (an overpayment stays a credit the customer holds,
the new hire still has no bank account): the close passes with those warnings.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from addin.demo.book import PlantedProblem, _cpf_check_digits, _format_cpf


def correct_planted(path: Path, planted: Sequence[PlantedProblem], period: str) -> list[str]:
    """Correct the planted errors in the fresh demo book at `path` (input sheets only, before
    any run wrote a tool sheet); returns what was changed, one line each, for the summary."""
    book = openpyxl.load_workbook(path)
    done: list[str] = []
    removals: list[tuple[Worksheet, int, PlantedProblem]] = []
    for problem in planted:
        sheet = book[problem.sheet]
        cell = sheet[problem.cell]
        where = f"{problem.sheet}!{problem.cell}"
        if problem.kind == "outside_period":
            cell.value = datetime.strptime(f"{period}-01", "%Y-%m-%d")
            done.append(f"{where}: dated {period}-01, inside the period")
        elif problem.kind == "unreadable_number":
            cell.value, cell.number_format = 1, "General"
            done.append(f"{where}: quantity typed as the number 1")
        elif problem.kind == "invalid_tax_id":
            base = [int(ch) for ch in str(problem.value) if ch.isdigit()][:9]
            cell.value = _format_cpf([*base, *_cpf_check_digits(base)])  # the generator's own
            done.append(f"{where}: CPF check digits corrected ({cell.value})")
        elif problem.kind == "duplicate_bill":
            removals.append((sheet, cell.row, problem))
    for sheet, row, problem in sorted(removals, key=lambda r: -r[1]):  # bottom up: rows move up
        sheet.delete_rows(row)
        done.append(f"{problem.sheet}!{problem.cell}: duplicate supplier bill deleted (row {row})")
    book.save(path)
    return done
